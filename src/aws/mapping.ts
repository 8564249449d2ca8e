// SDK response shapes → the plain contract types. Missing optional fields become safe defaults,
// because a partially filled AWS response must not crash a step halfway through a migration.
import type { Image, Instance, Snapshot, Tag, Volume } from '@aws-sdk/client-ec2';
import type { KeyMetadata } from '@aws-sdk/client-kms';
import type { BlockDevice, ImageInfo, InstanceInfo, KeyInfo, SnapshotInfo, Tags, VolumeInfo } from './types.js';

export function tagsToRecord(tags: Tag[] | undefined): Tags {
  const record: Tags = {};
  for (const { Key, Value } of tags ?? []) if (Key) record[Key] = Value ?? '';
  return record;
}

export function recordToTags(tags: Tags): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** Some APIs report "xvda" in one place and "/dev/xvda" in another. */
export function sameDevice(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  return a.replace(/^\/dev\//, '') === b.replace(/^\/dev\//, '');
}

export function toKeyInfo(meta: KeyMetadata | undefined): KeyInfo {
  return {
    keyId: meta?.KeyId ?? '',
    arn: meta?.Arn ?? '',
    state: meta?.KeyState ?? 'Unknown',
    // CustomerMasterKeySpec is the deprecated name some endpoints still fill alone.
    spec: meta?.KeySpec ?? meta?.CustomerMasterKeySpec ?? 'Unknown',
    usage: meta?.KeyUsage ?? 'Unknown',
    manager: meta?.KeyManager ?? 'Unknown',
    ...(meta?.DeletionDate ? { deletionDate: new Date(meta.DeletionDate).toISOString() } : {}),
  };
}

export function toImageInfo(image: Image): ImageInfo {
  const rootDeviceName = image.RootDeviceName ?? '';
  const root = image.BlockDeviceMappings?.find((bdm) => sameDevice(bdm.DeviceName, rootDeviceName));
  const info: ImageInfo = {
    imageId: image.ImageId ?? '',
    state: image.State ?? 'unknown',
    rootDeviceName,
    snapshotIds: (image.BlockDeviceMappings ?? []).flatMap((b) => (b.Ebs?.SnapshotId ? [b.Ebs.SnapshotId] : [])),
    productCodes: (image.ProductCodes ?? []).flatMap((c) => (c.ProductCodeId ? [c.ProductCodeId] : [])),
    tags: tagsToRecord(image.Tags),
  };
  if (image.Name !== undefined) info.name = image.Name;
  if (root?.Ebs?.SnapshotId) info.rootSnapshotId = root.Ebs.SnapshotId;
  if (root?.Ebs?.VolumeSize !== undefined) info.rootVolumeSize = root.Ebs.VolumeSize;
  if (image.OwnerId) info.ownerId = image.OwnerId;
  if (image.ImageOwnerAlias) info.ownerAlias = image.ImageOwnerAlias;
  if (image.StateReason?.Code || image.StateReason?.Message) {
    info.stateReason = { code: image.StateReason.Code ?? '', message: image.StateReason.Message ?? '' };
  }
  return info;
}

export function toSnapshotInfo(snapshot: Snapshot): SnapshotInfo {
  const info: SnapshotInfo = {
    snapshotId: snapshot.SnapshotId ?? '',
    state: snapshot.State ?? 'unknown',
    encrypted: snapshot.Encrypted ?? false,
    volumeSize: snapshot.VolumeSize ?? 0,
  };
  if (snapshot.KmsKeyId) info.kmsKeyId = snapshot.KmsKeyId;
  return info;
}

export function toVolumeInfo(volume: Volume): VolumeInfo {
  const info: VolumeInfo = {
    volumeId: volume.VolumeId ?? '',
    state: volume.State ?? 'unknown',
    availabilityZone: volume.AvailabilityZone ?? '',
    encrypted: volume.Encrypted ?? false,
    size: volume.Size ?? 0,
    volumeType: volume.VolumeType ?? 'unknown',
    attachments: (volume.Attachments ?? []).map((a) => ({
      instanceId: a.InstanceId ?? '',
      device: a.Device ?? '',
      state: a.State ?? 'unknown',
      deleteOnTermination: a.DeleteOnTermination ?? false,
    })),
    tags: tagsToRecord(volume.Tags),
  };
  if (volume.KmsKeyId) info.kmsKeyId = volume.KmsKeyId;
  if (volume.Iops !== undefined) info.iops = volume.Iops;
  if (volume.Throughput !== undefined) info.throughput = volume.Throughput;
  if (volume.SnapshotId) info.snapshotId = volume.SnapshotId;
  return info;
}

export function toInstanceInfo(instance: Instance, ownerId?: string): InstanceInfo {
  const blockDevices: BlockDevice[] = [];
  for (const bdm of instance.BlockDeviceMappings ?? []) {
    // Instance-store entries have no Ebs part and nothing to migrate.
    if (!bdm.DeviceName || !bdm.Ebs?.VolumeId) continue;
    blockDevices.push({
      device: bdm.DeviceName,
      volumeId: bdm.Ebs.VolumeId,
      deleteOnTermination: bdm.Ebs.DeleteOnTermination ?? false,
      status: bdm.Ebs.Status ?? 'unknown',
    });
  }
  const info: InstanceInfo = {
    instanceId: instance.InstanceId ?? '',
    state: instance.State?.Name ?? 'unknown',
    availabilityZone: instance.Placement?.AvailabilityZone ?? '',
    rootDeviceName: instance.RootDeviceName ?? '',
    blockDevices,
    tags: tagsToRecord(instance.Tags),
  };
  // The reason is what explains a start that fell back to "stopped" (e.g. an unusable KMS key).
  if (instance.StateReason?.Code) {
    info.stateReason = { code: instance.StateReason.Code, message: instance.StateReason.Message ?? '' };
  }
  if (instance.PrivateIpAddress) info.privateIp = instance.PrivateIpAddress;
  if (instance.VpcId) info.vpcId = instance.VpcId;
  if (instance.SubnetId) info.subnetId = instance.SubnetId;
  if (instance.ImageId) info.imageId = instance.ImageId;
  if (instance.InstanceType) info.instanceType = instance.InstanceType;
  const groups = (instance.SecurityGroups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : []));
  if (groups.length) info.securityGroupIds = groups;
  if (instance.IamInstanceProfile?.Arn) info.iamInstanceProfileArn = instance.IamInstanceProfile.Arn;
  if (ownerId) info.ownerId = ownerId;
  return info;
}
