// The rehearsal lab's world: the EC2/KMS state that the simulated AWS serves and the
// simulated Avi Controller watches. Plain records; src/lab/world/world.ts owns the rules.

import type { EventEmitter } from 'node:events';

/** Scales every documented duration: 1 = real time, 0.01 = a hundred times faster. */
export interface LabClock {
  readonly scale: number;
  /** Milliseconds a documented real-world duration takes in this lab. */
  scaled(realMs: number): number;
  /** Runs fn after a documented real-world duration, scaled. */
  after(realMs: number, fn: () => void): NodeJS.Timeout;
}

export type Tags = Record<string, string>;

/** An AWS Marketplace product code, as DescribeImages and DescribeInstances show it. */
export interface ProductCode {
  productCodeId: string;
  productCodeType: 'marketplace' | 'devpay';
}

/** Why an instance or image is in its state: `StateReason` in DescribeInstances and DescribeImages. */
export interface StateReason {
  code: string;
  message: string;
}

/** What is on a disk, as far as the simulated Controller cares. */
export type DiskContent =
  /** An installed Controller with its configuration (the seeded roots). */
  | 'configured'
  /** A factory-fresh image: boots a Controller with no configuration. */
  | 'fresh'
  | 'data';

export interface KeyRecord {
  keyId: string;
  arn: string;
  state: 'Enabled' | 'Disabled' | 'PendingDeletion';
  spec: string;
  usage: string;
  manager: 'AWS' | 'CUSTOMER';
  deletionDate?: string;
  description?: string;
}

export interface AliasRecord {
  name: string;
  arn: string;
  targetKeyId: string;
}

export interface VpcRecord {
  vpcId: string;
  cidr: string;
}

export interface SubnetRecord {
  subnetId: string;
  vpcId: string;
  cidr: string;
  availabilityZone: string;
}

export interface SecurityGroupRecord {
  groupId: string;
  groupName: string;
  vpcId: string;
  description: string;
}

/** An Elastic IP (VPC domain). Associated to an instance's primary private IP, or not at all. */
export interface AddressRecord {
  allocationId: string;
  publicIp: string;
  association?: { associationId: string; instanceId: string; networkInterfaceId: string; privateIp: string };
  tags: Tags;
}

export interface SnapshotRecord {
  snapshotId: string;
  state: 'pending' | 'completed' | 'error';
  volumeSize: number;
  encrypted: boolean;
  kmsKeyArn?: string;
  content: DiskContent;
  description?: string;
  tags: Tags;
  /** Another account's snapshot (e.g. behind a Marketplace AMI); absent = the world's account. */
  ownerId?: string;
  /** Marketplace codes travel with the data: snapshot -> volume -> instance. */
  productCodes?: ProductCode[];
}

export interface ImageBlockDevice {
  device: string;
  snapshotId: string;
  volumeSize: number;
  volumeType: string;
  encrypted: boolean;
  deleteOnTermination: boolean;
}

export interface ImageRecord {
  imageId: string;
  name: string;
  state: 'pending' | 'available' | 'failed';
  rootDeviceName: string;
  blockDevices: ImageBlockDevice[];
  tags: Tags;
  /** Owning account; absent = the world's account. */
  ownerId?: string;
  /** `amazon` or `aws-marketplace` for AMIs those owners publish (DescribeImages `Owners`). */
  ownerAlias?: 'amazon' | 'aws-marketplace';
  /** Launchable by every account (and so listed to every account). */
  public?: boolean;
  productCodes?: ProductCode[];
  stateReason?: StateReason;
  description?: string;
  creationDate?: string;
}

export interface VolumeRecord {
  volumeId: string;
  state: 'creating' | 'available' | 'in-use' | 'deleting' | 'deleted' | 'error';
  availabilityZone: string;
  size: number;
  volumeType: string;
  iops?: number;
  throughput?: number;
  encrypted: boolean;
  kmsKeyArn?: string;
  snapshotId?: string;
  content: DiskContent;
  productCodes?: ProductCode[];
  attachment?: {
    instanceId: string;
    device: string;
    state: 'attaching' | 'attached' | 'detaching';
    deleteOnTermination: boolean;
    attachTime: string;
  };
  clientToken?: string;
  createTime: string;
  tags: Tags;
}

export interface InstanceRecord {
  instanceId: string;
  imageId: string;
  instanceType: string;
  state: 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';
  stateReason?: StateReason;
  stateTransitionReason?: string;
  vpcId: string;
  subnetId: string;
  availabilityZone: string;
  privateIp: string;
  rootDeviceName: string;
  /** device name -> volume id; the volume record carries the attachment details. */
  devices: Record<string, string>;
  launchTime: string;
  tags: Tags;
  securityGroupIds?: string[];
  iamInstanceProfileArn?: string;
  /** The primary network interface; the lab models one per instance. */
  networkInterfaceId?: string;
  /** Instances launched by one RunInstances share it. */
  reservationId?: string;
  amiLaunchIndex?: number;
  clientToken?: string;
}

export interface WorldEvents {
  /** Every instance state change, after it happened. */
  instance: [instance: InstanceRecord, from: InstanceRecord['state']];
  /** A new instance, `pending`, just launched (RunInstances or launchInstance). */
  launched: [instance: InstanceRecord];
  /** A volume's state or attachment changed (created, attaching, attached, detaching, released). */
  volume: [volume: VolumeRecord];
  /** An image left `pending` (available or failed). */
  image: [image: ImageRecord];
}

export interface World {
  readonly region: string;
  readonly accountId: string;
  readonly clock: LabClock;
  readonly events: EventEmitter<WorldEvents>;
  readonly vpcs: Map<string, VpcRecord>;
  readonly subnets: Map<string, SubnetRecord>;
  readonly images: Map<string, ImageRecord>;
  readonly snapshots: Map<string, SnapshotRecord>;
  readonly volumes: Map<string, VolumeRecord>;
  readonly instances: Map<string, InstanceRecord>;
  readonly keys: Map<string, KeyRecord>;
  readonly aliases: Map<string, AliasRecord>;
  /** The volume mounted at the instance's root device, if any. */
  rootVolume(instanceId: string): VolumeRecord | undefined;
  instanceByPrivateIp(ip: string): InstanceRecord | undefined;
}

/** One request a lab server received: the lab's request log, read over /_lab/requests. */
export interface LabRequest {
  seq: number;
  at: string;
  service: 'ec2' | 'kms' | 'avi';
  /** EC2/KMS action name, or "METHOD /path" for the Controller. */
  operation: string;
  /** True for anything that is not a read (Describe*, List*, Get*, GET) nor a DryRun. */
  mutating: boolean;
  /** An EC2 or KMS request with DryRun=true: it changed nothing, whatever it answered. */
  dryRun?: boolean;
  /** The Region the request was signed for (AWS requests only). */
  region?: string;
  status: number;
  /** Error code returned, if any. */
  error?: string;
  /** EC2: the resource ids the request names (InstanceId.N, VolumeId, ImageId.N, ...); none = it names no id (a filter or a list). */
  ids?: string[];
}

/** One change of a Controller node or of the cluster: the lab's timeline, read over /_lab/timeline. */
export interface TimelineEntry {
  at: string;
  subject: 'cluster' | string;
  state: string;
  detail?: string;
  /** Subject "active": the IPs of the Controller nodes really up and converged. */
  nodes?: string[];
}
