// What the Service Engine runbooks know as they go: the cloud, the key, and per SE group its
// unencrypted SEs (recorded before anything changes), its virtual services and the capacity it
// needs. Plain JSON, persisted after every transition; no secrets.

import type { SeEnableState } from '../../avi/fleet-types.js';
import type { Scope } from '../effect.js';

export type Encryption = 'none' | 'same' | 'other';

export interface SeCloud {
  uuid: string;
  name: string;
  region: string;
  vpcId?: string;
  /** Management subnets of the cloud's zones (where new SEs get their address). */
  mgmtSubnets: string[];
  /** How ebs_encryption / s3_encryption stand against the key: the prerequisite sets them unless both are `same`. */
  ebs: Encryption;
  s3: Encryption;
  /** What the cloud had, in words ("SSE_KMS with <arn>", "blank master_key: the service default <arn>"). */
  before: string;
  /** This run set the encryption. */
  set?: boolean;
}

export interface SeItem {
  uuid: string;
  name: string;
  mgmtIp: string;
  instanceId: string;
  rootVolumeId: string;
  /** The enable_state the run found: rollback puts it back. */
  stateBefore: SeEnableState;
  /** The virtual services on it when the run found it: they move (or go down, relaunch). */
  vss: Array<{ uuid: string; name: string }>;
}

export interface VsItem {
  uuid: string;
  name: string;
  /** Relaunch: what the run measured from the Controller's oper_status change times. */
  downAt?: string;
  upAt?: string;
  outageMs?: number;
  /** The down moment was not seen (it came back between two looks): measured from the delete. */
  outageFromDelete?: boolean;
}

export interface Capacity {
  maxSe: number;
  /** SEs in the group now, disabled ones included (they count against max_se). */
  seCount: number;
  /** New SEs the Controller needs to launch for the moved virtual services. */
  newSes: number;
  /** SEs at the busiest moment: scale-out keeps the old ones until the end. */
  peak: number;
  vcpus: number;
}

/** The SE group's settings capacity depends on (SW-SEG defaults when absent). */
export interface GroupLimits {
  maxSe: number;
  maxVsPerSe: number;
  /** SEs each virtual service is placed on (legacy active/standby: 2). */
  perVs: number;
  vcpusPerSe: number;
  /** SEs in the group now, disabled ones included. */
  seCount: number;
  /** Enabled SEs already on an encrypted root, and the virtual services they can still take. */
  encryptedEnabled: number;
  encryptedRoom: number;
}

export interface SeGroupItem {
  uuid: string;
  name: string;
  haMode: string;
  limits: GroupLimits;
  /** Unencrypted SEs, in the order they are drained (recorded before anything changes). */
  ses: SeItem[];
  /** SEs already on a root encrypted with the key. */
  encrypted: string[];
  vss: VsItem[];
  capacity?: Capacity;
  /** Set once the old SEs are deleted: relaunch measures outages from here. */
  deletedAt?: string;
  verified?: boolean;
}

export interface SeData {
  /** Inputs, as given. */
  cloudName: string;
  /** The AWS region the run's clients use: the cloud must be in it. */
  region: string;
  kmsKey: string;
  seGroups: string[];
  rekey: boolean;
  /** SE groups worked on at once. */
  concurrency: number;
  /** Filled by the preflight steps. */
  keyArn?: string;
  /** Which key the given one resolves to, when it is the service default. */
  keyNote?: string;
  cloud?: SeCloud;
  groups: SeGroupItem[];
  /** Free management addresses, and what was not readable (EC2 quota). */
  capacityNotes?: string[];
}

export type SeRunScope = Scope<SeData, SeData>;
export type GroupScope = Scope<SeData, SeGroupItem>;
export type EngineScope = Scope<SeData, SeItem>;

/** The group a per-SE step works in: its enclosing item. */
export function groupOf(scope: EngineScope): SeGroupItem {
  const group = scope.parents[scope.parents.length - 1] as SeGroupItem | undefined;
  if (!group) throw new Error(`SE ${scope.item.name} is not inside an SE group item`);
  return group;
}

export function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`${name} is not known yet: the preflight steps did not run`);
  return value;
}

/** A group is nothing to do when none of its SEs is unencrypted. */
export const nothingToDo = (g: SeGroupItem): boolean => g.ses.length === 0;
