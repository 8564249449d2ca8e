// What the Controller runbooks know as they go: plain JSON, persisted after every transition.
// No secrets here: the backup passphrase and the Avi password are asked for, never stored.

import type { Scope } from '../effect.js';

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

export interface ControllerData {
  /** Inputs, as given (no secrets). */
  controller: string;
  kmsKey: string;
  encryptedAmi?: string;
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

export type RunScope = Scope<ControllerData, ControllerData>;
export type NodeScope = Scope<ControllerData, ControllerNode>;

export const isSingleNode = (data: ControllerData): boolean => data.nodes.length === 1;

export function newVolumeOf(node: ControllerNode): string {
  if (!node.newVolumeId) throw new Error(`no encrypted volume recorded for node ${node.ip}`);
  return node.newVolumeId;
}

export function requireValue<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`${name} is not known yet: the preflight steps did not run`);
  return value;
}
