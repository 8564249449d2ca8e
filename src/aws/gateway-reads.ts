import {
  paginateDescribeImages,
  paginateDescribeInstances,
  paginateDescribeSnapshots,
  paginateDescribeSubnets,
  paginateDescribeVolumes,
  type EC2Client,
  type Filter,
  type Instance,
} from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { awsCall, notFound } from './errors.js';
import { toImageInfo, toInstanceInfo, toKeyInfo, toSnapshotInfo, toVolumeInfo } from './mapping.js';
import type { LaunchReads } from './launch-types.js';
import type { Ec2Reads, InstanceInfo, KmsReads, Tags } from './types.js';

/** Launch reads live in launch-reads.ts, cleanup's in cleanup-calls.ts. */
export type AwsReads = Omit<Ec2Reads, keyof LaunchReads | 'findSnapshotsByTags'> & KmsReads;

// Everything except terminated: a stopped controller still holds its IP and must be found.
const LIVE_INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'];
// Everything except deleting/deleted: an errored volume still belongs to the run and must be seen.
const LIVE_VOLUME_STATES = ['creating', 'available', 'in-use', 'error'];

/**
 * Every item of every page. EC2 may answer any Describe* in pages (NextToken), even without
 * MaxResults, and a page may hold fewer items than asked, or none, and still have a next one.
 */
async function allPages<P, T>(operation: string, pages: () => AsyncIterable<P>, items: (page: P) => T[] | undefined): Promise<T[]> {
  const found: T[] = [];
  await awsCall(operation, async () => {
    for await (const page of pages()) found.push(...(items(page) ?? []));
  });
  return found;
}

/**
 * Filter values per call. EC2 documents no limit on a filter's values that we could find; 200 is the
 * figure commonly quoted (UNVERIFIED), and a fleet of 1,000 SEs then needs 5 calls. No ids, no call.
 */
const FILTER_VALUES = 200;
const chunks = (ids: string[]): string[][] =>
  Array.from({ length: Math.ceil(ids.length / FILTER_VALUES) }, (_, i) => ids.slice(i * FILTER_VALUES, (i + 1) * FILTER_VALUES));

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
      const [image] = await allPages('DescribeImages', () => paginateDescribeImages({ client: ec2 }, { ImageIds: [imageId] }), (p) => p.Images);
      // Deregistered AMIs come back as an empty list rather than an error.
      if (!image) throw notFound('InvalidAMIID.NotFound', `Image ${imageId}`, 'DescribeImages');
      return toImageInfo(image);
    },

    async describeSnapshot(snapshotId) {
      const [snapshot] = await allPages('DescribeSnapshots',
        () => paginateDescribeSnapshots({ client: ec2 }, { SnapshotIds: [snapshotId] }), (p) => p.Snapshots);
      if (!snapshot) throw notFound('InvalidSnapshot.NotFound', `Snapshot ${snapshotId}`, 'DescribeSnapshots');
      return toSnapshotInfo(snapshot);
    },

    async describeInstance(instanceId) {
      const [instance] = await allPages('DescribeInstances',
        () => paginateDescribeInstances({ client: ec2 }, { InstanceIds: [instanceId] }), (p) => flattenReservations(p.Reservations));
      if (!instance) throw notFound('InvalidInstanceID.NotFound', `Instance ${instanceId}`, 'DescribeInstances');
      return instance;
    },

    async findInstancesByPrivateIp(ips, vpcId) {
      // An empty Values list is rejected by EC2; no IPs simply means no instances.
      // private-ip-address matches the primary address, which is the one Avi cluster nodes are configured with.
      if (ips.length === 0) return [];
      const filters = (Values: string[]): Filter[] => [
        { Name: 'private-ip-address', Values },
        { Name: 'instance-state-name', Values: LIVE_INSTANCE_STATES },
        ...(vpcId ? [{ Name: 'vpc-id', Values: [vpcId] }] : []),
      ];
      const pages = await Promise.all(chunks(ips).map((Values) => allPages('DescribeInstances',
        () => paginateDescribeInstances({ client: ec2 }, { Filters: filters(Values) }), (p) => flattenReservations(p.Reservations))));
      return pages.flat();
    },

    async describeVolume(volumeId) {
      const [volume] = await allPages('DescribeVolumes', () => paginateDescribeVolumes({ client: ec2 }, { VolumeIds: [volumeId] }), (p) => p.Volumes);
      if (!volume) throw notFound('InvalidVolume.NotFound', `Volume ${volumeId}`, 'DescribeVolumes');
      return toVolumeInfo(volume);
    },

    async describeInstances(instanceIds) {
      const pages = await Promise.all(chunks(instanceIds).map((Values) => allPages('DescribeInstances',
        () => paginateDescribeInstances({ client: ec2 }, { Filters: [{ Name: 'instance-id', Values }] }), (p) => flattenReservations(p.Reservations))));
      return pages.flat();
    },

    async describeVolumes(volumeIds) {
      const pages = await Promise.all(chunks(volumeIds).map((Values) => allPages('DescribeVolumes',
        () => paginateDescribeVolumes({ client: ec2 }, { Filters: [{ Name: 'volume-id', Values }] }), (p) => p.Volumes)));
      return pages.flat().map(toVolumeInfo);
    },

    async describeSubnets(subnetIds) {
      // An empty SubnetIds list would describe every subnet of the region.
      if (subnetIds.length === 0) return [];
      const found = await allPages('DescribeSubnets', () => paginateDescribeSubnets({ client: ec2 }, { SubnetIds: subnetIds }), (p) => p.Subnets);
      return found.map((s) => ({
        subnetId: s.SubnetId ?? '', cidr: s.CidrBlock ?? '', availabilityZone: s.AvailabilityZone ?? '', availableIps: s.AvailableIpAddressCount ?? 0,
      }));
    },

    async findVolumesByTags(tags: Tags) {
      const entries = Object.entries(tags);
      // Without tags this would list every volume in the region — never what a step means.
      if (entries.length === 0) throw new Error('findVolumesByTags needs at least one tag');
      const Filters: Filter[] = entries.map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] }));
      Filters.push({ Name: 'status', Values: LIVE_VOLUME_STATES });
      const found = await allPages('DescribeVolumes', () => paginateDescribeVolumes({ client: ec2 }, { Filters }), (p) => p.Volumes);
      return found.map(toVolumeInfo);
    },

    async findImagesByTags(tags: Tags) {
      const entries = Object.entries(tags);
      if (entries.length === 0) throw new Error('findImagesByTags needs at least one tag');
      // Owners=self: only this account's images; a public AMI carrying the same tags is never ours.
      const Filters: Filter[] = entries.map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] }));
      const found = await allPages('DescribeImages', () => paginateDescribeImages({ client: ec2 }, { Owners: ['self'], Filters }), (p) => p.Images);
      return found.map(toImageInfo);
    },
  };
}
