// PUT /api/cluster: the only way to change membership, with the rules Avi documents
// (reference §3.1; "Deploying a Controller Cluster" and "Changing Controller Cluster
// Configuration", 17.1 and 30.2):
// - a cluster has 1 or 3 nodes; the leader cannot be removed directly;
// - a joining node is a factory-default Controller, reachable at its IP, on the leader's
//   base+patch version, and on AWS it needs its initial admin password (ClusterNode `password`,
//   used while joining, never persisted nor echoed);
// - removed followers are re-imaged to factory default;
// - adding or removing nodes brings the leader down and up again: the API is unavailable while
//   the cluster re-forms ("generally 4-10 minutes"; 3 -> 1 "around 2 minutes").
// One PUT may remove a follower and add a new node: "Change a Follower Node" documents exactly
// that save (remove node-3, add node-4; the old one clears its state, the new one is added).
// A new machine at a member's IP is not taken back by a save ("Replace a Follower Node with a
// New Node"; the VCF node-replacement playbook dismantles, redeploys at the failed node's IP and
// re-forms): cluster.ts keeps it out until it is removed and added again.

import type { ClusterConfig, ClusterNode } from '../../avi/types.js';
import type { ClusterSim } from './cluster.js';
import { VERSION } from './config.js';
import { HttpError } from './http.js';
import { DURATIONS, nodeVersion, rootContent } from './node.js';

export interface MembershipChange {
  next: ClusterConfig;
  added: string[];
  removed: string[];
  /** Listed nodes that booted factory-fresh (a new root at the same IP) and now join. */
  rejoined: string[];
}

const refuse = (ip: string, why: string) => new HttpError(400, `Cluster configuration failed. Unable to add node ${ip}: ${why}`);

/** Checks a PUT /api/cluster body against the current cluster; throws HttpError 400 on any broken rule. */
export function checkClusterPut(b: Record<string, any>, sim: ClusterSim, nodePassword: string): MembershipChange {
  const current = sim.config.cluster;
  if (b.uuid !== undefined && b.uuid !== current.uuid) throw new HttpError(400, `uuid ${b.uuid} does not match cluster ${current.uuid}`);
  if (typeof b.name !== 'string' || b.name === '') throw new HttpError(400, 'name: This field is required.');
  if (!Array.isArray(b.nodes) || b.nodes.length === 0) throw new HttpError(400, 'nodes: at least one node is required');
  const ips: unknown[] = b.nodes.map((n: any) => n?.ip?.addr);
  if (!ips.every((ip): ip is string => typeof ip === 'string' && ip !== '')) throw new HttpError(400, 'nodes: every node needs ip.addr');
  if (new Set(ips).size !== ips.length) throw new HttpError(400, `nodes: duplicate node IP in ${ips.join(', ')}`);
  // Docs describe 1-node and 3-node (1 leader + 2 followers) clusters only.
  if (ips.length !== 1 && ips.length !== 3) throw new HttpError(400, `A Controller cluster has 1 or 3 nodes, got ${ips.length} (${ips.join(', ')})`);
  if (!ips.includes(sim.leader)) {
    throw new HttpError(400, `The leader node ${sim.leader} cannot be removed from the cluster: power it off so that a follower takes leadership, then replace it as a follower`);
  }
  const have = current.nodes.map((n) => n.ip.addr);
  const passwordOf = new Map<string, unknown>(b.nodes.map((n: any) => [n.ip.addr, n.password]));
  const added = ips.filter((ip) => !have.includes(ip));
  const removed = have.filter((ip) => !ips.includes(ip));
  for (const ip of added) checkJoining(sim, ip, passwordOf.get(ip), nodePassword);
  const rejoined = ips.filter((ip) => have.includes(ip) && sim.nodeAt(ip).awaitingJoin && sim.nodeAt(ip).power === 'up');
  // A new root at the same IP is a factory-default Controller as well: the leader must log in to it.
  for (const ip of rejoined) checkPassword(ip, passwordOf.get(ip), nodePassword);
  const { url, tenant_ref, ...rest } = b;
  const nodes = b.nodes.map(({ password, ...n }: Record<string, any>) => ({ ...n, name: n.name ?? n.ip.addr }) as ClusterNode);
  return { next: { ...rest, uuid: current.uuid, name: b.name, nodes } as ClusterConfig, added, removed, rejoined };
}

function checkJoining(sim: ClusterSim, ip: string, password: unknown, nodePassword: string): void {
  const n = sim.known.get(ip);
  // UNVERIFIED wording: the docs only say the leader reaches new nodes over HTTPS and SSH.
  if (!n || n.power !== 'up') throw refuse(ip, 'the node is not reachable (no Controller answers at this IP)');
  // Docs: "Only nodes with no state can be added to the cluster." (UNVERIFIED wording)
  if (rootContent(sim.world, n) !== 'fresh') throw refuse(ip, 'the node is not in factory-default state (it has a configuration); clean reboot the node and retry.');
  const version = nodeVersion(sim.world, ip);
  if (version !== VERSION.Version) throw refuse(ip, `the node runs ${version}; followers must run the leader's base+patch version ${VERSION.Version}`);
  checkPassword(ip, password, nodePassword);
}

function checkPassword(ip: string, password: unknown, nodePassword: string): void {
  // Docs (30.2 Administration Guide), the message when the leader cannot log in to the new node.
  if (password !== nodePassword) throw refuse(ip, 'Login with default credentials failed, clean reboot the node and retry.');
}

/** Applies an accepted change: removed followers are wiped, new nodes converge, the leader restarts services. */
export function applyMembership(sim: ClusterSim, change: MembershipChange): void {
  sim.config.cluster = change.next;
  for (const ip of change.removed) sim.wipe(sim.nodeAt(ip));
  if (change.added.length > 0 || change.removed.length > 0) {
    const ms = change.next.nodes.length === 1 ? DURATIONS.dismantleMs : DURATIONS.reformMs;
    for (const ip of change.added) sim.join(sim.nodeAt(ip), 'added to the cluster', ms);
    sim.beginRestart(`cluster re-forming with ${change.next.nodes.map((n) => n.ip.addr).join(', ')}`, ms);
  }
  for (const ip of change.rejoined) sim.join(sim.nodeAt(ip), 'cluster configuration saved: joining');
  sim.refresh();
}
