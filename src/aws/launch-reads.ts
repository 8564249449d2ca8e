import {
  DescribeAddressesCommand,
  DescribeInstanceTypesCommand,
  DescribeSubnetsCommand,
  paginateDescribeInstances,
  type Address,
  type EC2Client,
  type Filter,
} from '@aws-sdk/client-ec2';
import { awsCall, notFound } from './errors.js';
import type { AddressInfo, LaunchReads } from './launch-types.js';
import { toInstanceInfo } from './mapping.js';
import type { InstanceInfo } from './types.js';

function toAddressInfo(a: Address): AddressInfo {
  const info: AddressInfo = { allocationId: a.AllocationId ?? '', publicIp: a.PublicIp ?? '' };
  if (a.AssociationId) info.associationId = a.AssociationId;
  if (a.InstanceId) info.instanceId = a.InstanceId;
  if (a.PrivateIpAddress) info.privateIp = a.PrivateIpAddress;
  return info;
}

export function createLaunchReads({ ec2 }: { ec2: EC2Client }): LaunchReads {
  return {
    async describeSubnet(subnetId) {
      const out = await awsCall('DescribeSubnets', () => ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] })));
      const s = out.Subnets?.[0];
      if (!s) throw notFound('InvalidSubnetID.NotFound', `Subnet ${subnetId}`, 'DescribeSubnets');
      return { subnetId: s.SubnetId ?? subnetId, vpcId: s.VpcId ?? '', availabilityZone: s.AvailabilityZone ?? '', availableIpAddressCount: s.AvailableIpAddressCount ?? 0 };
    },

    async describeInstanceType(instanceType) {
      const out = await awsCall('DescribeInstanceTypes', () =>
        ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [instanceType as never] })));
      const t = out.InstanceTypes?.[0];
      if (!t) throw notFound('InvalidInstanceType', `Instance type ${instanceType}`, 'DescribeInstanceTypes');
      return { instanceType, ebsEncryptionSupported: t.EbsInfo?.EncryptionSupport === 'supported' };
    },

    async findAddressesOfInstances(instanceIds) {
      // An empty Values list is rejected by EC2; no instances simply means no addresses.
      if (instanceIds.length === 0) return [];
      const out = await awsCall('DescribeAddresses', () =>
        ec2.send(new DescribeAddressesCommand({ Filters: [{ Name: 'instance-id', Values: instanceIds }] })));
      return (out.Addresses ?? []).map(toAddressInfo);
    },

    async describeAddress(allocationId) {
      const out = await awsCall('DescribeAddresses', () => ec2.send(new DescribeAddressesCommand({ AllocationIds: [allocationId] })));
      const a = out.Addresses?.[0];
      if (!a) throw notFound('InvalidAllocationID.NotFound', `Address ${allocationId}`, 'DescribeAddresses');
      return toAddressInfo(a);
    },

    async findInstancesByTags(tags) {
      const entries = Object.entries(tags);
      // Without tags this would list every instance in the region — never what a step means.
      if (entries.length === 0) throw new Error('findInstancesByTags needs at least one tag');
      const Filters: Filter[] = entries.map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] }));
      const found: InstanceInfo[] = [];
      await awsCall('DescribeInstances', async () => {
        for await (const page of paginateDescribeInstances({ client: ec2 }, { Filters })) {
          for (const r of page.Reservations ?? []) found.push(...(r.Instances ?? []).map((i) => toInstanceInfo(i, r.OwnerId)));
        }
      });
      return found;
    },
  };
}
