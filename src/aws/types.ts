// The AWS gateway contract: what steps may ask of EC2 and KMS, in plain data.
// Steps and runbooks depend on this file only; src/aws/gateway.ts implements it over the SDK,
// and the dry-run recorder implements it by recording.

import type { LaunchReads, LaunchWrites } from './launch-types.js';

/** Tag keys avi-encrypt puts on everything it creates or changes. */
export const TAG = {
  runId: 'avi-encrypt:run-id',
  role: 'avi-encrypt:role',
  node: 'avi-encrypt:node',
  replacedBy: 'avi-encrypt:replaced-by',
  /** On a replacement VM: the instance it replaces. */
  replaces: 'avi-encrypt:replaces',
  /** Prefix of the marker a run puts on the instances it works on, one key per run: `avi-encrypt:in-flight:<run id>`. */
  inFlightPrefix: 'avi-encrypt:in-flight:',
} as const;

export type Tags = Record<string, string>;

export interface KeyInfo {
  keyId: string;
  arn: string;
  /** Enabled | Disabled | PendingDeletion | ... */
  state: string;
  /** SYMMETRIC_DEFAULT for keys EBS can use. */
  spec: string;
  /** ENCRYPT_DECRYPT for keys EBS can use. */
  usage: string;
  manager: string;
  /** PendingDeletion: when KMS deletes the key (ISO 8601). */
  deletionDate?: string;
}

export interface ImageInfo {
  imageId: string;
  name?: string;
  /** pending | available | failed | ... */
  state: string;
  rootDeviceName: string;
  /** Snapshot behind the root device mapping, if the image is EBS-backed. */
  rootSnapshotId?: string;
  /** GiB of the root device mapping (readable even when its snapshot is another account's). */
  rootVolumeSize?: number;
  /** Every EBS snapshot behind the image's block device mappings. */
  snapshotIds: string[];
  /** The account that owns the image, and its alias (amazon, aws-marketplace) when AWS publishes one. */
  ownerId?: string;
  ownerAlias?: string;
  /** Marketplace / billing product codes. */
  productCodes: string[];
  /** Why the image is `failed` (AWS fills it in after an asynchronous failure). */
  stateReason?: { code: string; message: string };
  tags: Tags;
}

/** CopyImage within the client's region (SourceRegion = the destination): encrypted with one key. */
export interface CopyImageRequest {
  sourceImageId: string;
  name: string;
  description: string;
  kmsKeyId: string;
  /** Derived from run id and step: the same step re-run sends the same token. */
  clientToken: string;
  /** On the new image and on each of its snapshots. */
  tags: Tags;
}

export interface SnapshotInfo {
  snapshotId: string;
  state: string;
  encrypted: boolean;
  /** Key ARN, when encrypted. */
  kmsKeyId?: string;
  volumeSize: number;
  /** Filled when the snapshots were looked up by their tags. */
  tags?: Tags;
}

export interface VolumeAttachment {
  instanceId: string;
  device: string;
  /** attaching | attached | detaching | detached | busy */
  state: string;
  deleteOnTermination: boolean;
}

export interface VolumeInfo {
  volumeId: string;
  /** creating | available | in-use | deleting | deleted | error */
  state: string;
  availabilityZone: string;
  encrypted: boolean;
  kmsKeyId?: string;
  size: number;
  volumeType: string;
  iops?: number;
  throughput?: number;
  snapshotId?: string;
  attachments: VolumeAttachment[];
  tags: Tags;
}

export interface BlockDevice {
  device: string;
  volumeId: string;
  deleteOnTermination: boolean;
  status: string;
}

export interface InstanceInfo {
  instanceId: string;
  /** pending | running | stopping | stopped | shutting-down | terminated */
  state: string;
  stateReason?: { code: string; message: string };
  privateIp?: string;
  availabilityZone: string;
  vpcId?: string;
  subnetId?: string;
  imageId?: string;
  instanceType?: string;
  securityGroupIds?: string[];
  iamInstanceProfileArn?: string;
  /** The AWS account that owns the instance (its reservation's OwnerId). */
  ownerId?: string;
  rootDeviceName: string;
  blockDevices: BlockDevice[];
  tags: Tags;
}

export interface CreateVolumeRequest {
  snapshotId: string;
  availabilityZone: string;
  kmsKeyId: string;
  volumeType: string;
  iops?: number;
  throughput?: number;
  /** GiB; defaults to the snapshot size. Never smaller than the snapshot. */
  size?: number;
  /** Derived from run id and step: the same step re-run sends the same token. */
  clientToken: string;
  tags: Tags;
}

