// Launching one instance, as RunInstances documents it: from an available AMI the caller may launch,
// into a subnet (a private IP from it, or the one asked), with security groups and an instance
// profile that exist, and a root volume restored from the AMI's root snapshot with the block-device
// mapping's size, type, DeleteOnTermination and encryption ("single step" encrypted launch from an
// unencrypted AMI). The instance is `pending` and boots after the documented start time; an
// unusable KMS key sends it to `terminated` with Client.InternalError, as on AWS.
// Used by RunInstances and by other lab parts (the Service Engine simulation).

import type { ImageRecord, InstanceRecord, SnapshotRecord, SubnetRecord, Tags, VolumeRecord } from './types.js';
import type { LabWorld } from './world.js';
import { AwsFault } from '../aws/fault.js';
import { newResourceId, notFound } from '../aws/resource-ids.js';
import { volumeEncryption, volumePerformance } from '../aws/ebs-volume-rules.js';
import { boot, type Launcher } from './instances.js';
import { freeAddressCount, pickAddresses } from './subnet-addresses.js';
import { checkInstanceType, supportsEbsEncryption } from './instance-types.js';

export interface LaunchSpec {
  imageId: string;
  instanceType: string;
  subnetId: string;
  privateIp?: string;
  securityGroupIds?: string[];
  iamInstanceProfileArn?: string;
  root?: { encrypted?: boolean; kmsKeyId?: string; volumeSize?: number; volumeType?: string; deleteOnTermination?: boolean };
  tags?: Tags;
  volumeTags?: Tags;
}

const ANYONE: Launcher = { mayCreateGrant: () => true };

/** Everything a launch needs, checked; no address yet. */
interface CheckedLaunch {
  spec: LaunchSpec;
  image: ImageRecord;
  subnet: SubnetRecord;
  snap: SnapshotRecord;
  root: Omit<VolumeRecord, 'volumeId' | 'state' | 'availabilityZone' | 'createTime' | 'tags' | 'attachment' | 'content'> & { deleteOnTermination: boolean };
}

function checkLaunch(world: LabWorld, spec: LaunchSpec): CheckedLaunch {
  const image = world.image(spec.imageId);
  if (image.ownerId !== undefined && image.ownerId !== world.accountId && !image.public) throw notFound('image', spec.imageId);
  if (image.state !== 'available') {
    throw new AwsFault('InvalidAMIID.Unavailable', `Image '${image.imageId}' is not available: it is ${image.state}.`);
  }
  checkInstanceType(spec.instanceType);
  const subnet = world.subnet(spec.subnetId);
  for (const groupId of spec.securityGroupIds ?? []) {
    if (world.securityGroup(groupId).vpcId !== subnet.vpcId) {
      throw new AwsFault('InvalidParameter', `Security group ${groupId} and subnet ${subnet.subnetId} belong to different networks.`);
    }
  }
  if (spec.iamInstanceProfileArn !== undefined && !world.instanceProfiles.has(spec.iamInstanceProfileArn)) {
    throw new AwsFault('InvalidParameterValue',
      `Value (${spec.iamInstanceProfileArn}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN`);
  }
  const mapping = image.blockDevices.find((b) => b.device === image.rootDeviceName);
  if (!mapping) throw new AwsFault('InvalidAMIID.Unavailable', `Image '${image.imageId}' has no root device mapping.`);
  const snap = world.snapshots.get(mapping.snapshotId);
  if (!snap) throw new AwsFault('InvalidSnapshot.NotFound', `The snapshot '${mapping.snapshotId}' does not exist.`);
  const asked = spec.root ?? {};
  const size = asked.volumeSize ?? mapping.volumeSize;
  if (size < snap.volumeSize) {
    throw new AwsFault('InvalidBlockDeviceMapping',
      `Volume of size ${size}GB is smaller than snapshot '${snap.snapshotId}', expect size >= ${snap.volumeSize}GB`);
  }
  if (snap.encrypted && asked.encrypted === false) {
    throw new AwsFault('InvalidBlockDeviceMapping', `The snapshot '${snap.snapshotId}' is encrypted; its volume cannot be unencrypted.`);
  }
  const volumeType = asked.volumeType ?? mapping.volumeType;
  const encryption = volumeEncryption({
    ...(asked.encrypted === undefined ? {} : { encrypted: asked.encrypted }), ...(asked.kmsKeyId === undefined ? {} : { kmsKeyId: asked.kmsKeyId }),
  }, snap, world);
  if (encryption.encrypted && !supportsEbsEncryption(spec.instanceType)) {
    throw new AwsFault('EncryptedVolumesNotSupported',
      `Encrypted Amazon EBS volumes may only be attached to instances that support Amazon EBS encryption; ${spec.instanceType} does not.`);
  }
  return {
    spec, image, subnet, snap,
    root: { size, volumeType, ...volumePerformance(volumeType, size, {}), ...encryption, deleteOnTermination: asked.deleteOnTermination ?? mapping.deleteOnTermination },
  };
}

