import { afterEach, describe, expect, it } from '@jest/globals';
import { Client, call, clusterState, startSim, until, type SimFixture } from './avi-helpers.js';

const IPS = ['10.0.1.10', '10.0.2.10', '10.0.3.10'];
const LEADER = 'i-00000000000000000';
const FOLLOWER = 'i-00000000000000001';

async function nodeState(c: Client, ip: string): Promise<string | undefined> {
  const r = await c.api('GET', '/api/cluster/runtime');
  if (r.status === 401) await c.login();
  return r.status === 200 ? r.json.node_states.find((n: { name: string }) => n.name === ip)?.state : undefined;
}

const withPassword = (cluster: any, ip: string, password: string) =>
  ({ ...cluster, nodes: cluster.nodes.map((n: any) => (n.ip.addr === ip ? { ...n, password } : n)) });

/** Drives an instance through stop, root swap and start, as the EC2 world would. */
function swapRoot(f: SimFixture, id: string, content: 'fresh' | 'configured') {
  f.world.setState(id, 'stopping');
  f.world.setState(id, 'stopped');
  const vol = f.world.swapRoot(id, content);
  f.world.setState(id, 'pending');
  f.world.setState(id, 'running');
  return vol;
}

describe('simulated Controller: 3-node cluster', () => {
  let f: SimFixture;
  afterEach(async () => f.close());

  it('serves cluster config and runtime of a ready cluster', async () => {
    f = await startSim(IPS);
    const c = new Client(f.url, f.password);
    await c.login();
    const cluster = (await c.api('GET', '/api/cluster')).json;
    expect(cluster.uuid).toMatch(/^cluster-/);
    expect(cluster.nodes).toEqual(IPS.map((ip) => ({ name: ip, ip: { addr: ip, type: 'V4' } })));
    const rt = (await c.api('GET', '/api/cluster/runtime')).json;
    expect(rt.cluster_state.state).toBe('CLUSTER_UP_HA_ACTIVE');
    expect(rt.node_states.map((n: { role: string }) => n.role)).toEqual(['CLUSTER_LEADER', 'CLUSTER_FOLLOWER', 'CLUSTER_FOLLOWER']);
    expect(rt.node_states.every((n: { state: string }) => n.state === 'CLUSTER_ACTIVE')).toBe(true);
    expect(rt.node_info).toMatchObject({ mgmt_ip: IPS[0], has_config: true });
  });

  it('a stopped follower is declared down only after 4 missed heartbeats; a configured root rejoins by itself', async () => {
    f = await startSim(IPS, 0.01); // heartbeats 100 ms, detection 400 ms, boot 1.5 s
    const c = new Client(f.url, f.password);
    await c.login();
    f.world.setState(FOLLOWER, 'stopping');
    // Peers have not missed 4 heartbeats yet: the cluster still counts the node.
    expect(await clusterState(f.url)).toBe('CLUSTER_UP_HA_ACTIVE');
    expect(await nodeState(c, IPS[1]!)).toBe('CLUSTER_ACTIVE');
    await until(async () => (await clusterState(f.url)) === 'CLUSTER_UP_HA_COMPROMISED', 'declared down');
    expect(await nodeState(c, IPS[1]!)).toBe('CLUSTER_INACTIVE');
    const t = f.timeline.list();
    const stopped = t.find((e) => e.subject === 'active' && e.state === '2')!;
    const declared = t.find((e) => e.subject === IPS[1] && e.state === 'CLUSTER_INACTIVE')!;
    expect(stopped.nodes).toEqual([IPS[0], IPS[2]]);
    expect(declared.detail).toMatch(/^instance stopping: declared down after 4 missed heartbeats/);
    expect(Date.parse(declared.at) - Date.parse(stopped.at)).toBeGreaterThanOrEqual(0.9 * 40_000 * 0.01);
    expect(t.filter((e) => e.subject === 'api').map((e) => e.state)).toEqual(['up']); // a follower: the API never left
    f.world.setState(FOLLOWER, 'stopped');
    f.world.setState(FOLLOWER, 'pending');
    f.world.setState(FOLLOWER, 'running');
    await until(async () => (await clusterState(f.url)) === 'CLUSTER_UP_HA_NOT_READY', 'HA_NOT_READY');
    await until(async () => (await clusterState(f.url)) === 'CLUSTER_UP_HA_ACTIVE', 'HA_ACTIVE');
    // the follower restarting does not end sessions held by the leader
    expect((await c.api('GET', '/api/cluster')).status).toBe(200);
  });

  it('a node that comes back before its heartbeats are missed is never declared down', async () => {
    f = await startSim(IPS, 0.01);
    f.world.setState(FOLLOWER, 'stopping');
    f.world.setState(FOLLOWER, 'stopped');
    f.world.setState(FOLLOWER, 'pending');
    f.world.setState(FOLLOWER, 'running');
    // booting sends no heartbeats either: the node is declared down during its boot
    await until(() => f.timeline.list().some((e) => e.subject === IPS[1] && e.state === 'CLUSTER_WARM_REBOOT'), 'declared while booting');
    await until(async () => (await clusterState(f.url)) === 'CLUSTER_UP_HA_ACTIVE', 'HA_ACTIVE');
  });

  it('a follower on a fresh root stays out until the cluster is saved, then joins and converges', async () => {
    f = await startSim(IPS);
    const c = new Client(f.url, f.password);
    await c.login();
    const vol = swapRoot(f, FOLLOWER, 'fresh');
    await until(() => f.timeline.list().some((e) => e.subject === IPS[1] && /factory-fresh/.test(e.detail ?? '')), 'fresh boot');
    await new Promise((r) => setTimeout(r, 400)); // longer than a convergence: it must not join by itself
    expect(await clusterState(f.url)).toBe('CLUSTER_UP_HA_COMPROMISED');
    expect(await nodeState(c, IPS[1]!)).toBe('CLUSTER_INACTIVE');
    expect(vol.content).toBe('fresh');

    // A factory-default Controller: the leader must log in to it with its initial admin password.
    const cluster = (await c.api('GET', '/api/cluster')).json;
    const without = await c.api('PUT', '/api/cluster', cluster);
    expect(without.status).toBe(400);
    expect(without.json.error).toBe(`Cluster configuration failed. Unable to add node ${IPS[1]}: Login with default credentials failed, clean reboot the node and retry.`);
    const wrong = await c.api('PUT', '/api/cluster', withPassword(cluster, IPS[1]!, 'guess'));
    expect(wrong.status).toBe(400);
    expect(await nodeState(c, IPS[1]!)).toBe('CLUSTER_INACTIVE');

    const saved = await c.api('PUT', '/api/cluster', withPassword(cluster, IPS[1]!, f.nodePassword));
    expect(saved.status).toBe(200);
    expect(JSON.stringify(saved.json)).not.toContain(f.nodePassword);
    expect(JSON.stringify((await c.api('GET', '/api/cluster')).json)).not.toContain('password');
    expect(await clusterState(f.url)).toBe('CLUSTER_UP_HA_NOT_READY');
    expect(await nodeState(c, IPS[1]!)).toBe('CLUSTER_STARTING');
    await until(async () => (await clusterState(f.url)) === 'CLUSTER_UP_HA_ACTIVE', 'HA_ACTIVE');
    expect(vol.content).toBe('configured');

    const states = f.timeline.list().filter((e) => e.subject === IPS[1]).map((e) => e.state);
    // stopped and rebooted at once: its heartbeats are first missed while it boots
    expect(states).toEqual(['CLUSTER_ACTIVE', 'CLUSTER_WARM_REBOOT', 'CLUSTER_INACTIVE', 'CLUSTER_STARTING', 'CLUSTER_ACTIVE']);
    const clusterStates = f.timeline.list().filter((e) => e.subject === 'cluster').map((e) => e.state);
    expect(clusterStates).toEqual(['CLUSTER_UP_HA_ACTIVE', 'CLUSTER_UP_HA_COMPROMISED', 'CLUSTER_UP_HA_NOT_READY', 'CLUSTER_UP_HA_ACTIVE']);
  });

  it('when the leader stops nobody answers until it is declared down, then a follower takes over after a 503 window', async () => {
    f = await startSim(IPS, 0.01); // detection 0.4 s, then a 1.5 s window, so the 503 is seen even on a slow machine
    const c = new Client(f.url, f.password);
    await c.login();
    f.world.setState(LEADER, 'stopping');
    await expect(call(f.url, 'GET', '/api/cluster/status')).rejects.toThrow(); // the VIP is on a stopped node
    const during = await until(async () => {
      const r = await call(f.url, 'GET', '/api/cluster/status').catch(() => undefined);
      return r?.status === 503 && r;
    }, 'failover 503');
    expect(during.json).toHaveProperty('error');
    await until(async () => (await clusterState(f.url)) === 'CLUSTER_UP_HA_COMPROMISED', 'new leader serving');
    expect((await c.api('GET', '/api/cluster/runtime')).status).toBe(401);
    await c.login();
    const rt = (await c.api('GET', '/api/cluster/runtime')).json;
    expect(rt.node_states.find((n: { role: string }) => n.role === 'CLUSTER_LEADER').name).toBe(IPS[1]);
    expect(rt.node_states[0]).toMatchObject({ name: IPS[0], role: 'CLUSTER_FOLLOWER', state: 'CLUSTER_INACTIVE' });
    expect(f.timeline.list().filter((e) => e.subject === 'api').map((e) => e.state)).toEqual(['up', 'unreachable', '503', 'up']);
    expect(f.timeline.list().filter((e) => e.subject === 'leader').map((e) => e.state)).toEqual([IPS[0], IPS[1]]);
    expect(f.requests.some((r) => r.operation === 'GET /api/cluster/status' && r.status === 503)).toBe(true);
  });
});
