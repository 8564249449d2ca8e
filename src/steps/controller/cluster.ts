// Document step 8 (3 nodes): edit and save the cluster configuration so the node with the
// fresh root re-joins, then wait for cluster READY before touching the next node.

import type { ClusterConfig, ClusterRuntime } from '../../avi/types.js';
import type { StepDeps } from '../deps.js';
import { action, wait } from '../effect.js';
import type { Reads } from '../gateways.js';
import { pollUntil } from '../wait.js';
import { isSingleNode, type ControllerData, type ControllerNode } from './context.js';
import { readyStateFor } from './discover.js';

type Deps = Pick<StepDeps, 'reads' | 'writes' | 'sleep' | 'now' | 'pollIntervalMs'>;

const RESAVE_EVERY = 3;
const JOINING = new Set(['CLUSTER_STARTING', 'CLUSTER_ACTIVE']);

/**
 * Saves the cluster configuration (PUT of the same membership, what the document's "edit and
 * save" does) until the node with the fresh root is seen joining. A save while the node is
 * still booting does not reach it, so it is saved again every few polls; saving is idempotent.
 */
export function saveClusterConfig(deps: Deps) {
  return action<ControllerData, ControllerNode>(async (s, signal) => {
    const node = s.item;
    let polls = 0;
    await pollUntil(deps, s, `node ${node.ip} joining`, async () => {
      const runtime = await readRuntime(deps.reads, async () => {
        if (polls++ % RESAVE_EVERY === 0) await deps.writes.cluster.putCluster(await deps.reads.cluster.getCluster());
      });
      if (typeof runtime === 'string') {
        polls = 0;
        return { done: false, value: runtime };
      }
      const state = nodeState(runtime, node.ip) ?? 'absent';
      return { done: JOINING.has(state), value: state };
    }, signal);
  }, async ({ data }, w) => {
    await w.cluster.putCluster(clusterFromModel(data));
  });
}

/** The cluster object as the runbook knows it; a plan shows this PUT. */
function clusterFromModel(data: ControllerData): ClusterConfig {
  return { uuid: data.clusterUuid ?? '', name: '', nodes: data.nodes.map((n) => ({ name: n.ip, ip: { addr: n.ip, type: 'V4' } })) };
}

/** The cluster runtime, or what was seen instead: while nodes reboot the API is away or answers 503, which is part of a wait. */
export async function readRuntime(reads: Reads, before?: () => Promise<void>): Promise<ClusterRuntime | string> {
  try {
    await before?.();
    return await reads.cluster.getClusterRuntime();
  } catch (e) {
    return `API unavailable (${(e as Error).message})`;
  }
}

const nodeState = (runtime: ClusterRuntime, ip: string): string | undefined =>
  runtime.node_states.find((n) => n.mgmt_ip === ip || n.name === ip)?.state;

export function clusterReady(deps: Deps) {
  return wait<ControllerData, ControllerNode>(async (s, signal) => {
    const node = s.item;
    const ready = readyStateFor(s.data.nodes.length);
    await pollUntil(deps, s, 'cluster READY', async () => {
      const runtime = await readRuntime(deps.reads);
      if (typeof runtime === 'string') return { done: false, value: runtime };
      const state = runtime.cluster_state.state;
      const mine = nodeState(runtime, node.ip);
      const active = isSingleNode(s.data) || mine === 'CLUSTER_ACTIVE';
      return { done: state === ready && active, value: active ? state : `${state}, node ${node.ip} ${mine ?? 'absent'}` };
    }, signal);
  });
}

/** 1 node: the Controller's API answers again after the boot (unauthenticated probe). */
export function controllerUp(deps: Deps) {
  return wait<ControllerData, ControllerNode>(async (s, signal) => {
    await pollUntil(deps, s, 'Controller API up', async () => {
      const version = await deps.reads.cluster.probe();
      return { done: version !== undefined, value: version ? `up, ${version}` : 'not answering' };
    }, signal);
  });
}
