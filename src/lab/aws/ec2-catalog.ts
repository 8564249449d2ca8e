// EC2 reads of the surroundings (VPCs, subnets, zones) and CreateTags.

import type { SubnetRecord, VpcRecord } from '../world/types.js';
import { applyFilters, type FilterFields } from './ec2-filters.js';
import { describe } from './ec2-describe.js';
import { subnetShape, vpcShape } from './ec2-shapes.js';
import type { Ec2Action } from './ec2.js';
import { AwsFault } from './fault.js';

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

// AWS: DescribeVpcs and DescribeSubnets take MaxResults 5-1000 (EC2 API model).
const VPC_PAGES = { min: 5, max: 1000 };
/** `us-west-2` -> `usw2`, the prefix of AWS zone ids such as `usw2-az1`. */
const zoneIdPrefix = (region: string) => region.split('-').map((p, i) => (i === 1 ? p[0] : p)).join('');

export const CATALOG_ACTIONS: Record<string, Ec2Action> = {
  DescribeVpcs: (world, q, ctx) => {
    const { items, nextToken } = describe(q, ctx, {
      action: 'DescribeVpcs', rule: VPC_PAGES, ids: q.list('VpcId'), all: () => [...world.vpcs.values()], fields: VPC_FILTERS,
      byId: (id) => {
        const vpc = world.vpcs.get(id);
        if (!vpc) throw new AwsFault('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`);
        return vpc;
      },
    });
    return { vpcSet: items.map((v) => vpcShape(world, v)), nextToken };
  },
  DescribeSubnets: (world, q, ctx) => {
    const { items, nextToken } = describe(q, ctx, {
      action: 'DescribeSubnets', rule: VPC_PAGES, ids: q.list('SubnetId'), all: () => world.listed(world.subnets),
      byId: (id) => world.subnet(id), fields: SUBNET_FILTERS,
    });
    return { subnetSet: items.map((s) => subnetShape(world, s)), nextToken };
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
