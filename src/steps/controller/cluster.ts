// Document step 8 (3 nodes): edit and save the cluster configuration so the node with the
// fresh root re-joins, then wait for cluster READY before touching the next node.

import type { ClusterRuntime } from '../../avi/types.js';
import type { StepDeps } from '../deps.js';
import { pollUntil } from '../wait.js';
import { currentNode, type ControllerContext } from './context.js';
import { readyStateFor } from './discover.js';

export function saveClusterConfig(deps: StepDeps) {
  return async (): Promise<Partial<ControllerContext>> => {
    // PUT of the same membership is what the document's "edit and save" does; it is idempotent.
    const cluster = await deps.avi.getCluster();
    await deps.avi.putCluster(cluster);
    return {};
  };
}

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
        let runtime: ClusterRuntime;
        try {
          runtime = await deps.avi.getClusterRuntime();
        } catch (e) {
          // While nodes reboot the API is away or answers 503: that is part of the wait.
          return { done: false, value: `API unavailable (${(e as Error).message})` };
        }
        const state = runtime.cluster_state.state;
        const mine = runtime.node_states.find((n) => n.mgmt_ip === node.ip || n.name === node.ip);
        const active = ctx.nodes.length === 1 || mine?.state === 'CLUSTER_ACTIVE';
        return { done: state === ready && active, value: active ? state : `${state}, node ${node.ip} ${mine?.state ?? 'absent'}` };
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
