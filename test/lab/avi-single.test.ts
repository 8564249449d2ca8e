import { afterEach, describe, expect, it } from '@jest/globals';
import { Client, call, clusterState, startSim, until, type SimFixture } from './avi-helpers.js';

const IP = '10.0.1.10';
const ID = 'i-00000000000000000';

describe('simulated Controller: 1-node', () => {
  let f: SimFixture;
  afterEach(async () => f.close());

  it('is ready as CLUSTER_UP_NO_HA and unreachable while the instance is stopped or booting', async () => {
    f = await startSim([IP], 0.005); // boot 0.75 s: long enough to observe
    expect(await clusterState(f.url)).toBe('CLUSTER_UP_NO_HA');
    f.world.setState(ID, 'stopping');
    await expect(call(f.url, 'GET', '/api/initial-data')).rejects.toThrow();
    f.world.setState(ID, 'stopped');
    f.world.setState(ID, 'pending');
    await expect(call(f.url, 'GET', '/api/cluster/status')).rejects.toThrow();
    f.world.setState(ID, 'running');
    await expect(call(f.url, 'GET', '/api/cluster/status')).rejects.toThrow(); // still booting
    await until(async () => (await clusterState(f.url)) === 'CLUSTER_UP_NO_HA', 'boot');
    expect(f.requests.filter((r) => r.status === 0).every((r) => r.error === 'ECONNRESET')).toBe(true);
    expect(f.timeline.list().filter((e) => e.subject === 'api').map((e) => e.state)).toEqual(['up', 'unreachable', 'up']);
  });

  it('exports, boots a fresh root with no configuration, refuses a wrong passphrase and restores on import', async () => {
    f = await startSim([IP], 0.005); // restart 0.75 s: the 503 is observable
    const c = new Client(f.url, f.password);
    await c.login();
    const before = (await c.api('GET', '/api/cluster')).json;
    const cloud = (await c.api('GET', '/api/cloud')).json.results[0];
    const exported = await c.api('POST', '/api/configuration/export?full_system=true', { passphrase: 'correct horse' });
    expect(exported.status).toBe(200);
    expect(exported.json.META.version.Version).toBe('22.1.3');
    expect(exported.json.Cluster[0].uuid).toBe(before.uuid);
    expect(exported.json.Cloud[0].name).toBe('Default-Cloud');
    expect(exported.json.ServiceEngineGroup.length).toBeGreaterThan(0);
    expect(exported.json.BackupConfiguration[0].backup_passphrase).toMatch(/^\$AES-256-GCM\$/);
    expect((await c.api('POST', '/api/configuration/export', {})).status).toBe(400); // passphrase required

    f.world.setState(ID, 'stopping');
    f.world.setState(ID, 'stopped');
    const vol = f.world.swapRoot(ID, 'fresh');
    f.world.setState(ID, 'pending');
    f.world.setState(ID, 'running');
    await until(async () => (await clusterState(f.url)) === 'CLUSTER_UP_NO_HA', 'fresh boot');

    expect((await c.api('GET', '/api/cluster')).status).toBe(401); // the reboot ended the session
    // A factory-default Controller knows only its initial admin password.
    expect((await c.login()).status).toBe(401);
    const fc = new Client(f.url, f.nodePassword);
    const login = await fc.login();
    expect(login.status).toBe(200);
    expect(login.json.user_initialized).toBe(false);
    expect(login.json.tenants.map((t: { name: string }) => t.name)).toEqual(['admin']);
    c.cookies = fc.cookies;
    const rt = (await c.api('GET', '/api/cluster/runtime')).json;
    expect(rt.node_info.has_config).toBe(false);
    const fresh = (await c.api('GET', '/api/cluster')).json;
    expect(fresh.uuid).not.toBe(before.uuid);
    expect((await c.api('GET', '/api/cloud')).json).toEqual({ count: 0, results: [] });

    const wrong = await c.api('POST', '/api/configuration/import', { configuration: exported.text, passphrase: 'wrong' });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error).toMatch(/passphrase/i);
    expect(vol.content).toBe('fresh');

    const ok = await c.api('POST', '/api/configuration/import', { configuration: exported.json, passphrase: 'correct horse' });
    expect(ok.status).toBe(200);
    expect((await call(f.url, 'GET', '/api/cluster/status')).status).toBe(503);
    await until(async () => (await clusterState(f.url)) === 'CLUSTER_UP_NO_HA', 'restart after import');
    expect(vol.content).toBe('configured');
    expect((await fc.login()).status).toBe(401); // the restored admin password is back
    expect((await c.login()).status).toBe(200);
    expect((await c.api('GET', '/api/cluster')).json.uuid).toBe(before.uuid);
    expect((await c.api('GET', '/api/cluster/runtime')).json.node_info.has_config).toBe(true);
    expect((await c.api('GET', '/api/cloud')).json.results[0]).toEqual(cloud);
    const again = await c.api('POST', '/api/configuration/import', { configuration: exported.json, passphrase: 'correct horse' });
    expect(again.status).toBe(400); // only a configuration-less Controller takes a restore

    const seen = f.timeline.list().map((e) => `${e.subject}:${e.state}`);
    expect(seen).toEqual(expect.arrayContaining(['cluster:CLUSTER_REBOOTING', 'cluster:CLUSTER_STARTING_UP', 'api:503']));
    expect(f.requests.filter((r) => r.operation === 'POST /api/configuration/import').map((r) => r.status)).toEqual([400, 200, 400]);
  });

  it('a configured root brings its configuration back without an import', async () => {
    f = await startSim([IP]);
    const c = new Client(f.url, f.password);
    await c.login();
    const uuid = (await c.api('GET', '/api/cluster')).json.uuid;
    f.world.setState(ID, 'stopping');
    f.world.setState(ID, 'running');
    await until(async () => (await clusterState(f.url)) === 'CLUSTER_UP_NO_HA', 'boot');
    await c.login();
    expect((await c.api('GET', '/api/cluster')).json.uuid).toBe(uuid);
    expect((await c.api('GET', '/api/cluster/runtime')).json.node_info.has_config).toBe(true);
  });
});
