// X-Avi-Tenant / X-Avi-Tenant-UUID on the simulated Controller: an unknown tenant is refused,
// tenant-scoped objects (clouds, SE groups) are visible only in their tenant, the cluster is a
// system object, and the login response lists the tenants the admin user may use.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client, call, startSim, type SimFixture } from './avi-helpers.js';

describe('simulated Controller: tenants', () => {
  let f: SimFixture;
  let c: Client;
  let tenants: { name: string; uuid: string; url: string }[];
  beforeAll(async () => {
    f = await startSim(['10.0.1.10', '10.0.2.10', '10.0.3.10']);
    c = new Client(f.url, f.password);
    tenants = (await c.login()).json.tenants;
  });
  afterAll(async () => f.close());

  const as = (headers: Record<string, string>, method = 'GET', path = '/api/cloud', body?: unknown) => {
    const cookie = [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const h: Record<string, string> = { cookie, 'x-avi-version': '22.1.3', referer: f.url, 'x-csrftoken': c.cookies.get('csrftoken')!, ...headers };
    return call(f.url, method, path, { headers: h, ...(body === undefined ? {} : { body }) });
  };

  it('lists admin and dev in the login response, with uuids and urls', () => {
    expect(tenants.map((t) => t.name)).toEqual(['admin', 'dev']);
    expect(tenants[0]!.uuid).toBe('admin');
    expect(tenants[1]!.uuid).toMatch(/^tenant-[0-9a-f-]{36}$/);
    expect(tenants[1]!.url).toBe(`${f.url}/api/tenant/${tenants[1]!.uuid}`);
  });

  it('refuses an unknown tenant by name or uuid with 401 and an Avi error body, and changes nothing', async () => {
    const byName = await as({ 'x-avi-tenant': 'nosuchtenant' });
    expect(byName.status).toBe(401);
    expect(byName.json.error).toMatch(/nosuchtenant/);
    const byUuid = await as({ 'x-avi-tenant-uuid': 'tenant-00000000-0000-0000-0000-000000000000' });
    expect(byUuid.status).toBe(401);
    const cluster = (await as({ 'x-avi-tenant': 'admin' }, 'GET', '/api/cluster')).json;
    const put = await as({ 'x-avi-tenant': 'nosuchtenant' }, 'PUT', '/api/cluster', { ...cluster, name: 'renamed' });
    expect(put.status).toBe(401);
    expect((await as({}, 'GET', '/api/cluster')).json.name).toBe(cluster.name);
    // a name and a uuid that name two different tenants
    expect((await as({ 'x-avi-tenant': 'admin', 'x-avi-tenant-uuid': tenants[1]!.uuid })).status).toBe(401);
  });

  it('scopes clouds and SE groups by tenant; no header means the default tenant, admin', async () => {
    const admin = (await as({ 'x-avi-tenant': 'admin' })).json;
    expect(admin.count).toBe(1);
    expect(admin.results[0].tenant_ref).toBe(`${f.url}/api/tenant/admin`);
    expect((await as({})).json.count).toBe(1);
    expect((await as({ 'x-avi-tenant': 'dev' })).json).toEqual({ count: 0, results: [] });
    expect((await as({ 'x-avi-tenant-uuid': tenants[1]!.uuid })).json.count).toBe(0);
    expect((await as({ 'x-avi-tenant': 'dev' }, 'GET', '/api/serviceenginegroup')).json.count).toBe(0);
    expect((await as({ 'x-avi-tenant': 'dev' }, 'GET', '/api/serviceengine')).json.count).toBe(0);
    expect((await as({ 'x-avi-tenant': 'dev' }, 'GET', '/api/virtualservice/virtualservice-x')).status).toBe(404);
    const uuid = admin.results[0].uuid;
    expect((await as({ 'x-avi-tenant': 'dev' }, 'GET', `/api/cloud/${uuid}`)).status).toBe(404);
    expect((await as({ 'x-avi-tenant': 'dev' }, 'PUT', `/api/cloud/${uuid}`, admin.results[0])).status).toBe(404);
  });

  it('serves the cluster, a system object, in any tenant the user may use', async () => {
    const dev = await as({ 'x-avi-tenant': 'dev' }, 'GET', '/api/cluster');
    expect(dev.status).toBe(200);
    expect(dev.json.tenant_ref).toBe(`${f.url}/api/tenant/admin`);
    expect((await as({ 'x-avi-tenant': 'dev' }, 'GET', '/api/cluster/runtime')).json.cluster_state.state).toBe('CLUSTER_UP_HA_ACTIVE');
  });

  it('keeps the tenants in a full_system export', async () => {
    const exported = await as({}, 'POST', '/api/configuration/export?full_system=true', { passphrase: 'p' });
    expect(exported.json.Tenant.map((t: { name: string }) => t.name)).toEqual(['admin', 'dev']);
  });
});
