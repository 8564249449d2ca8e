// World records in the element names the EC2 Query API (and so the SDK's deserializer) uses.

import type {
  ImageRecord, InstanceRecord, ProductCode, SnapshotRecord, SubnetRecord, Tags, VolumeRecord, VpcRecord,
} from '../world/types.js';
import type { LabWorld } from '../world/world.js';
import type { XmlTree } from './xml.js';
import { freeAddressCount } from '../world/subnet-addresses.js';

export const STATE_CODES: Record<InstanceRecord['state'], number> = {
  pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80,
};

export const instanceState = (state: InstanceRecord['state']): XmlTree => ({ code: STATE_CODES[state], name: state });

export function tagSet(tags: Tags): XmlTree[] | undefined {
  const entries = Object.entries(tags);
  return entries.length ? entries.map(([key, value]) => ({ key, value })) : undefined;
}

export function productCodesShape(codes: ProductCode[] | undefined): XmlTree[] | undefined {
  return codes?.length ? codes.map((c) => ({ productCode: c.productCodeId, type: c.productCodeType })) : undefined;
}

/** AWS copies a volume's Marketplace codes to the instance it is attached to, and drops them on detach. */
function instanceProductCodes(world: LabWorld, inst: InstanceRecord): ProductCode[] {
  const codes = new Map<string, ProductCode>();
  for (const id of Object.values(inst.devices)) for (const c of world.volumes.get(id)?.productCodes ?? []) codes.set(c.productCodeId, c);
  return [...codes.values()];
}

export function instanceShape(world: LabWorld, inst: InstanceRecord): XmlTree {
  const devices = Object.entries(inst.devices).sort(([a], [b]) => a.localeCompare(b));
  const privateDnsName = `ip-${inst.privateIp.replace(/\./g, '-')}.${world.region}.compute.internal`;
  const eip = [...world.addresses.values()].find((a) => a.association?.instanceId === inst.instanceId);
  const groups = (inst.securityGroupIds ?? []).map((groupId) => ({ groupId, groupName: world.securityGroups.get(groupId)?.groupName ?? groupId }));
  const live = inst.state !== 'terminated';
  return {
    instanceId: inst.instanceId,
    imageId: inst.imageId,
    instanceState: instanceState(inst.state),
    privateDnsName: live ? privateDnsName : '',
    dnsName: '',
    reason: inst.stateTransitionReason ?? '',
    amiLaunchIndex: inst.amiLaunchIndex ?? 0,
    productCodes: productCodesShape(instanceProductCodes(world, inst)),
    instanceType: inst.instanceType,
    launchTime: inst.launchTime,
    placement: { availabilityZone: inst.availabilityZone, groupName: '', tenancy: 'default' },
    monitoring: { state: 'disabled' },
    subnetId: live ? inst.subnetId : undefined,
    vpcId: live ? inst.vpcId : undefined,
    privateIpAddress: live ? inst.privateIp : undefined,
    ipAddress: eip?.publicIp,
    groupSet: groups,
    stateReason: inst.stateReason && { code: inst.stateReason.code, message: inst.stateReason.message },
    architecture: 'x86_64',
    rootDeviceType: 'ebs',
    rootDeviceName: inst.rootDeviceName,
    blockDeviceMapping: devices.flatMap(([deviceName, volumeId]) => {
      const att = world.volumes.get(volumeId)?.attachment;
      if (!att) return [];
      return [{
        deviceName,
        ebs: { volumeId, status: att.state, attachTime: att.attachTime, deleteOnTermination: att.deleteOnTermination },
      }];
    }),
    virtualizationType: 'hvm',
    clientToken: inst.clientToken,
    tagSet: tagSet(inst.tags),
    hypervisor: 'xen',
    iamInstanceProfile: inst.iamInstanceProfileArn && { arn: inst.iamInstanceProfileArn, id: `AIPA${inst.instanceId.slice(2, 18).toUpperCase()}` },
    networkInterfaceSet: live && inst.networkInterfaceId ? [{
      networkInterfaceId: inst.networkInterfaceId,
      subnetId: inst.subnetId,
      vpcId: inst.vpcId,
      ownerId: world.accountId,
      status: 'in-use',
      privateIpAddress: inst.privateIp,
      privateDnsName,
      groupSet: groups,
      attachment: { attachmentId: `eni-attach-${inst.networkInterfaceId.slice(4)}`, deviceIndex: 0, status: 'attached', deleteOnTermination: true },
      association: eip && { publicIp: eip.publicIp, ipOwnerId: world.accountId },
      privateIpAddressesSet: [{ privateIpAddress: inst.privateIp, primary: true, association: eip && { publicIp: eip.publicIp, ipOwnerId: world.accountId } }],
    }] : undefined,
    ebsOptimized: true,
    enaSupport: true,
  };
}