/** Throws AwsFault for AWS's documented refusals; nothing changes unless it returns. */
export function launchInstance(world: LabWorld, spec: LaunchSpec, launcher: Launcher = ANYONE): InstanceRecord {
  const checked = checkLaunch(world, spec);
  const [ip] = pickAddresses(world, checked.subnet, 1, spec.privateIp);
  world.commit();
  return create(world, checked, ip!, launcher, newResourceId('r'), 0);
}

/**
 * RunInstances' MinCount/MaxCount: as many as the subnet has free addresses for, up to max, at least
 * min (else InsufficientFreeAddressesInSubnet), in one reservation. All checks before any change.
 */
export function launchInstances(world: LabWorld, spec: LaunchSpec, min: number, max: number, launcher: Launcher = ANYONE): InstanceRecord[] {
  const checked = checkLaunch(world, spec);
  const n = Math.max(min, Math.min(max, freeAddressCount(world, checked.subnet)));
  const ips = pickAddresses(world, checked.subnet, n, spec.privateIp);
  world.commit();
  const reservationId = newResourceId('r');
  return ips.map((ip, i) => create(world, checked, ip, launcher, reservationId, i));
}

function create(world: LabWorld, c: CheckedLaunch, privateIp: string, launcher: Launcher, reservationId: string, amiLaunchIndex: number): InstanceRecord {
  const { spec, image, subnet, snap } = c;
  const { deleteOnTermination, ...root } = c.root;
  const now = new Date().toISOString();
  const instanceId = newResourceId('i');
  const inst: InstanceRecord = {
    instanceId, imageId: image.imageId, instanceType: spec.instanceType, state: 'pending', stateTransitionReason: '',
    vpcId: subnet.vpcId, subnetId: subnet.subnetId, availabilityZone: subnet.availabilityZone, privateIp,
    rootDeviceName: image.rootDeviceName, devices: {}, launchTime: now, tags: { ...spec.tags },
    securityGroupIds: [...(spec.securityGroupIds ?? [])],
    ...(spec.iamInstanceProfileArn === undefined ? {} : { iamInstanceProfileArn: spec.iamInstanceProfileArn }),
    networkInterfaceId: newResourceId('eni'), reservationId, amiLaunchIndex,
  };
  const vol: VolumeRecord = {
    volumeId: newResourceId('vol'), state: 'in-use', availabilityZone: subnet.availabilityZone, ...root,
    snapshotId: snap.snapshotId, content: snap.content,
    ...(snap.productCodes ? { productCodes: snap.productCodes.map((p) => ({ ...p })) } : {}),
    createTime: now, tags: { ...spec.volumeTags },
    attachment: { instanceId, device: image.rootDeviceName, state: 'attached', attachTime: now, deleteOnTermination },
  };
  world.instances.set(instanceId, inst);
  world.volumes.set(vol.volumeId, vol);
  inst.devices[image.rootDeviceName] = vol.volumeId;
  world.created(instanceId, vol.volumeId);
  world.events.emit('launched', inst);
  boot(world, inst, launcher, 'terminated');
  return inst;
}
