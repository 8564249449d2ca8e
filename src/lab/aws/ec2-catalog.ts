// EC2 reads of the surroundings (images, snapshots, VPCs, subnets, zones) and CreateTags.

import type { ImageRecord, SnapshotRecord, SubnetRecord, VpcRecord } from '../world/types.js';
import { applyFilters, type FilterFields } from './ec2-filters.js';
import { imageShape, snapshotShape, subnetShape, vpcShape } from './ec2-shapes.js';
import type { Ec2Action } from './ec2.js';
import { AwsFault } from './fault.js';

const IMAGE_FILTERS: FilterFields<ImageRecord> = {
  'image-id': (i) => [i.imageId],
  name: (i) => [i.name],
  state: (i) => [i.state],
  'root-device-name': (i) => [i.rootDeviceName],
  'block-device-mapping.snapshot-id': (i) => i.blockDevices.map((b) => b.snapshotId),
  'block-device-mapping.encrypted': (i) => i.blockDevices.map((b) => b.encrypted),
};

const SNAPSHOT_FILTERS: FilterFields<SnapshotRecord> = {
  'snapshot-id': (s) => [s.snapshotId],
  status: (s) => [s.state],
  encrypted: (s) => [s.encrypted],
  'kms-key-id': (s) => [s.kmsKeyArn],
  'volume-size': (s) => [s.volumeSize],
};

const VPC_FILTERS: FilterFields<VpcRecord> = {
  'vpc-id': (v) => [v.vpcId],
  'cidr-block': (v) => [v.cidr],
  cidr: (v) => [v.cidr],
  state: () => ['available'],
};

const SUBNET_FILTERS: FilterFields<SubnetRecord> = {
  'subnet-id': (s) => [s.subnetId],
  'vpc-id': (s) => [s.vpcId],
  'availability-zone': (s) => [s.availabilityZone],
  'cidr-block': (s) => [s.cidr],
  state: () => ['available'],
};

interface Zone { zoneName: string; zoneId: string; state: string; regionName: string }
const ZONE_FILTERS: FilterFields<Zone> = {
  'zone-name': (z) => [z.zoneName],
  'zone-id': (z) => [z.zoneId],
  state: (z) => [z.state],
  'region-name': (z) => [z.regionName],
};

function byIds<T>(ids: string[], map: Map<string, T>, missing: (id: string) => AwsFault): T[] {
  if (!ids.length) return [...map.values()];
  return ids.map((id) => {
    const found = map.get(id);
    if (!found) throw missing(id);
    return found;
  });
}

/** `us-west-2` -> `usw2`, the prefix of AWS zone ids such as `usw2-az1`. */
const zoneIdPrefix = (region: string) => region.split('-').map((p, i) => (i === 1 ? p[0] : p)).join('');

export const CATALOG_ACTIONS: Record<string, Ec2Action> = {
  DescribeImages: (world, q) => {
    const chosen = q.list('ImageId').map((id) => world.image(id));
    const images = chosen.length ? chosen : [...world.images.values()];
    return { imagesSet: applyFilters(images, q.filters(), IMAGE_FILTERS).map((i) => imageShape(world, i)) };
  },
  DescribeSnapshots: (world, q) => {
    const chosen = q.list('SnapshotId').map((id) => world.snapshot(id));
    const snaps = chosen.length ? chosen : [...world.snapshots.values()];
    return { snapshotSet: applyFilters(snaps, q.filters(), SNAPSHOT_FILTERS).map((s) => snapshotShape(world, s)) };
  },
  DescribeVpcs: (world, q) => {
    const vpcs = byIds(q.list('VpcId'), world.vpcs,
      (id) => new AwsFault('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`));
    return { vpcSet: applyFilters(vpcs, q.filters(), VPC_FILTERS).map((v) => vpcShape(world, v)) };
  },
  DescribeSubnets: (world, q) => {
    const subnets = byIds(q.list('SubnetId'), world.subnets,
      (id) => new AwsFault('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`));
    return { subnetSet: applyFilters(subnets, q.filters(), SUBNET_FILTERS).map((s) => subnetShape(world, s)) };
  },
  DescribeAvailabilityZones: (world, q) => {
    const names = [...new Set([...world.subnets.values()].map((s) => s.availabilityZone))].sort();
    const zones: Zone[] = names.map((zoneName) => ({
      zoneName,
      zoneId: `${zoneIdPrefix(world.region)}-az${zoneName.charCodeAt(zoneName.length - 1) - 96}`,
      state: 'available',
      regionName: world.region,
    }));
    const asked = q.list('ZoneName');
    for (const name of asked) {
      if (!names.includes(name)) throw new AwsFault('InvalidParameterValue', `The zone '${name}' does not exist.`);
    }
    const chosen = asked.length ? zones.filter((z) => asked.includes(z.zoneName)) : zones;
    return {
      availabilityZoneInfo: applyFilters(chosen, q.filters(), ZONE_FILTERS).map((z) => ({
        ...z, zoneState: z.state, state: undefined, messageSet: [], optInStatus: 'opt-in-not-required',
        groupName: world.region, networkBorderGroup: world.region, zoneType: 'availability-zone',
      })),
    };
  },
  CreateTags: (world, q) => {
    const ids = q.list('ResourceId');
    if (!ids.length) throw new AwsFault('MissingParameter', 'The request must contain the parameter ResourceId');
    world.createTags(ids, q.tags());
    return { return: true };
  },
  DeleteTags: (world, q) => {
    const ids = q.list('ResourceId');
    if (!ids.length) throw new AwsFault('MissingParameter', 'The request must contain the parameter ResourceId');
    // AWS: a tag given without a value is removed whatever its value; with a value, only if it matches.
    world.deleteTags(ids, q.tagKeys());
    return { return: true };
  },
};
