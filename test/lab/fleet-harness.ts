// A 1-node simulated Controller on the real lab world (createWorld + seedWorld) with the SE fleet
// seeded, served over HTTPS with the test CA, and a logged-in client; plus timeline readers.

import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createClock } from '../../src/lab/clock.js';
import { createControllerSim, type ControllerSim } from '../../src/lab/avi/controller.js';
import { Fleet } from '../../src/lab/avi/fleet/fleet.js';
import { DEFAULT_FLEET, type FleetOptions } from '../../src/lab/avi/fleet/options.js';
import { Timeline } from '../../src/lab/timeline.js';
import { seedWorld, type LabSeed } from '../../src/lab/world/seed.js';
import type { LabRequest } from '../../src/lab/world/types.js';
import { createWorld, type LabWorld } from '../../src/lab/world/world.js';
import { Client, labCert, until } from './avi-helpers.js';

export interface FleetFixture {
  world: LabWorld;
  seed: LabSeed;
  sim: ControllerSim;
  fleet: Fleet;
  timeline: Timeline;
  client: Client;
  close(): Promise<void>;
}

export async function startFleet(options: Partial<FleetOptions> = {}, scale = 0.001): Promise<FleetFixture> {
  const world = createWorld({ region: 'eu-west-1', accountId: '111122223333', clock: createClock(scale) });
  const seed = seedWorld(world, { nodes: 1 });
  const timeline = new Timeline();
  const requests: LabRequest[] = [];
  const log = { record: (r: Omit<LabRequest, 'seq' | 'at'>) => void requests.push({ ...r, seq: requests.length + 1, at: new Date().toISOString() }) };
  const password = 'fleet-secret-1';
  const sim = createControllerSim(world, {
    nodes: seed.nodes.map((n) => n.ip), username: 'admin', password, version: '22.1.3', timeline, log,
    fleet: (cluster) => new Fleet({ world, timeline, config: () => cluster.config, options: { ...DEFAULT_FLEET, ...options } }),
  });
  const { key, cert } = labCert();
  const server: Server = createServer({ key, cert }, sim.handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = new Client(`https://127.0.0.1:${(server.address() as AddressInfo).port}`, password);
  await client.login();
  return {
    world, seed, sim, fleet: sim.fleet!, timeline, client,
    close: async () => {
      sim.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Every result of a collection, following `next` (path and query only: the origin is ours). */
export async function all(client: Client, path: string): Promise<any[]> {
  const out: any[] = [];
  for (let next: string | undefined = path; next;) {
    const page = await client.api('GET', next);
    if (page.status !== 200) throw new Error(`GET ${next}: ${page.status} ${page.text}`);
    out.push(...page.json.results);
    next = page.json.next && `${new URL(page.json.next).pathname}${new URL(page.json.next).search}`;
  }
  return out;
}

export const named = async (client: Client, type: string, name: string): Promise<any> =>
  (await client.api('GET', `/api/${type}?name=${encodeURIComponent(name)}&include_name=true&join_subresources=runtime`)).json.results[0];

/** The states a timeline subject went through. */
export const statesOf = (timeline: Timeline, subject: string): string[] =>
  timeline.list().filter((e) => e.subject === subject).map((e) => e.state);

export async function seOper(client: Client, uuid: string, state: string): Promise<any> {
  return until(async () => {
    const rt = (await client.api('GET', `/api/serviceengine/${uuid}/runtime`)).json;
    return rt?.oper_status?.state === state && rt;
  }, `SE ${uuid} ${state}`);
}

/** The SEs of a group, named and with runtime. */
export async function groupSes(client: Client, groupName: string): Promise<any[]> {
  return all(client, `/api/serviceengine?se_group_ref.name=${encodeURIComponent(groupName)}&include_name=true&join_subresources=runtime`);
}

export async function setState(client: Client, se: any, state: string): Promise<void> {
  const r = await client.api('PATCH', `/api/serviceengine/${se.uuid}`, { replace: { enable_state: state } });
  if (r.status !== 200) throw new Error(`PATCH ${se.name} ${state}: ${r.status} ${r.text}`);
}
