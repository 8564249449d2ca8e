import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSelfSignedCertificate, type LabCertificate } from '../../src/lab/tls.js';
import { createAviClient, type AviClientOptions } from '../../src/avi/client.js';
import { AviError, type Cloud } from '../../src/avi/types.js';
import { FakeController, PASSWORD, USERNAME } from './fake-controller.js';

let dir: string;
let cert: LabCertificate;
let fake: FakeController;
const PASSPHRASE = 'Backup-Passphrase-42';
const NODE_PASSWORD = 'Initial-Admin-Pw-7';

function client(extra: Partial<AviClientOptions> = {}) {
  return createAviClient({ controller: fake.url, username: USERNAME, password: PASSWORD, tenant: 'admin', caBundle: cert.caPath, retryDeadlineMs: 300, ...extra });
}

const cloud = (n: number): Cloud => ({ uuid: `cloud-${n}`, name: `aws-${n}`, vtype: 'CLOUD_AWS', aws_configuration: { region: 'eu-west-1', ebs_encryption: { mode: 'AWS_ENCRYPTION_MODE_NONE' } } });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'avi-api-'));
  cert = createSelfSignedCertificate(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  fake = await FakeController.start(cert);
});
afterEach(() => fake.stop());

describe('Avi API calls', () => {
  it('follows next until it is absent, even when next names another host', async () => {
    fake.routes.set('GET /api/cloud', (req) => {
      const page = Number(new URL(req.url, 'https://x').searchParams.get('page') ?? '1');
      const next = page < 3 ? { next: `https://10.1.2.3/api/cloud?page=${page + 1}&page_size=2` } : {};
      return { status: 200, body: { count: 5, results: [cloud(page * 2 - 1), cloud(page * 2)].slice(0, page === 3 ? 1 : 2), ...next } };
    });
    const clouds = await client().listClouds();
    expect(clouds.map((c) => c.uuid)).toEqual(['cloud-1', 'cloud-2', 'cloud-3', 'cloud-4', 'cloud-5']);
    expect(fake.requestsTo('GET /api/cloud').map((r) => r.url)).toEqual([
      '/api/cloud?page_size=200',
      '/api/cloud?page=2&page_size=2',
      '/api/cloud?page=3&page_size=2',
    ]);
  });

  it('stops a paging loop instead of spinning', async () => {
    fake.routes.set('GET /api/cloud', () => ({ status: 200, body: { count: 1, results: [cloud(1)], next: '/api/cloud?page=2' } }));
    const err = await client().listClouds().catch((e: unknown) => e);
    expect((err as AviError).message).toContain('does not end');
  });

  it('exports full_system with the passphrase in the body, never the URL', async () => {
    const exported = JSON.stringify({ META: { version: { Version: '22.1.3' } }, Cloud: [cloud(1)] });
    fake.routes.set('POST /api/configuration/export', () => ({ status: 200, body: exported }));
    expect(await client().exportConfiguration(PASSPHRASE)).toBe(exported);
    const [req] = fake.requestsTo('POST /api/configuration/export');
    expect(req?.url).toBe('/api/configuration/export?full_system=true');
    expect(req?.url).not.toContain(PASSPHRASE);
    expect(JSON.parse(req?.body ?? '')).toEqual({ passphrase: PASSPHRASE });
    expect(req?.headers['x-csrftoken']).toBe(fake.csrf);
  });

  it('refuses an export answer that is not JSON', async () => {
    fake.routes.set('POST /api/configuration/export', () => ({ status: 200, body: '{"META": {"trunc' }));
    const err = await client().exportConfiguration(PASSPHRASE).catch((e: unknown) => e);
    expect((err as AviError).kind).toBe('http');
  });

  it('imports the parsed configuration together with the passphrase', async () => {
    const configuration = { META: {}, Cloud: [cloud(1)] };
    fake.routes.set('POST /api/configuration/import', () => ({ status: 200, body: {} }));
    await client().importConfiguration(JSON.stringify(configuration), PASSPHRASE);
    const [req] = fake.requestsTo('POST /api/configuration/import');
    expect(JSON.parse(req?.body ?? '')).toEqual({ configuration, passphrase: PASSPHRASE });
    expect(req?.url).not.toContain(PASSPHRASE);
  });

  it('imports onto a factory-fresh Controller through a session of its own, logged in with its initial admin password', async () => {
    fake.routes.set('POST /api/configuration/import', () => ({ status: 200, body: {} }));
    // The run's own password is the configured one, which a fresh Controller does not know yet.
    const avi = client({ password: 'configured-admin-password', tenant: 'dev' });
    await avi.importConfiguration('{"META": {}}', PASSPHRASE, PASSWORD);
    const logins = fake.requestsTo('POST /login');
    expect(logins).toHaveLength(1);
    expect(JSON.parse(logins[0]!.body)).toEqual({ username: USERNAME, password: PASSWORD });
    // A fresh Controller has only the admin tenant: the import is sent there.
    expect(fake.requestsTo('POST /api/configuration/import')[0]!.headers['x-avi-tenant']).toBe('admin');
  });

  it('rejects an import that is not JSON before calling the Controller', async () => {
    const err = await client().importConfiguration('not json', PASSPHRASE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AviError);
    expect(fake.requests).toEqual([]);
  });

  it('reads the cluster runtime', async () => {
    const runtime = { cluster_state: { state: 'CLUSTER_UP_HA_ACTIVE' }, node_states: [{ name: 'n1', role: 'CLUSTER_LEADER', state: 'CLUSTER_ACTIVE' }] };
    fake.routes.set('GET /api/cluster/runtime', () => ({ status: 200, body: runtime }));
    expect(await client().getClusterRuntime()).toEqual(runtime);
  });
});

