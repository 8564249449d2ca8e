import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client, call, startSim, type SimFixture } from './avi-helpers.js';

describe('simulated Controller: sessions, headers, collections', () => {
  let f: SimFixture;
  beforeAll(async () => {
    f = await startSim(['10.0.1.10', '10.0.2.10', '10.0.3.10']);
  });
  afterAll(async () => f.close());

  it('answers /api/initial-data and /api/cluster/status without a session', async () => {
    const init = await call(f.url, 'GET', '/api/initial-data');
    expect(init.status).toBe(200);
    expect(init.json.version.Version).toBe('22.1.3');
    const status = await call(f.url, 'GET', '/api/cluster/status');
    expect(status.json.cluster_state.state).toBe('CLUSTER_UP_HA_ACTIVE');
  });

  it('logs in with JSON or a form and sets csrftoken, avi-sessionid and sessionid', async () => {
    const c = new Client(f.url, f.password);
    const r = await c.login();
    expect(r.status).toBe(200);
    expect(r.json.version.Version).toBe('22.1.3');
    expect(r.json.session_cookie_name).toBe('avi-sessionid');
    expect([...c.cookies.keys()].sort()).toEqual(['avi-sessionid', 'csrftoken', 'sessionid']);
    expect(c.cookies.get('avi-sessionid')).toBe(c.cookies.get('sessionid'));
    const form = await call(f.url, 'POST', '/login', { body: { username: 'admin', password: f.password }, form: true });
    expect(form.status).toBe(200);
  });

  it('refuses a wrong password with 401 JSON and /api calls without a session with 401', async () => {
    const bad = await call(f.url, 'POST', '/login', { body: { username: 'admin', password: 'nope' } });
    expect(bad.status).toBe(401);
    expect(bad.json.error).toMatch(/credentials/i);
    const anon = await call(f.url, 'GET', '/api/cluster');
    expect(anon.status).toBe(401);
    expect(anon.json).toHaveProperty('error');
  });

  it('requires X-CSRFToken matching the cookie, and a Referer, on writes', async () => {
    const c = new Client(f.url, f.password);
    await c.login();
    const cluster = (await c.api('GET', '/api/cluster')).json;
    const cookie = [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const noCsrf = await call(f.url, 'PUT', '/api/cluster', { body: cluster, headers: { cookie, referer: f.url } });
    expect(noCsrf.status).toBe(401);
    expect(noCsrf.text).toBe('CSRF token missing or incorrect.');
    const wrong = await call(f.url, 'PUT', '/api/cluster', { body: cluster, headers: { cookie, referer: f.url, 'x-csrftoken': 'forged' } });
    expect(wrong.status).toBe(401);
    const noReferer = await call(f.url, 'PUT', '/api/cluster', { body: cluster, headers: { cookie, 'x-csrftoken': c.cookies.get('csrftoken')! } });
    expect(noReferer.status).toBe(401);
    expect((await c.api('PUT', '/api/cluster', cluster)).status).toBe(200);
  });

  it('rejects an X-Avi-Version newer than the Controller and accepts older ones', async () => {
    const c = new Client(f.url, f.password);
    await c.login();
    const cookie = [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const newer = await call(f.url, 'GET', '/api/cloud', { headers: { cookie, 'x-avi-version': '30.2.1' } });
    expect(newer.status).toBe(400);
    expect(newer.text).toContain('Invalid version');
    const older = await call(f.url, 'GET', '/api/cloud', { headers: { cookie, 'x-avi-version': '18.2.6', 'x-avi-tenant': 'admin' } });
    expect(older.status).toBe(200);
  });

  it('serves the AWS cloud and pages collections with next', async () => {
    const c = new Client(f.url, f.password);
    await c.login();
    const clouds = (await c.api('GET', '/api/cloud')).json;
    expect(clouds.count).toBe(1);
    expect(clouds.next).toBeUndefined();
    const cloud = clouds.results[0];
    expect(cloud).toMatchObject({ name: 'Default-Cloud', vtype: 'CLOUD_AWS' });
    expect(cloud.uuid).toMatch(/^cloud-/);
    expect(cloud.aws_configuration).toMatchObject({ region: 'eu-west-1', vpc_id: 'vpc-0lab', ebs_encryption: { mode: 'AWS_ENCRYPTION_MODE_NONE' }, s3_encryption: { mode: 'AWS_ENCRYPTION_MODE_NONE' } });

    const page1 = (await c.api('GET', '/api/serviceenginegroup?page_size=1')).json;
    expect(page1.count).toBe(2);
    expect(page1.results).toHaveLength(1);
    const next = new URL(page1.next);
    expect(next.searchParams.get('page')).toBe('2');
    const page2 = (await c.api('GET', next.pathname + next.search)).json;
    expect(page2.results).toHaveLength(1);
    expect(page2.next).toBeUndefined();
    expect(page2.results[0].name).not.toBe(page1.results[0].name);
    expect(page2.results[0].cloud_ref).toBe(`${f.url}/api/cloud/${cloud.uuid}`);

    const put = await c.api('PUT', `/api/cloud/${cloud.uuid}`, { ...cloud, aws_configuration: { ...cloud.aws_configuration, ebs_encryption: { mode: 'AWS_ENCRYPTION_MODE_SSE_KMS', master_key: 'arn:aws:kms:eu-west-1:123456789012:key/k' } } });
    expect(put.status).toBe(200);
    expect((await c.api('GET', `/api/cloud/${cloud.uuid}`)).json.aws_configuration.ebs_encryption.mode).toBe('AWS_ENCRYPTION_MODE_SSE_KMS');
    const bad = await c.api('PUT', `/api/cloud/${cloud.uuid}`, { ...cloud, aws_configuration: { ebs_encryption: { mode: 'SSE' } } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/not a valid choice/);
    expect((await c.api('GET', '/api/cloud/cloud-missing')).status).toBe(404);
  });

  it('logs out: the session no longer works', async () => {
    const c = new Client(f.url, f.password);
    await c.login();
    expect((await c.api('POST', '/logout')).status).toBe(200);
    expect((await c.api('GET', '/api/cluster')).status).toBe(401);
  });

  it('records every request in the log as service avi with "METHOD /path"', () => {
    const ops = f.requests.map((r) => r.operation);
    expect(ops).toContain('POST /login');
    // Opening a session changes nothing on the Controller: a dry run may log in.
    expect(f.requests.find((r) => r.operation === 'POST /login')!.mutating).toBe(false);
    expect(ops).toContain('GET /api/serviceenginegroup');
    const csrf = f.requests.find((r) => r.operation === 'PUT /api/cluster' && r.status === 401)!;
    expect(csrf).toMatchObject({ service: 'avi', mutating: true, error: 'Unauthorized' });
    expect(f.requests.find((r) => r.operation === 'GET /api/cloud' && r.status === 200)!.mutating).toBe(false);
    expect(f.requests.every((r, i) => r.seq === i + 1)).toBe(true);
  });
});
