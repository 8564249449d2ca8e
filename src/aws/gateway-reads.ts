import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  paginateDescribeInstances,
  paginateDescribeVolumes,
  type EC2Client,
  type Filter,
  type Instance,
  type Volume,
} from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { awsCall, notFound } from './errors.js';
import { toImageInfo, toInstanceInfo, toKeyInfo, toSnapshotInfo, toVolumeInfo } from './mapping.js';
import type { AwsGateway, InstanceInfo, Tags } from './types.js';

export type AwsReads = Pick<
  AwsGateway,
  | 'describeKey'
  | 'describeImage'
  | 'describeSnapshot'
  | 'describeInstance'
  | 'findInstancesByPrivateIp'
  | 'describeVolume'
  | 'findVolumesByTags'
>;

// Everything except terminated: a stopped controller still holds its IP and must be found.
const LIVE_INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'];
// Everything except deleting/deleted: an errored volume still belongs to the run and must be seen.
const LIVE_VOLUME_STATES = ['creating', 'available', 'in-use', 'error'];

/** Each instance with the account that owns its reservation. */
function flattenReservations(reservations: { Instances?: Instance[]; OwnerId?: string }[] | undefined): InstanceInfo[] {
  return (reservations ?? []).flatMap((r) => (r.Instances ?? []).map((i) => toInstanceInfo(i, r.OwnerId)));
}

export function createAwsReads({ ec2, kms }: { ec2: EC2Client; kms: KMSClient }): AwsReads {
  return {
    async describeKey(keyRef) {
      const out = await awsCall('DescribeKey', () => kms.send(new DescribeKeyCommand({ KeyId: keyRef })));
      return toKeyInfo(out.KeyMetadata);
    },

    async describeImage(imageId) {
      const out = await awsCall('DescribeImages', () => ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] })));
      const image = out.Images?.[0];
      // Deregistered AMIs come back as an empty list rather than an error.
      if (!image) throw notFound('InvalidAMIID.NotFound', `Image ${imageId}`, 'DescribeImages');
      return toImageInfo(image);
    },

    async describeSnapshot(snapshotId) {
      const out = await awsCall('DescribeSnapshots', () =>
        ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] })),
      );
      const snapshot = out.Snapshots?.[0];
      if (!snapshot) throw notFound('InvalidSnapshot.NotFound', `Snapshot ${snapshotId}`, 'DescribeSnapshots');
      return toSnapshotInfo(snapshot);
    },

    async describeInstance(instanceId) {
      const out = await awsCall('DescribeInstances', () =>
        ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })),
      );
      const instance = flattenReservations(out.Reservations)[0];
      if (!instance) throw notFound('InvalidInstanceID.NotFound', `Instance ${instanceId}`, 'DescribeInstances');
      return instance;
    },

    async findInstancesByPrivateIp(ips, vpcId) {
      // An empty Values list is rejected by EC2; no IPs simply means no instances.
      // private-ip-address matches the primary address, which is the one Avi cluster nodes are configured with.
      if (ips.length === 0) return [];
      const Filters: Filter[] = [
        { Name: 'private-ip-address', Values: ips },
        { Name: 'instance-state-name', Values: LIVE_INSTANCE_STATES },
      ];
      if (vpcId) Filters.push({ Name: 'vpc-id', Values: [vpcId] });
      const found: InstanceInfo[] = [];
      await awsCall('DescribeInstances', async () => {
        for await (const page of paginateDescribeInstances({ client: ec2 }, { Filters })) {
          found.push(...flattenReservations(page.Reservations));
        }
      });
      return found;
    },

    async describeVolume(volumeId) {
      const out = await awsCall('DescribeVolumes', () => ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] })));
      const volume = out.Volumes?.[0];
      if (!volume) throw notFound('InvalidVolume.NotFound', `Volume ${volumeId}`, 'DescribeVolumes');
      return toVolumeInfo(volume);
    },

    async findVolumesByTags(tags: Tags) {
      const entries = Object.entries(tags);
      // Without tags this would list every volume in the region — never what a step means.
      if (entries.length === 0) throw new Error('findVolumesByTags needs at least one tag');
      const Filters: Filter[] = entries.map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] }));
      Filters.push({ Name: 'status', Values: LIVE_VOLUME_STATES });
      const found: Volume[] = [];
      await awsCall('DescribeVolumes', async () => {
        for await (const page of paginateDescribeVolumes({ client: ec2 }, { Filters })) {
          found.push(...(page.Volumes ?? []));
        }
      });
      return found.map(toVolumeInfo);
    },
  };
}
