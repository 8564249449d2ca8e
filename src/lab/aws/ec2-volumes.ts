// EC2 volume actions: DescribeVolumes, CreateVolume, AttachVolume, DetachVolume, DeleteVolume, DeleteSnapshot.

import type { VolumeRecord } from '../world/types.js';
import type { FilterFields } from './ec2-filters.js';
import { describe } from './ec2-describe.js';
import { attachmentShape, volumeShape } from './ec2-shapes.js';
import type { Ec2Action } from './ec2.js';
import { AwsFault } from './fault.js';
import type { QueryParams } from './query.js';

const VOLUME_FILTERS: FilterFields<VolumeRecord> = {
  'volume-id': (v) => [v.volumeId],
  status: (v) => [v.state],
  'availability-zone': (v) => [v.availabilityZone],
  'attachment.instance-id': (v) => [v.attachment?.instanceId],
  'attachment.device': (v) => [v.attachment?.device],
  'attachment.status': (v) => [v.attachment?.state],
  'attachment.delete-on-termination': (v) => [v.attachment?.deleteOnTermination],
  encrypted: (v) => [v.encrypted],
  'snapshot-id': (v) => [v.snapshotId],
  size: (v) => [v.size],
  'volume-type': (v) => [v.volumeType],
};

// AWS: DescribeVolumes MaxResults 5-500 (larger values give 500), not with volume ids (API reference).
const describeVolumes: Ec2Action = (world, q, ctx) => {
  const { items, nextToken } = describe(q, ctx, {
    action: 'DescribeVolumes', rule: { min: 5, max: 500, idsSet: 'volumeIdsSet' }, ids: q.list('VolumeId'),
    byId: (id) => world.volume(id), all: () => world.listed(world.volumes), fields: VOLUME_FILTERS,
  });
  return { volumeSet: items.map((v) => volumeShape(world, v)), nextToken };
};

const createVolume: Ec2Action = (world, q) => {
  const optional = {
    size: q.int('Size'),
    snapshotId: q.get('SnapshotId'),
    volumeType: q.get('VolumeType'),
    iops: q.int('Iops'),
    throughput: q.int('Throughput'),
    encrypted: q.bool('Encrypted'),
    kmsKeyId: q.get('KmsKeyId'),
    clientToken: q.get('ClientToken'),
  };
  const tags = q.tagSpecifications(['volume'])['volume'] ?? {};
  const vol = world.createVolume({
    availabilityZone: q.require('AvailabilityZone'),
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    ...(Object.keys(tags).length ? { tags } : {}),
  });
  return volumeShape(world, vol);
};

const attachVolume: Ec2Action = (world, q) => {
  const vol = world.attachVolume(q.require('VolumeId'), q.require('InstanceId'), q.require('Device'));
  const { deleteOnTermination: _, ...shape } = attachmentShape(vol.volumeId, vol.attachment!);
  return shape;
};

const detachVolume: Ec2Action = (world, q) => {
  const volumeId = q.require('VolumeId');
  const before = world.detachVolume(volumeId, q.get('InstanceId'), q.get('Device'));
  return attachmentShape(volumeId, { ...before, state: 'detaching' });
};

export const VOLUME_ACTIONS: Record<string, Ec2Action> = {
  DescribeVolumes: describeVolumes,
  CreateVolume: createVolume,
  AttachVolume: attachVolume,
  DetachVolume: detachVolume,
  // Both answer `return: true` (API reference).
  DeleteVolume: (world, q) => (world.deleteVolume(q.require('VolumeId')), { return: true }),
  DeleteSnapshot: (world, q) => (world.deleteSnapshot(q.require('SnapshotId')), { return: true }),
};
