import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSelfSignedCertificate, type LabCertificate } from '../../src/lab/tls.js';
import { createAviClient, type AviClientOptions } from '../../src/avi/client.js';
import { AviError } from '../../src/avi/types.js';
import { lookOnce } from '../../src/avi/retry.js';
import { FakeController, PASSWORD, USERNAME } from './fake-controller.js';

let dir: string;
let cert: LabCertificate;
let fake: FakeController;
const runtime = { cluster_state: { state: 'CLUSTER_UP_NO_HA' }, node_states: [] };

function client(extra: Partial<AviClientOptions> = {}) {
  return createAviClient({ controller: fake.url, username: USERNAME, password: PASSWORD, tenant: 'admin', caBundle: cert.caPath, retryDeadlineMs: 2_000, ...extra });
}

async function failure(p: Promise<unknown>): Promise<AviError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AviError);
  return err as AviError;
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'avi-retry-'));
  cert = createSelfSignedCertificate(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  fake = await FakeController.start(cert);
  fake.routes.set('GET /api/cluster/runtime', () => ({ status: 200, body: runtime }));
});
afterEach(() => fake.stop());

describe('Avi retries and failures', () => {
  it('retries at most retryMaxGapMs apart: 8 refusals fit in a deadline that backoff up to 15 s would overrun', async () => {
    fake.script('GET /api/cluster/runtime', ...Array.from({ length: 8 }, () => ({ status: 503, body: 'starting' })));
    expect(await client({ retryMaxGapMs: 40 }).getClusterRuntime()).toEqual(runtime);
    expect(fake.requestsTo('GET /api/cluster/runtime')).toHaveLength(9);
    fake.script('GET /api/cluster/runtime', ...Array.from({ length: 8 }, () => ({ status: 503, body: 'starting' })));
    await expect(client().getClusterRuntime()).rejects.toThrow(/gave up after \d+ attempts/);
  });

  it('retries 503 (Controller initializing) with backoff, then succeeds', async () => {
    const retries: { attempt: number; reason: string }[] = [];
    fake.script('GET /api/cluster/runtime', { status: 503, body: 'starting' }, { status: 503 });
    const started = Date.now();
    expect(await client({ onRetry: (i) => retries.push(i) }).getClusterRuntime()).toEqual(runtime);
    expect(fake.requestsTo('GET /api/cluster/runtime')).toHaveLength(3);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2]);
    expect(retries[0]?.reason).toContain('503');
    // first backoff is deadline/20 = 100 ms, jittered up to x2; the second doubles it
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it("inside a wait's look a 503 is not retried: one request, failing at once as not yet; outside, the same call retries", async () => {
    fake.script('GET /api/cluster/runtime', { status: 503, body: 'starting' });
    const c = client();
    await c.login();
    const err = await failure(lookOnce(() => c.getClusterRuntime()));
    expect({ status: err.status, notYet: err.notYet }).toEqual({ status: 503, notYet: true });
    expect(fake.requestsTo('GET /api/cluster/runtime')).toHaveLength(1);
    fake.script('GET /api/cluster/runtime', { status: 503, body: 'starting' });
    expect(await c.getClusterRuntime()).toEqual(runtime);
    expect(fake.requestsTo('GET /api/cluster/runtime')).toHaveLength(3);
  });

  it('retries a 503 on login too', async () => {
    fake.script('POST /login', { status: 503 });
    expect(await client().login()).toBe('22.1.3');
  });

  it('gives up with unreachable when 503 outlasts the deadline', async () => {
    for (let i = 0; i < 50; i++) fake.script('GET /api/cluster/runtime', { status: 503 });
    const err = await failure(client({ retryDeadlineMs: 500 }).getClusterRuntime());
    expect(err.kind).toBe('unreachable');
    expect(err.status).toBe(503);
    expect(err.message).toContain(fake.url);
    expect(err.message).toContain('gave up');
    expect(fake.requestsTo('GET /api/cluster/runtime').length).toBeGreaterThan(1);
  });

  it('maps a closed port to one unreachable line naming the URL and the cause', async () => {
    const url = `https://127.0.0.1:${await closedPort()}`;
    const retries: string[] = [];
    const avi = createAviClient({ controller: url, username: USERNAME, password: PASSWORD, tenant: 'admin', retryDeadlineMs: 400, onRetry: (i) => retries.push(i.reason) });
    const err = await failure(avi.getCluster());
    expect(err.kind).toBe('unreachable');
    expect(err.status).toBe(0);
    expect(err.message).toMatch(new RegExp(`^cannot reach Avi Controller ${url}: connect ECONNREFUSED`));
    expect(err.message).not.toContain('\n');
    expect(retries.length).toBeGreaterThan(0);
  });

  it('fails fast with tls and a --ca-bundle hint when the certificate is not trusted', async () => {
    const retries: string[] = [];
    const err = await failure(client({ caBundle: undefined, onRetry: (i) => retries.push(i.reason) }).getCluster());
    expect(err.kind).toBe('tls');
    expect(err.message).toContain(fake.url);
    expect(err.message).toContain('--ca-bundle <pem>');
    expect(err.message).not.toContain('\n');
    expect(retries).toEqual([]);
    expect(fake.requests).toEqual([]);
  });

  it('reports a missing CA bundle file as tls', () => {
    expect(() => client({ caBundle: join(dir, 'missing.pem') })).toThrow(/cannot read CA bundle .*missing\.pem/);
  });

  it('does not retry a 400 and maps the Avi error body', async () => {
    fake.script('GET /api/cluster/runtime', { status: 400, body: { error: 'Cannot delete, object is referred by: [foo]' } });
    const err = await failure(client().getClusterRuntime());
    expect(err.kind).toBe('http');
    expect(err.status).toBe(400);
    expect(err.message).toContain('Cannot delete, object is referred by: [foo]');
    expect(err.message).toContain('GET /api/cluster/runtime');
    expect(fake.requestsTo('GET /api/cluster/runtime')).toHaveLength(1);
  });

  it('retries a dropped connection on reads', async () => {
    fake.script('GET /api/cluster/runtime', { status: 0, destroy: true });
    expect(await client().getClusterRuntime()).toEqual(runtime);
  });

  it('does not resend an import whose connection dropped (it may have been applied)', async () => {
    fake.script('POST /api/configuration/import', { status: 0, destroy: true });
    const err = await failure(client().importConfiguration('{"META":{}}', 'backup-passphrase-1'));
    expect(err.kind).toBe('unreachable');
    expect(err.message).toContain('may have been applied');
    expect(fake.requestsTo('POST /api/configuration/import')).toHaveLength(1);
  });

  it('times out a silent Controller with kind timeout after the deadline', async () => {
    for (let i = 0; i < 10; i++) fake.script('GET /api/cluster/runtime', { status: 0, hang: true });
    const err = await failure(client({ requestTimeoutMs: 150, retryDeadlineMs: 400 }).getClusterRuntime());
    expect(err.kind).toBe('timeout');
    expect(err.message).toContain('did not answer GET /api/cluster/runtime');
  });

  describe('probe', () => {
    it('returns the version without logging in', async () => {
      expect(await client().probe()).toBe('22.1.3');
      expect(fake.logins).toBe(0);
      expect(fake.requests[0]?.headers.cookie).toBeUndefined();
    });

    it('returns undefined on 503 after one attempt', async () => {
      fake.script('GET /api/initial-data', { status: 503 }, { status: 503 });
      expect(await client().probe()).toBeUndefined();
      expect(fake.requests).toHaveLength(1);
    });

    it('returns undefined on a closed port', async () => {
      const url = `https://127.0.0.1:${await closedPort()}`;
      expect(await createAviClient({ controller: url, username: USERNAME, password: PASSWORD, tenant: 'admin' }).probe()).toBeUndefined();
    });

    it('throws tls on an untrusted certificate', async () => {
      const err = await failure(client({ caBundle: undefined }).probe());
      expect(err.kind).toBe('tls');
    });
  });
});
