// What the Controller runbooks know as they go: plain JSON, persisted after every transition.
// No secrets here: the backup passphrase and the Avi password are asked for, never stored.

import type { Scope } from '../effect.js';
import type { RestoreVia, SshSettings } from './settings.js';

export interface SourceAmi {
  imageId: string;
  name: string;
  /** GiB of its root snapshot: the size the encrypted roots need at least. */
  rootSize: number;
}

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
  /** The encrypted AMI: given (--encrypted-ami), or the copy this run made. */
  encryptedAmi?: string;
  /** --source-ami, as given. */
  sourceAmiId?: string;
  /** No AMI given: the one to copy (--source-ami, or the nodes' own), as preflight found it. */
  sourceAmi?: SourceAmi;
  /** The encrypted AMI is this run's copy of the source. */
  amiCopied?: boolean;
  /** How a 1-node Controller gets its configuration back (settings; paths, no secrets). */
  restore?: { via: RestoreVia; ssh: SshSettings };
  /** The Controller's version (restore_config.py's flags depend on it). */
  controllerVersion?: string;
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