describe('secrets in errors', () => {
  it('never shows the password, passphrase or cookies in any error or retry note', async () => {
    const seen: string[] = [];
    const errors: unknown[] = [];
    const notes: string[] = [];
    const catchAll = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => errors.push(e));
    const echo = `password ${PASSWORD} passphrase ${PASSPHRASE} cookie sid-1 csrf ${fake.csrf}`;

    // The Controller echoes secrets back in its error bodies: they must be scrubbed.
    fake.routes.set('POST /api/configuration/export', () => ({ status: 400, body: { error: echo } }));
    fake.routes.set('GET /api/cluster', () => ({ status: 500, body: { error: echo } }));
    const avi = client({ onRetry: (i) => notes.push(i.reason) });
    await catchAll(avi.exportConfiguration(PASSPHRASE));
    await catchAll(avi.getCluster());
    await catchAll(avi.importConfiguration('{', PASSPHRASE));
    // A joining node's password goes in the PUT body; a Controller echoing it back is scrubbed too.
    fake.routes.set('PUT /api/cluster', () => ({ status: 400, body: { error: `cannot log in to 10.0.0.2 with ${NODE_PASSWORD}` } }));
    await catchAll(avi.putCluster({ uuid: 'c', name: 'c', nodes: [{ name: 'n', ip: { addr: '10.0.0.2', type: 'V4' }, password: NODE_PASSWORD }] }));
    await catchAll(client({ password: `${PASSWORD}-wrong` }).login());
    await catchAll(client({ caBundle: undefined }).login());
    await catchAll(createAviClient({ controller: 'https://127.0.0.1:1', username: USERNAME, password: PASSWORD, tenant: 'admin', retryDeadlineMs: 100 }).login());

    expect(errors).toHaveLength(7);
    for (const e of errors) {
      expect(e).toBeInstanceOf(AviError);
      const err = e as AviError;
      seen.push(err.message, String(err.stack), JSON.stringify(err), JSON.stringify(Object.entries(err)));
    }
    seen.push(...notes);
    for (const text of seen) {
      for (const secret of [PASSWORD, PASSPHRASE, NODE_PASSWORD, 'sid-1', fake.csrf]) expect(text).not.toContain(secret);
    }
    expect((errors[0] as AviError).message).toContain('password *** passphrase ***');
  });
});
