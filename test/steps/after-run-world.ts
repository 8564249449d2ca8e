// Small in-memory gateways for the after-run domains (fleet report, doctor, cleanup): EC2 and KMS
// over maps, answering NotFound as AWS does, and the cluster's member IPs.

import { AwsError, type ImageInfo, type InstanceInfo, type KeyInfo, type SnapshotInfo, type VolumeInfo } from '../../src/aws/types.js';
import type { Reads } from '../../src/steps/gateways.js';

export const arn = (n: string) => `arn:aws:kms:eu-west-1:123456789012:key/${n}`;
export const A = arn('aaaa');
export const B = arn('bbbb');
export const C = arn('cccc');

export function volume(id: string, fields: Partial<VolumeInfo> = {}): VolumeInfo {
  return { volumeId: id, state: 'in-use', availabilityZone: 'eu-west-1a', encrypted: false, size: 8, volumeType: 'gp3', attachments: [], tags: {}, ...fields };
}

export function instance(id: string, devices: string[], imageId?: string): InstanceInfo {
  return {
    instanceId: id, state: 'running', availabilityZone: 'eu-west-1a', rootDeviceName: '/dev/xvda', tags: {}, ...(imageId ? { imageId } : {}),
    blockDevices: devices.map((v, i) => ({ device: i === 0 ? '/dev/xvda' : '/dev/sdb', volumeId: v, deleteOnTermination: true, status: 'attached' })),
  };
}

export const notFound = (code: string) => new AwsError(code, `${code}: not found`, 'Describe');

export interface World {
  volumes?: VolumeInfo[];
  keys?: KeyInfo[];
  images?: ImageInfo[];
  snapshots?: SnapshotInfo[];
  instances?: InstanceInfo[];
  /** The private IPs the Controller cluster lists. */
  members?: string[];
  refuseKey?: string;
}

const tagged = (want: Record<string, string>, has: Record<string, string> | undefined) => Object.entries(want).every(([k, x]) => has?.[k] === x);

/** Reads over maps; anything not listed is NotFound, as AWS answers. */
export function reads(world: World): Reads {
  const find = <T>(list: T[] | undefined, hit: (t: T) => boolean, code: string) => {
    const found = list?.find(hit);
    return found ? Promise.resolve(found) : Promise.reject(notFound(code));
  };
  const ec2 = {
    describeVolume: (id: string) => find(world.volumes, (v) => v.volumeId === id, 'InvalidVolume.NotFound'),
    describeImage: (id: string) => find(world.images, (i) => i.imageId === id, 'InvalidAMIID.NotFound'),
    describeSnapshot: (id: string) => find(world.snapshots, (s) => s.snapshotId === id, 'InvalidSnapshot.NotFound'),
    findImagesByTags: async () => (world.images ?? []).filter((i) => i.tags['avi-encrypt:role'] === 'encrypted-ami'),
    describeInstance: (id: string) => find(world.instances, (i) => i.instanceId === id, 'InvalidInstanceID.NotFound'),
    findVolumesByTags: async (tags: Record<string, string>) => (world.volumes ?? []).filter((v) => tagged(tags, v.tags)),
    findSnapshotsByTags: async (tags: Record<string, string>) => (world.snapshots ?? []).filter((s) => tagged(tags, s.tags)),
    findInstancesByTags: async (tags: Record<string, string>) => (world.instances ?? []).filter((i) => tagged(tags, i.tags)),
  };
  const kms = {
    describeKey: (ref: string) => (ref === world.refuseKey
      ? Promise.reject(new AwsError('AccessDeniedException', 'not allowed', 'DescribeKey'))
      : find(world.keys, (k) => k.arn === ref || k.keyId === ref || ref === `alias/${k.keyId}`, 'NotFoundException')),
  };
  const cluster = { getCluster: async () => ({ uuid: 'cluster-1', name: 'cluster', nodes: (world.members ?? []).map((ip) => ({ name: ip, ip: { addr: ip, type: 'V4' } })) }) };
  return { ec2, kms, cluster } as unknown as Reads;
}

export const key = (a: string, state = 'Enabled', extra: Partial<KeyInfo> = {}): KeyInfo => ({ keyId: a.split('/')[1]!, arn: a, state, spec: 'SYMMETRIC_DEFAULT', usage: 'ENCRYPT_DECRYPT', manager: 'CUSTOMER', ...extra });

export function snapshotOf(id: string): SnapshotInfo {
  return { snapshotId: id, state: 'completed', encrypted: false, volumeSize: 8 };
}