export interface SubnetInfo {
  subnetId: string;
  cidr: string;
  availabilityZone: string;
  /** Free private IPv4 addresses (AvailableIpAddressCount). */
  availableIps: number;
}

/** EC2 reads: safe at any time, in a plan too. */
export interface Ec2Reads extends LaunchReads {
  describeImage(imageId: string): Promise<ImageInfo>;
  describeSnapshot(snapshotId: string): Promise<SnapshotInfo>;
  describeInstance(instanceId: string): Promise<InstanceInfo>;
  /** Instances (not terminated) holding these private IPs, optionally within one VPC. */
  findInstancesByPrivateIp(ips: string[], vpcId?: string): Promise<InstanceInfo[]>;
  describeVolume(volumeId: string): Promise<VolumeInfo>;
  /** Many instances in one call per 200 ids, by an `instance-id` filter: an id EC2 does not (or no longer) know is simply left out. */
  describeInstances(instanceIds: string[]): Promise<InstanceInfo[]>;
  /** Many volumes in one call per 200 ids (`volume-id` filter), likewise. */
  describeVolumes(volumeIds: string[]): Promise<VolumeInfo[]>;
  /** Volumes carrying all of these tags (not deleted). */
  findVolumesByTags(tags: Tags): Promise<VolumeInfo[]>;
  describeSubnets(subnetIds: string[]): Promise<SubnetInfo[]>;
  /** This account's own images (Owners=self) carrying all of these tags. */
  findImagesByTags(tags: Tags): Promise<ImageInfo[]>;
  /** This account's own snapshots (OwnerIds=self) carrying all of these tags. */
  findSnapshotsByTags(tags: Tags): Promise<SnapshotInfo[]>;
}

/** EC2 changes: in a plan these reach the recorder, never AWS. */
export interface Ec2Writes extends LaunchWrites {
  createVolume(req: CreateVolumeRequest): Promise<VolumeInfo>;
  stopInstance(instanceId: string): Promise<void>;
  startInstance(instanceId: string): Promise<void>;
  detachVolume(volumeId: string, instanceId: string, device: string): Promise<void>;
  attachVolume(volumeId: string, instanceId: string, device: string): Promise<void>;
  setDeleteOnTermination(instanceId: string, device: string, deleteOnTermination: boolean): Promise<void>;
  tagResources(resourceIds: string[], tags: Tags): Promise<void>;
  /** Removes these tag keys (whatever their values) from the resources. */
  untagResources(resourceIds: string[], keys: string[]): Promise<void>;
  /** Starts an encrypted copy of an image in this region; returns the new image's id (state pending). */
  copyImage(req: CopyImageRequest): Promise<string>;
  /** DeleteVolume: an available volume only (VolumeInUse when attached). */
  deleteVolume(volumeId: string): Promise<void>;
  /** DeleteSnapshot: refused while a registered AMI uses it (InvalidSnapshot.InUse). */
  deleteSnapshot(snapshotId: string): Promise<void>;
}

export interface KmsReads {
  describeKey(keyRef: string): Promise<KeyInfo>;
}

/**
 * What AWS said to a DryRun request: `allowed` (DryRunOperation), `denied` (UnauthorizedOperation,
 * AccessDeniedException), or `unproven` when AWS answered something else first (a resource not in
 * the state the run will bring it to) or nothing was sent.
 */
export type DryRunVerdict =
  | { verdict: 'allowed'; operation: string }
  | { verdict: 'denied'; operation: string; message: string }
  | { verdict: 'unproven'; operation: string; code: string; message: string };

/** Every EC2 write, sent with DryRun=true: one method per write, so a new write cannot be left out. */
export type Ec2DryRun = { [K in keyof Ec2Writes]: (...args: Parameters<Ec2Writes[K]>) => Promise<DryRunVerdict> };

export interface KmsDryRun {
  /** CreateGrant with DryRun=true: may the caller let a grantee use the key (what EBS does at every start)? */
  createGrant(keyArn: string, granteePrincipal: string, operations: string[]): Promise<DryRunVerdict>;
}

/** The real gateway over the SDK implements all of it; steps see it through the narrower faces. */
export type AwsGateway = Ec2Reads & Ec2Writes & KmsReads;

/** An AWS failure in our own words: `code` is the AWS error code (IncorrectState, InvalidVolume.NotFound, ...). */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly operation: string,
    /** For a support case: the request id AWS returned, and the HTTP status. */
    readonly requestId?: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'AwsError';
  }
}
