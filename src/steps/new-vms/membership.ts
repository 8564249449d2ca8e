// Document steps 3-4, one node at a time: a new node replaces an old one in the cluster in one
// PUT /api/cluster (remove the old, add the new with its initial admin password), then the cluster
// must be READY with every listed node up. The leader cannot be removed directly (reference §3.1):
// when the old node leads, its VM is stopped first and a follower takes over; it then goes as a
// follower. Every action reads the cluster first, so a re-run never changes it twice.

import { AviError, type ClusterConfig, type ClusterNode, type ClusterRuntime } from '../../avi/types.js';
import type { StepDeps } from '../deps.js';
import { action, wait, type Scope } from '../effect.js';
import { pollUntil } from '../wait.js';
import { readRuntime, reforming } from '../controller/cluster.js';
import { memberIp, newIpOf, type NewVmNode, type NewVmsData, type NodeScope } from './context.js';

export type Deps = Pick<StepDeps, 'reads' | 'writes' | 'sleep' | 'now' | 'pollIntervalMs' | 'nodePassword'>;

const ipOf = (n: ClusterRuntime['node_states'][number]) => n.mgmt_ip ?? n.name;
const leaderOf = (rt: ClusterRuntime) => rt.node_states.find((n) => n.role === 'CLUSTER_LEADER');

// UNVERIFIED wording: the docs say only that the leader reaches a joining node over HTTPS and SSH.
// A node whose Controller still boots is refused this way; any other refusal is final.
const NOT_UP_YET = /not reachable|unreachable|could not connect|connection refused/i;
const notUpYet = (e: unknown) => e instanceof AviError && e.status === 400 && NOT_UP_YET.test(e.message);

/**
 * PUTs the cluster with `remove` replaced by `add` (joining with the initial admin password), unless
 * it already lists them so. A joining Controller the leader cannot reach yet is asked again.
 */
export async function changeMembership(deps: Deps, s: Scope<unknown, unknown>, remove: string, add: string, signal: AbortSignal): Promise<void> {
  const password = await deps.nodePassword();
  await pollUntil(deps, s, `${add} in the cluster in place of ${remove}`, async () => {
    let cluster: ClusterConfig;
    try {
      cluster = await deps.reads.cluster.getCluster();
    } catch (e) {
      const why = reforming(e);
      if (why) return { done: false, value: `API unavailable (${why})` };
      throw e;
    }
    const listed = cluster.nodes.map((n) => n.ip.addr);
    if (listed.includes(add) && !listed.includes(remove)) return { done: true, value: `${add} listed` };
    const joining: ClusterNode = { name: add, ip: { addr: add, type: 'V4' }, password };
    const at = listed.indexOf(remove);
    const kept = cluster.nodes.filter((n) => n.ip.addr !== remove && n.ip.addr !== add);
    kept.splice(at < 0 ? kept.length : at, 0, joining);
    try {
      await deps.writes.cluster.putCluster({ ...cluster, nodes: kept });
      return { done: true, value: 'accepted' };
    } catch (e) {
      if (notUpYet(e)) return { done: false, value: `the leader cannot reach ${add} yet` };
      const why = reforming(e);
      if (why) return { done: false, value: `API unavailable (${why})` };
      throw e;
    }
  }, signal);
}

/** The cluster as the run's model has it, with `node` listed at `ip`: what a plan shows a PUT as. */
export function modelCluster(data: NewVmsData, node: NewVmNode, ip: string): ClusterConfig {
  const nodes = data.nodes.map((n) => (n.ip === node.ip ? ip : memberIp(n)));
  return { uuid: data.clusterUuid ?? '', name: '', nodes: nodes.map((a) => ({ name: a, ip: { addr: a, type: 'V4' } })) };
}

/** When this node leads now, its VM is stopped so that a follower takes leadership (reference §3.1). */
export function stopIfLeader(deps: Deps) {
  return action<NewVmsData, NewVmNode>(async (s, signal) => {
    const node = s.item;
    if (node.joined) return;
    const vm = await deps.reads.ec2.describeInstance(node.instanceId);
    if (vm.state !== 'running') return; // already stopping or stopped: handed over, or never a leader again
    let leads = false;
    await pollUntil(deps, s, 'the cluster runtime', async () => {
      const rt = await readRuntime(deps.reads);
      if (typeof rt === 'string') return { done: false, value: rt };
      const lead = leaderOf(rt);
      leads = !!lead && ipOf(lead) === node.ip;
      return { done: true, value: leads ? `${node.ip} leads` : `${node.ip} follows` };
    }, signal);
    if (leads) await deps.writes.ec2.stopInstance(node.instanceId);
  }, async ({ item }, w) => {
    if (item.role === 'leader') await w.ec2.stopInstance(item.instanceId);
  });
}

/** Another node leads and every other node is active: the old node can go as a follower. */
export function leaderHandedOver(deps: Deps) {
  return wait<NewVmsData, NewVmNode>(async (s, signal) => {
    const node = s.item;
    await pollUntil(deps, s, `a leader other than ${node.ip}`, async () => {
      if (node.joined) return { done: true, value: 'already replaced' };
      const rt = await readRuntime(deps.reads);
      if (typeof rt === 'string') return { done: false, value: rt };
      const lead = leaderOf(rt);
      const others = rt.node_states.filter((n) => ipOf(n) !== node.ip);
      const done = !!lead && ipOf(lead) !== node.ip && others.every((n) => n.state === 'CLUSTER_ACTIVE');
      return { done, value: `${rt.cluster_state.state}, leader ${lead ? ipOf(lead) : 'none'}` };
    }, signal);
  });
}

export function swapMembership(deps: Deps) {
  return action<NewVmsData, NewVmNode>(async (s, signal) => {
    await changeMembership(deps, s, s.item.ip, newIpOf(s.item), signal);
    return { joined: true };
  }, async (s, w) => {
    await w.cluster.putCluster(modelCluster(s.data, s.item, newIpOf(s.item)));
    return { joined: true };
  });
}

/** READY (CLUSTER_UP_HA_ACTIVE) with 3 nodes listed, `present` among them, `absent` not, all active. */
export async function waitClusterReady(deps: Deps, s: NodeScope, present: string, absent: string, signal: AbortSignal): Promise<void> {
  await pollUntil(deps, s, `cluster READY with ${present}`, async () => {
    const rt = await readRuntime(deps.reads);
    if (typeof rt === 'string') return { done: false, value: rt };
    const ips = rt.node_states.map(ipOf);
    const inactive = rt.node_states.filter((n) => n.state !== 'CLUSTER_ACTIVE').map((n) => `${ipOf(n)} ${n.state}`);
    const done = rt.cluster_state.state === 'CLUSTER_UP_HA_ACTIVE' && ips.length === 3 && ips.includes(present) && !ips.includes(absent) && inactive.length === 0;
    const listing = ips.includes(present) ? '' : `, ${present} not listed`;
    return { done, value: `${rt.cluster_state.state}${listing}${inactive.length ? `, ${inactive.join(', ')}` : ''}` };
  }, signal);
}

export function membersReady(deps: Deps) {
  return wait<NewVmsData, NewVmNode>((s, signal) => waitClusterReady(deps, s, newIpOf(s.item), s.item.ip, signal));
}
