// Document step 8 (3 nodes): edit and save the cluster configuration so the node with the
// fresh root re-joins, then wait for cluster READY before touching the next node.

import type { ClusterRuntime } from '../../avi/types.js';
import type { StepDeps } from '../deps.js';
import { pollUntil } from '../wait.js';
import { currentNode, type ControllerContext } from './context.js';
import { readyStateFor } from './discover.js';

/**
 * Saves the cluster configuration (PUT of the same membership, what the document's "edit and
 * save" does) until the node with the fresh root is seen joining. A save while the node is
 * still booting does not reach it, so it is saved again every few polls; saving is idempotent.
 */
export function saveClusterConfig(deps: StepDeps) {
  return async (ctx: ControllerContext, signal: AbortSignal): Promise<Partial<ControllerContext>> => {
    const node = currentNode(ctx);
    let polls = 0;
    await pollUntil(deps, {
      stepId: 'save-cluster-config',
      awaits: `node ${node.ip} joining`,
      deadline: ctx.waitDeadline,
      intervalMs: ctx.pollIntervalMs,
      signal,
      observe: async () => {
        const runtime = await readRuntime(deps, async () => {
          if (polls++ % RESAVE_EVERY === 0) await deps.avi.putCluster(await deps.avi.getCluster());
        });
        if (typeof runtime === 'string') {
          polls = 0;
          return { done: false, value: runtime };
        }
        const state = nodeState(runtime, node.ip) ?? 'absent';
        return { done: JOINING.has(state), value: state };
      },
    });
    return {};
  };
}

const RESAVE_EVERY = 3;

/** The cluster runtime, or what was seen instead: while nodes reboot the API is away or answers 503, which is part of a wait. */
async function readRuntime(deps: StepDeps, before?: () => Promise<void>): Promise<ClusterRuntime | string> {
  try {
    await before?.();
    return await deps.avi.getClusterRuntime();
  } catch (e) {
    return `API unavailable (${(e as Error).message})`;
  }
}

const nodeState = (runtime: ClusterRuntime, ip: string): string | undefined =>
  runtime.node_states.find((n) => n.mgmt_ip === ip || n.name === ip)?.state;
const JOINING = new Set(['CLUSTER_STARTING', 'CLUSTER_ACTIVE']);

export function clusterReady(deps: StepDeps) {
  return async (ctx: ControllerContext, signal: AbortSignal): Promise<Partial<ControllerContext>> => {
    const node = currentNode(ctx);
    const ready = readyStateFor(ctx.nodes.length);
    await pollUntil(deps, {
      stepId: 'cluster-ready',
      awaits: 'cluster READY',
      deadline: ctx.waitDeadline,
      intervalMs: ctx.pollIntervalMs,
      signal,
      observe: async () => {
        const runtime = await readRuntime(deps);
        if (typeof runtime === 'string') return { done: false, value: runtime };
        const state = runtime.cluster_state.state;
        const mine = nodeState(runtime, node.ip);
        const active = ctx.nodes.length === 1 || mine === 'CLUSTER_ACTIVE';
        return { done: state === ready && active, value: active ? state : `${state}, node ${node.ip} ${mine ?? 'absent'}` };
      },
    });
    return {};
  };
}

/** 1 node: the Controller's API answers again after the boot (unauthenticated probe). */
export function controllerUp(deps: StepDeps) {
  return async (ctx: ControllerContext, signal: AbortSignal): Promise<Partial<ControllerContext>> => {
    await pollUntil(deps, {
      stepId: 'controller-up',
      awaits: 'Controller API up',
      deadline: ctx.waitDeadline,
      intervalMs: ctx.pollIntervalMs,
      signal,
      observe: async () => {
        const version = await deps.avi.probe();
        return { done: version !== undefined, value: version ? `up, ${version}` : 'not answering' };
      },
    });
    return {};
  };
}
