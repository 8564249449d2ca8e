// RunInstances for the lab world, minimal: the EC2 side of the lab owns the full version (ClientToken,
// TagSpecifications, security groups, EncryptedVolumesNotSupported...) and replaces this file at merge.
// What this one keeps from AWS: the root is restored from the AMI's root snapshot with its encryption
// (or the one asked for), the private IP comes from the subnet, the instance is `pending` until it
// boots, and a root whose key is unusable ends the launch `terminated` with Client.InternalError.

import { AwsFault } from '../aws/fault.js';
import { newResourceId } from '../aws/resource-ids.js';
import { volumeEncryption, volumeSize } from '../aws/ebs-volume-rules.js';
import type { InstanceRecord, SubnetRecord, Tags, VolumeRecord } from './types.js';
import { DURATION_MS, type LabWorld } from './world.js';

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

const CLIENT_ERROR_ON_LAUNCH = { code: 'Client.InternalError', message: 'Client.InternalError: Client error on launch' };

export function launchInstance(world: LabWorld, spec: LaunchSpec): InstanceRecord {
  const image = world.image(spec.imageId);
  if (image.state !== 'available') throw new AwsFault('InvalidAMIID.Unavailable', `AMI '${image.imageId}' is pending, and cannot be run`);
  const subnet = world.subnets.get(spec.subnetId);
  if (!subnet) throw new AwsFault('InvalidSubnetID.NotFound', `The subnet ID '${spec.subnetId}' does not exist`);
  const rootDevice = image.blockDevices.find((b) => b.device === image.rootDeviceName);
  if (!rootDevice) throw new AwsFault('InvalidBlockDeviceMapping', `AMI '${image.imageId}' has no root device mapping`);
  const snap = world.snapshot(rootDevice.snapshotId);
  const encryption = volumeEncryption(spec.root ?? {}, snap, world);
  const now = new Date().toISOString();
  const inst: InstanceRecord = {
    instanceId: newResourceId('i'),
    imageId: image.imageId,
    instanceType: spec.instanceType,
    state: 'pending',
    stateTransitionReason: '',
    vpcId: subnet.vpcId,
    subnetId: subnet.subnetId,
    availabilityZone: subnet.availabilityZone,
    privateIp: spec.privateIp ?? freeAddress(world, subnet),
    rootDeviceName: image.rootDeviceName,
    devices: {},
    launchTime: now,
    tags: { ...spec.tags },
  };
  const volumeType = spec.root?.volumeType ?? rootDevice.volumeType;
  const root: VolumeRecord = {
    volumeId: newResourceId('vol'),
    state: 'in-use',
    availabilityZone: subnet.availabilityZone,
    size: volumeSize(spec.root?.volumeSize, snap),
    volumeType,
    ...(volumeType === 'gp3' ? { iops: 3000, throughput: 125 } : {}),
    ...encryption,
    snapshotId: snap.snapshotId,
    content: snap.content,
    createTime: now,
    tags: { ...spec.volumeTags },
    attachment: {
      instanceId: inst.instanceId, device: image.rootDeviceName, state: 'attached',
      deleteOnTermination: spec.root?.deleteOnTermination ?? rootDevice.deleteOnTermination, attachTime: now,
    },
  };
  world.instances.set(inst.instanceId, inst);
  world.volumes.set(root.volumeId, root);
  inst.devices[inst.rootDeviceName] = root.volumeId;
  world.clock.after(DURATION_MS.start, () => {
    if (inst.state !== 'pending') return;
    const usable = !root.encrypted || (root.kmsKeyArn !== undefined && world.findKey(root.kmsKeyArn)?.state === 'Enabled');
    if (!usable) {
      // AWS: a launch whose encrypted root cannot be decrypted goes pending -> terminated.
      inst.stateReason = CLIENT_ERROR_ON_LAUNCH;
      inst.state = 'terminated';
      world.volumes.delete(root.volumeId);
      delete inst.devices[inst.rootDeviceName];
      world.events.emit('instance', inst, 'pending');
      return;
    }
    inst.state = 'running';
    world.events.emit('instance', inst, 'pending');
  });
  return inst;
}

/** The first address of the subnet no live instance holds; AWS keeps the first four and the last. */
function freeAddress(world: LabWorld, subnet: SubnetRecord): string {
  const [base, bits] = subnet.cidr.split('/');
  const start = base!.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  const taken = new Set([...world.instances.values()].filter((i) => i.state !== 'terminated').map((i) => i.privateIp));
  for (let n = start + 4; n < start + size - 1; n++) {
    const ip = [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
    if (!taken.has(ip)) return ip;
  }
  throw new AwsFault('InsufficientFreeAddressesInSubnet',
    `There are not enough free addresses in subnet '${subnet.subnetId}' to satisfy the requested number of instances.`);
}
