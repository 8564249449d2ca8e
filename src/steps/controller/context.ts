// What the controller runbooks know as they go: plain JSON, persisted after every transition.
// No secrets here: the backup passphrase and the Avi password are asked for, never stored.

import type { RunbookContext } from '../machine.js';

export interface ControllerNode {
  ip: string;
  role: 'leader' | 'follower';
  instanceId: string;
  availabilityZone: string;
  rootDevice: string;
  oldVolumeId: string;
  deleteOnTermination: boolean;
  volumeType: string;
  size: number;
  iops?: number;
  throughput?: number;
  /** Set when discovery finds this node's root already encrypted with the key: nothing to do. */
  alreadyEncrypted?: boolean;
  /** The encrypted root created for this node. */
  newVolumeId?: string;
}

export interface ControllerContext extends RunbookContext {
  strategy: string;
  /** Inputs, as given (no secrets). */
  controller: string;
  kmsKey: string;
  encryptedAmi?: string;
  pollIntervalMs: number;
  /** Filled by the preflight steps. */
  keyArn?: string;
  rootSnapshotId?: string;
  rootSnapshotSize?: number;
  clusterUuid?: string;
  nodes: ControllerNode[];
  /** Path of the configuration backup in the run folder (1-node clusters). */
  backupFile?: string;
  verified?: boolean;
}

export function initialContext(input: Omit<ControllerContext, 'nodes' | 'nodeIndex'>): ControllerContext {
  return { ...input, nodes: [], nodeIndex: 0 };
}

/** The node the per-node block is working on. */
export function currentNode(ctx: ControllerContext): ControllerNode {
  const node = ctx.nodes[ctx.nodeIndex];
  if (!node) throw new Error(`no node at index ${ctx.nodeIndex} (${ctx.nodes.length} discovered)`);
  return node;
}

/** Returns the nodes with the current one changed. */
export function withCurrentNode(ctx: ControllerContext, patch: Partial<ControllerNode>): ControllerNode[] {
  return ctx.nodes.map((n, i) => (i === ctx.nodeIndex ? { ...n, ...patch } : n));
}

export const isSingleNode = (ctx: ControllerContext): boolean => ctx.nodes.length === 1;