export function attachmentShape(volumeId: string, att: NonNullable<VolumeRecord['attachment']>): XmlTree {
  return {
    volumeId,
    instanceId: att.instanceId,
    device: att.device,
    status: att.state,
    attachTime: att.attachTime,
    deleteOnTermination: att.deleteOnTermination,
  };
}

export function volumeShape(world: LabWorld, vol: VolumeRecord): XmlTree {
  return {
    volumeId: vol.volumeId,
    size: vol.size,
    snapshotId: vol.snapshotId ?? '',
    availabilityZone: vol.availabilityZone,
    status: vol.state,
    createTime: vol.createTime,
    attachmentSet: vol.attachment ? [attachmentShape(vol.volumeId, vol.attachment)] : [],
    tagSet: tagSet(vol.tags),
    volumeType: vol.volumeType,
    iops: vol.iops,
    throughput: vol.throughput,
    encrypted: vol.encrypted,
    kmsKeyId: vol.kmsKeyArn,
    multiAttachEnabled: false,
    ownerId: world.accountId,
  };
}

export function snapshotShape(world: LabWorld, snap: SnapshotRecord): XmlTree {
  return {
    snapshotId: snap.snapshotId,
    // Copied snapshots carry this placeholder volume id (Avi doc, "Notes").
    volumeId: 'vol-ffffffff',
    status: snap.state,
    startTime: '2026-01-01T00:00:00.000Z',
    progress: snap.state === 'completed' ? '100%' : '0%',
    ownerId: snap.ownerId ?? world.accountId,
    volumeSize: snap.volumeSize,
    description: snap.description,
    encrypted: snap.encrypted,
    kmsKeyId: snap.kmsKeyArn,
    tagSet: tagSet(snap.tags),
    storageTier: 'standard',
  };
}

export function imageShape(world: LabWorld, image: ImageRecord): XmlTree {
  return {
    imageId: image.imageId,
    imageLocation: `${image.ownerAlias ?? image.ownerId ?? world.accountId}/${image.name}`,
    imageState: image.state,
    imageOwnerId: image.ownerId ?? world.accountId,
    creationDate: image.creationDate ?? '2026-01-01T00:00:00.000Z',
    isPublic: image.public === true,
    productCodes: productCodesShape(image.productCodes),
    architecture: 'x86_64',
    imageType: 'machine',
    imageOwnerAlias: image.ownerAlias,
    name: image.name,
    description: image.description,
    rootDeviceType: 'ebs',
    rootDeviceName: image.rootDeviceName,
    stateReason: image.stateReason && { code: image.stateReason.code, message: image.stateReason.message },
    blockDeviceMapping: image.blockDevices.map((bd) => ({
      deviceName: bd.device,
      ebs: {
        snapshotId: bd.snapshotId,
        volumeSize: bd.volumeSize,
        deleteOnTermination: bd.deleteOnTermination,
        volumeType: bd.volumeType,
        encrypted: bd.encrypted,
      },
    })),
    virtualizationType: 'hvm',
    tagSet: tagSet(image.tags),
    hypervisor: 'xen',
    enaSupport: true,
  };
}

export function vpcShape(world: LabWorld, vpc: VpcRecord): XmlTree {
  return {
    vpcId: vpc.vpcId,
    ownerId: world.accountId,
    state: 'available',
    cidrBlock: vpc.cidr,
    dhcpOptionsId: 'default',
    instanceTenancy: 'default',
    isDefault: false,
  };
}

export function subnetShape(world: LabWorld, subnet: SubnetRecord): XmlTree {
  return {
    subnetId: subnet.subnetId,
    subnetArn: `arn:aws:ec2:${world.region}:${world.accountId}:subnet/${subnet.subnetId}`,
    state: 'available',
    vpcId: subnet.vpcId,
    cidrBlock: subnet.cidr,
    availableIpAddressCount: freeAddressCount(world, subnet),
    availabilityZone: subnet.availabilityZone,
    defaultForAz: false,
    mapPublicIpOnLaunch: false,
    ownerId: world.accountId,
  };
}
