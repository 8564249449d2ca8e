// Cluster membership on the simulated Controller (reference §3.1): PUT /api/cluster refuses what
// Avi refuses with a 400 {"error"} and changes nothing; an accepted change re-forms the cluster
// with the API down (503), wipes removed followers and ends READY with every listed node up.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { TimelineEntry } from '../../src/lab/world/types.js';
import { Client, call, clusterState, startSim, until, type SimFixture } from './avi-helpers.js';

const IPS = ['10.0.1.10', '10.0.2.10', '10.0.3.10'];
const NEW = ['10.0.2.20', '10.0.3.20'];
const SCALE = 0.005; // re-formation 1.5 s, boot 0.75 s

const node = (ip: string, password?: string) => ({ name: ip, ip: { addr: ip, type: 'V4' }, ...(password === undefined ? {} : { password }) });

/** The smallest number of active nodes at any moment, replaying the timeline's "active" entries. */
const fewestActive = (t: TimelineEntry[]) => Math.min(...t.filter((e) => e.subject === 'active').map((e) => e.nodes!.length));

/** Milliseconds the API answered nothing but 503 or nothing at all, summed over the timeline. */
function noApiMs(t: TimelineEntry[]): number {
  let since: number | undefined;
  let total = 0;
  for (const e of t.filter((x) => x.subject === 'api')) {
    if (e.state !== 'up' && since === undefined) since = Date.parse(e.at);
    if (e.state === 'up' && since !== undefined) (total += Date.parse(e.at) - since), (since = undefined);
  }
  return total;
}

