// What controller-new-vms knows as it goes: plain JSON, persisted after every transition. No
// secrets: the Avi password and the new nodes' initial admin password are asked for, never stored.

import type { Tags } from '../../aws/types.js';
import type { Scope } from '../effect.js';

export interface ElasticIp {
  allocationId: string;
  publicIp: string;
}

export interface NewVmNode {
  /** The node's private IP today (its cluster address). */
  ip: string;
  role: 'leader' | 'follower';
  instanceId: string;
  /** What the replacement VM is launched with, read from the old one. */
  subnetId: string;
  availabilityZone: string;
  instanceType: string;
  securityGroupIds: string[];
  iamInstanceProfileArn?: string;
  /** The old VM's own tags (none of aws: or avi-encrypt:), carried over. */
  userTags: Tags;
  /** The old root, whose type, size and DeleteOnTermination the new root keeps. */
  rootVolumeId: string;
  deleteOnTermination: boolean;
  volumeType: string;
  size: number;
  iops?: number;
  throughput?: number;
  /** Elastic IPs associated directly with the old VM: they move to the new one (document step 5). */
  elasticIps: ElasticIp[];
  /** The replacement VM, once launched. */
  newInstanceId?: string;
  newIp?: string;
  /** The cluster lists newIp in place of ip. */
  joined?: boolean;
}

export interface NewVmsData {
  /** Inputs, as given (no secrets). */
  controller: string;
  kmsKey: string;
  /** --encrypted-ami: launch from it; otherwise from the nodes' own (unencrypted) AMI with an encrypted root. */
  encryptedAmi?: string;
  /** --terminate-old: once the run is verified, terminate the old VMs (stopped until then). */
  terminateOld: boolean;
  /** Filled by the preflight steps. */
  keyArn?: string;
  clusterUuid?: string;
  /** The AMI the new VMs launch from, its root device and its root snapshot's size. */
  launchImageId?: string;
  launchRootDevice?: string;
  launchSnapshotSize?: number;
  nodes: NewVmNode[];
  verified?: boolean;
}

export type RunScope = Scope<NewVmsData, NewVmsData>;
export type NodeScope = Scope<NewVmsData, NewVmNode>;

export function requireValue<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`${name} is not known yet: the preflight steps did not run`);
  return value;
}

export function newInstanceOf(node: NewVmNode): string {
  if (!node.newInstanceId) throw new Error(`no replacement VM recorded for node ${node.ip}`);
  return node.newInstanceId;
}

export function newIpOf(node: NewVmNode): string {
  if (!node.newIp) throw new Error(`no private IP recorded for the replacement of node ${node.ip}`);
  return node.newIp;
}

/** The address each node has in the cluster right now, by the run's own record. */
export const memberIp = (n: NewVmNode): string => (n.joined && n.newIp ? n.newIp : n.ip);
