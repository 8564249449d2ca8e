import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSelfSignedCertificate, type LabCertificate } from '../../src/lab/tls.js';
import { createAviClient, type AviClientOptions } from '../../src/avi/client.js';
import { AviError, type ClusterConfig } from '../../src/avi/types.js';
import { FakeController, PASSWORD, USERNAME } from './fake-controller.js';

let dir: string;
let cert: LabCertificate;
let fake: FakeController;

const cluster: ClusterConfig = {
  uuid: 'cluster-1',
  name: 'cluster-0-1',
  nodes: [{ name: '10.0.0.10', ip: { addr: '10.0.0.10', type: 'V4' } }],
};

function client(extra: Partial<AviClientOptions> = {}) {
  return createAviClient({ controller: fake.url, username: USERNAME, password: PASSWORD, tenant: 'admin', caBundle: cert.caPath, retryDeadlineMs: 2_000, ...extra });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'avi-session-'));
  cert = createSelfSignedCertificate(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  fake = await FakeController.start(cert);
  fake.routes.set('GET /api/cluster', () => ({ status: 200, body: cluster }));
  fake.routes.set('PUT /api/cluster', (req) => ({ status: 200, body: JSON.parse(req.body) }));
});
afterEach(() => fake.stop());

describe('Avi session', () => {
  it('logs in with JSON, keeps cookies and sends CSRF, Referer, version and tenant headers', async () => {
    const avi = client();
    expect(await avi.login()).toBe('22.1.3');

    const [login] = fake.requestsTo('POST /login');
    expect(login?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(login?.body ?? '')).toEqual({ username: USERNAME, password: PASSWORD });

    expect(await avi.getCluster()).toEqual(cluster);
    const [get] = fake.requestsTo('GET /api/cluster');
    expect(get?.headers.cookie).toContain('avi-sessionid=sid-1');
    expect(get?.headers.cookie).toContain('csrftoken=csrf-token-1');
    expect(get?.headers['x-avi-version']).toBe('22.1.3');
    expect(get?.headers['x-avi-tenant']).toBe('admin');

    expect(await avi.putCluster(cluster)).toEqual(cluster);
    const [put] = fake.requestsTo('PUT /api/cluster');
    expect(put?.headers['x-csrftoken']).toBe('csrf-token-1');
    expect(put?.headers.referer).toBe(fake.url);
    expect(put?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(put?.body ?? '')).toEqual(cluster);
    expect(fake.logins).toBe(1);
  });

  it('logs in lazily on the first call', async () => {
    await client().getCluster();
    expect(fake.logins).toBe(1);
    expect(fake.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /login', 'GET /api/cluster']);
  });

  it('picks up a rotated csrftoken for the next write', async () => {
    const avi = client();
    fake.script('GET /api/cluster', { status: 200, body: cluster, headers: { 'Set-Cookie': 'csrftoken=csrf-token-2; Path=/' } });
    await avi.getCluster();
    fake.csrf = 'csrf-token-2';
    await avi.putCluster(cluster);
    expect(fake.requestsTo('PUT /api/cluster')[0]?.headers['x-csrftoken']).toBe('csrf-token-2');
  });

  it('sends the configured apiVersion instead of the login one', async () => {
    const avi = client({ apiVersion: '20.1.1' });
    expect(await avi.login()).toBe('22.1.3');
    await avi.getCluster();
    expect(fake.requestsTo('POST /login')[0]?.headers['x-avi-version']).toBe('20.1.1');
    expect(fake.requestsTo('GET /api/cluster')[0]?.headers['x-avi-version']).toBe('20.1.1');
  });

  it('sends the tenant it was given', async () => {
    await client({ tenant: 'prod' }).getCluster();
    expect(fake.requestsTo('GET /api/cluster')[0]?.headers['x-avi-tenant']).toBe('prod');
  });

  it('accepts a tenant the login lists for the user, by name or uuid', async () => {
    fake.tenants = ['admin', 'prod'];
    await client({ tenant: 'prod' }).getCluster();
    await client({ tenant: 'tenant-prod' }).getCluster();
    expect(fake.requestsTo('GET /api/cluster')).toHaveLength(2);
  });

  it('refuses at login a tenant the user does not have, naming the ones it has; no API call follows', async () => {
    fake.tenants = ['admin', 'prod'];
    const err = await client({ tenant: 'nosuchtenant' }).getCluster().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(AviError);
    expect((err as AviError).kind).toBe('tenant');
    expect((err as AviError).message).toBe('tenant "nosuchtenant" is not a tenant of user admin on this Controller (tenants: admin, prod): fix --tenant or AVI_TENANT');
    expect(fake.requestsTo('GET /api/cluster')).toHaveLength(0);
  });

  it('logs in again once on 401 (expired session) and succeeds', async () => {
    const avi = client();
    await avi.getCluster();
    fake.expireSessions();
    expect(await avi.getCluster()).toEqual(cluster);
    expect(fake.logins).toBe(2);
    const gets = fake.requestsTo('GET /api/cluster');
    expect(gets.map((g) => g.headers.cookie?.includes('sid-2'))).toEqual([false, false, true]);
  });

  it('logs in again once on 419 and succeeds', async () => {
    const avi = client();
    await avi.login();
    fake.script('GET /api/cluster', { status: 419, body: { error: 'session expired' } });
    expect(await avi.getCluster()).toEqual(cluster);
    expect(fake.logins).toBe(2);
  });

  it('gives up with auth when 401 persists after a fresh login', async () => {
    const avi = client();
    fake.script('PUT /api/cluster', { status: 401, body: 'CSRF token missing or incorrect.' }, { status: 401, body: 'CSRF token missing or incorrect.' });
    const err = await avi.putCluster(cluster).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AviError);
    expect((err as AviError).kind).toBe('auth');
    expect(fake.logins).toBe(2);
  });

  it('maps a refused login to one clear auth line without the password', async () => {
    const avi = client({ password: 'wrong-password-123' });
    const err = (await avi.getCluster().catch((e: unknown) => e)) as AviError;
    expect(err).toBeInstanceOf(AviError);
    expect(err.kind).toBe('auth');
    expect(err.status).toBe(401);
    expect(err.message).toBe(`Avi login refused for user ${USERNAME}: check AVI_USERNAME/AVI_PASSWORD`);
    expect(JSON.stringify(err)).not.toContain('wrong-password-123');
    expect(fake.requestsTo('POST /login')).toHaveLength(1);
  });

  it('resetSession forgets cookies so the next call logs in', async () => {
    const avi = client();
    await avi.getCluster();
    avi.resetSession();
    await avi.getCluster();
    expect(fake.logins).toBe(2);
    expect(fake.requestsTo('GET /api/cluster')[1]?.headers.cookie).toContain('sid-2');
  });

  it('shares one login between concurrent calls', async () => {
    const avi = client();
    await Promise.all([avi.getCluster(), avi.getCluster(), avi.getCluster()]);
    expect(fake.logins).toBe(1);
  });
});
