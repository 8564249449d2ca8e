// Document step 8 (3 nodes): edit and save the cluster configuration so the node with the
// fresh root re-joins, then wait for cluster READY before touching the next node. The fresh
// root is a factory-default Controller: the leader logs in to it with its initial admin
// password, which the save carries on that node only (reference §3.1, ClusterNode `password`).

import { AviError, type ClusterConfig, type ClusterRuntime } from '../../avi/types.js';
import type { StepDeps } from '../deps.js';
import { action, wait } from '../effect.js';
import type { Reads } from '../gateways.js';
import { pollUntil } from '../wait.js';
import { isSingleNode, type ControllerData, type ControllerNode } from './context.js';
import { readyStateFor } from './discover.js';

type Deps = Pick<StepDeps, 'reads' | 'writes' | 'sleep' | 'now' | 'pollIntervalMs'>;

const RESAVE_EVERY = 3;
const NODE_PASSWORD_HINT = 'AVI_NODE_PASSWORD to the initial admin password of a factory-fresh Controller (default: the Avi password)';
const JOINING = new Set(['CLUSTER_STARTING', 'CLUSTER_ACTIVE']);

/**
 * Saves the cluster configuration (PUT of the same membership, what the document's "edit and
 * save" does) until the node with the fresh root is seen joining. A save while the node is
 * still booting does not reach it, so it is saved again every few polls; saving is idempotent.
 * A save the Controller refuses (400: a rule, the node's password) fails the step at once.
 */
export function saveClusterConfig(deps: Deps & Pick<StepDeps, 'nodePassword'>) {
  return action<ControllerData, ControllerNode>(async (s, signal) => {
    const node = s.item;
    const password = await deps.nodePassword();
    let polls = 0;
    await pollUntil(deps, s, `node ${node.ip} joining`, async () => {
      const runtime = await readRuntime(deps.reads, async () => {
        if (polls++ % RESAVE_EVERY === 0) await saveWith(deps, node.ip, password);
      });
      if (typeof runtime === 'string') {
        polls = 0;
        return { done: false, value: runtime };
      }
      const state = nodeState(runtime, node.ip) ?? 'absent';
      return { done: JOINING.has(state), value: state };
    }, signal);
  }, async ({ data }, w) => {
    // The plan shows the PUT as the model has it; the node's password is never part of it.
    await w.cluster.putCluster(clusterFromModel(data));
  });
}

/** The cluster as it is, with the initial admin password on the re-joining node only. */
async function saveWith(deps: Deps, ip: string, password: string): Promise<void> {
  const cluster = await deps.reads.cluster.getCluster();
  const nodes = cluster.nodes.map((n) => (n.ip.addr === ip ? { ...n, password } : n));
  try {
    await deps.writes.cluster.putCluster({ ...cluster, nodes });
  } catch (e) {
    if (reforming(e) || !(e instanceof AviError)) throw e;
    throw new AviError(e.status, `the Controller refused to take node ${ip} back: ${e.message}; if it could not log in to the node, set ${NODE_PASSWORD_HINT}, then run "avi-encrypt resume"`, e.kind, e.operation);
  }
}

/** The cluster object as the runbook knows it; a plan shows this PUT. */
function clusterFromModel(data: ControllerData): ClusterConfig {
  return { uuid: data.clusterUuid ?? '', name: '', nodes: data.nodes.map((n) => ({ name: n.ip, ip: { addr: n.ip, type: 'V4' } })) };
}

/**
 * Why the Controller is not serving now, when that is part of a wait: a node reboots, the leader
 * fails over or the cluster re-forms, and the API is unreachable or answers 503 for minutes
 * (reference §3.3). Anything else (a refusal, a bad password) is not waited through.
 */
export function reforming(e: unknown): string | undefined {
  if (e instanceof AviError && (e.kind === 'unreachable' || e.kind === 'timeout' || e.status === 503)) return e.message;
  return undefined;
}

/** The cluster runtime, or what was seen instead while the API is away or answers 503. */
export async function readRuntime(reads: Reads, before?: () => Promise<void>): Promise<ClusterRuntime | string> {
  try {
    await before?.();
    return await reads.cluster.getClusterRuntime();
  } catch (e) {
    const why = reforming(e);
    if (why === undefined) throw e;
    return `API unavailable (${why})`;
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