describe('simulated Controller: cluster membership', () => {
  let f: SimFixture;
  let c: Client;
  afterEach(async () => f.close());

  async function start(): Promise<any> {
    f = await startSim(IPS, SCALE);
    c = new Client(f.url, f.password);
    await c.login();
    return (await c.api('GET', '/api/cluster')).json;
  }
  const ready = (state: string) => until(async () => (await clusterState(f.url)) === state, state);
  const booted = (ip: string) => until(() => f.timeline.list().some((e) => e.subject === ip && e.state === 'FACTORY_DEFAULT'), `${ip} up`);

  it('refuses every PUT that breaks a documented rule with 400 {"error"}, and changes nothing', async () => {
    const cluster = await start();
    f.world.launch('10.0.9.1', 'configured'); // a Controller with a configuration of its own
    f.world.launch('10.0.9.2', 'fresh', 'ami-0old');
    f.world.images.set('ami-0old', { imageId: 'ami-0old', name: 'Avi-Controller-21.1.4-9210', state: 'available', rootDeviceName: '/dev/sda1', blockDevices: [], tags: {} });
    f.world.launch(NEW[0]!, 'fresh');
    f.world.launch('10.0.9.4', 'data'); // an instance that runs no Controller
    await booted(NEW[0]!);
    const refused = async (nodes: unknown[], why: RegExp) => {
      const r = await c.api('PUT', '/api/cluster', { ...cluster, nodes });
      expect(r.status).toBe(400);
      expect(r.json.error).toMatch(why);
    };
    const leader = node(IPS[0]!);
    await refused([leader, node(IPS[1]!)], /1 or 3 nodes/);
    await refused([node(IPS[1]!), node(IPS[2]!), node(NEW[0]!, f.nodePassword)], /leader node 10\.0\.1\.10 cannot be removed/);
    await refused([leader, node(IPS[1]!), node('10.0.9.9', f.nodePassword)], /Unable to add node 10\.0\.9\.9: the node is not reachable/);
    await refused([leader, node(IPS[1]!), node('10.0.9.4', f.nodePassword)], /Unable to add node 10\.0\.9\.4: the node is not reachable/);
    await refused([leader, node(IPS[1]!), node('10.0.9.1', f.nodePassword)], /not in factory-default state/);
    await refused([leader, node(IPS[1]!), node('10.0.9.2', f.nodePassword)], /runs 21\.1\.4; followers must run the leader's base\+patch version 22\.1\.3/);
    await refused([leader, node(IPS[1]!), node(NEW[0]!)], /Unable to add node 10\.0\.2\.20: Login with default credentials failed/);
    await refused([leader, node(IPS[1]!), node(NEW[0]!, f.password)], /Login with default credentials failed/);
    await refused([leader, node(IPS[1]!), node(IPS[1]!)], /duplicate/);
    expect((await c.api('GET', '/api/cluster')).json.nodes).toEqual(IPS.map((ip) => node(ip)));
    expect(f.timeline.list().filter((e) => e.subject === 'api').map((e) => e.state)).toEqual(['up']);
    expect(await clusterState(f.url)).toBe('CLUSTER_UP_HA_ACTIVE');
  });

  it('swaps a follower for a new node in one PUT: 503 while it re-forms, two nodes active throughout, old one wiped', async () => {
    const cluster = await start();
    const fresh = f.world.launch(NEW[1]!, 'fresh');
    await booted(NEW[1]!);
    const oldRoot = f.world.rootVolume('i-00000000000000002')!;
    const put = await c.api('PUT', '/api/cluster', { ...cluster, nodes: [node(IPS[0]!), node(IPS[1]!), node(NEW[1]!, f.nodePassword)] });
    expect(put.status).toBe(200);
    expect(JSON.stringify(put.json)).not.toContain(f.nodePassword);
    expect((await call(f.url, 'GET', '/api/cluster/status')).status).toBe(503);
    await ready('CLUSTER_UP_HA_ACTIVE');
    expect((await c.api('GET', '/api/cluster')).status).toBe(401); // the leader restarted: sessions are gone
    await c.login();
    const rt = (await c.api('GET', '/api/cluster/runtime')).json;
    expect(rt.node_states.map((n: any) => [n.name, n.state])).toEqual([[IPS[0], 'CLUSTER_ACTIVE'], [IPS[1], 'CLUSTER_ACTIVE'], [NEW[1], 'CLUSTER_ACTIVE']]);
    expect(JSON.stringify((await c.api('GET', '/api/cluster')).json)).not.toContain('password');
    expect(f.world.rootVolume(fresh.instanceId)!.content).toBe('configured');
    expect(oldRoot.content).toBe('fresh');
    const t = f.timeline.list();
    expect(t.filter((e) => e.subject === IPS[2]).at(-1)?.state).toBe('FACTORY_DEFAULT');
    expect(fewestActive(t)).toBe(2);
    expect(t.filter((e) => e.subject === 'api').map((e) => e.state)).toEqual(['up', '503', 'up']);
    expect(noApiMs(t)).toBeGreaterThanOrEqual(0.9 * 300_000 * SCALE);
  });

  it('dismantles to the leader (followers wiped, one node active), then grows back to three new nodes', async () => {
    const cluster = await start();
    NEW.forEach((ip) => f.world.launch(ip, 'fresh'));
    await Promise.all(NEW.map(booted));
    expect((await c.api('PUT', '/api/cluster', { ...cluster, nodes: [node(IPS[0]!)] })).status).toBe(200);
    expect((await call(f.url, 'GET', '/api/cluster/status')).status).toBe(503);
    await ready('CLUSTER_UP_NO_HA');
    await c.login();
    expect(f.timeline.list().filter((e) => e.subject === 'active').at(-1)!.nodes).toEqual([IPS[0]]);
    for (const ip of IPS.slice(1)) expect(f.timeline.list().filter((e) => e.subject === ip).at(-1)?.state).toBe('FACTORY_DEFAULT');
    const one = (await c.api('GET', '/api/cluster')).json;
    const grown = await c.api('PUT', '/api/cluster', { ...one, nodes: [node(IPS[0]!), ...NEW.map((ip) => node(ip, f.nodePassword))] });
    expect(grown.status).toBe(200);
    await ready('CLUSTER_UP_HA_ACTIVE');
    const t = f.timeline.list();
    expect(t.filter((e) => e.subject === 'active').at(-1)!.nodes).toEqual([IPS[0], ...NEW].sort());
    expect(fewestActive(t)).toBe(1); // this sequence leaves the leader alone in between
  });

  it('replaces the leader only after it is powered off and a follower has taken over', async () => {
    const cluster = await start();
    f.world.launch(NEW[0]!, 'fresh');
    await booted(NEW[0]!);
    f.world.setState('i-00000000000000000', 'stopping');
    await ready('CLUSTER_UP_HA_COMPROMISED'); // declared down, new leader serving
    await c.login();
    const leader = (await c.api('GET', '/api/cluster/runtime')).json.node_states.find((n: any) => n.role === 'CLUSTER_LEADER').name;
    expect(leader).toBe(IPS[1]);
    const r = await c.api('PUT', '/api/cluster', { ...cluster, nodes: [node(NEW[0]!, f.nodePassword), node(IPS[1]!), node(IPS[2]!)] });
    expect(r.status).toBe(200);
    await ready('CLUSTER_UP_HA_ACTIVE');
    expect(fewestActive(f.timeline.list())).toBe(2);
  });

  it('does not take back a new machine at a member IP on a save: it is dismantled, then added as a new node', async () => {
    const cluster = await start();
    f.world.setState('i-00000000000000002', 'shutting-down');
    f.world.setState('i-00000000000000002', 'terminated');
    await ready('CLUSTER_UP_HA_COMPROMISED');
    f.world.launch(IPS[2]!, 'fresh'); // the old private IP, on a new instance
    await until(() => f.timeline.list().some((e) => e.subject === IPS[2] && /a new machine/.test(e.detail ?? '')), 'stranger seen');
    await c.login();
    const same = await c.api('PUT', '/api/cluster', { ...cluster, nodes: [node(IPS[0]!), node(IPS[1]!), node(IPS[2]!, f.nodePassword)] });
    expect(same.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300_000 * SCALE * 1.2)); // longer than a convergence
    expect(await clusterState(f.url)).toBe('CLUSTER_UP_HA_COMPROMISED');
    expect((await c.api('PUT', '/api/cluster', { ...cluster, nodes: [node(IPS[0]!)] })).status).toBe(200);
    await ready('CLUSTER_UP_NO_HA');
    await c.login();
    const grown = await c.api('PUT', '/api/cluster', { ...cluster, nodes: IPS.map((ip, i) => node(ip, i === 0 ? undefined : f.nodePassword)) });
    expect(grown.status).toBe(200);
    await ready('CLUSTER_UP_HA_ACTIVE');
  });
});
