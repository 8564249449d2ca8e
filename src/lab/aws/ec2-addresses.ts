// Elastic IP actions: AllocateAddress, DescribeAddresses (no paging: the action takes no MaxResults),
// AssociateAddress, DisassociateAddress.

import type { AddressRecord } from '../world/types.js';
import { addressByPublicIp, allocateAddress, associateAddress, disassociateAddress } from '../world/addresses.js';
import { applyFilters, type FilterFields } from './ec2-filters.js';
import { tagSet } from './ec2-shapes.js';
import type { Ec2Action } from './ec2.js';
import { AwsFault } from './fault.js';
import type { LabWorld } from '../world/world.js';
import type { XmlTree } from './xml.js';

const ADDRESS_FILTERS: FilterFields<AddressRecord> = {
  'allocation-id': (a) => [a.allocationId],
  'association-id': (a) => [a.association?.associationId],
  domain: () => ['vpc'],
  'instance-id': (a) => [a.association?.instanceId],
  'network-interface-id': (a) => [a.association?.networkInterfaceId],
  'private-ip-address': (a) => [a.association?.privateIp],
  'public-ip': (a) => [a.publicIp],
};

function addressShape(world: LabWorld, a: AddressRecord): XmlTree {
  return {
    publicIp: a.publicIp,
    allocationId: a.allocationId,
    domain: 'vpc',
    instanceId: a.association?.instanceId,
    associationId: a.association?.associationId,
    networkInterfaceId: a.association?.networkInterfaceId,
    networkInterfaceOwnerId: a.association && world.accountId,
    privateIpAddress: a.association?.privateIp,
    tagSet: tagSet(a.tags),
    publicIpv4Pool: 'amazon',
    networkBorderGroup: world.region,
  };
}

export const ADDRESS_ACTIONS: Record<string, Ec2Action> = {
  AllocateAddress: (world, q) => {
    const domain = q.get('Domain') ?? 'vpc';
    if (domain !== 'vpc') throw new AwsFault('InvalidParameterValue', `Value (${domain}) for parameter domain is invalid. EC2-Classic is retired.`);
    const addr = allocateAddress(world, q.tagSpecifications(['elastic-ip'])['elastic-ip']);
    return { publicIp: addr.publicIp, domain: 'vpc', allocationId: addr.allocationId, publicIpv4Pool: 'amazon', networkBorderGroup: world.region };
  },
  DescribeAddresses: (world, q) => {
    const byAllocation = q.list('AllocationId').map((id) => world.address(id));
    const byIp = q.list('PublicIp').map((ip) => addressByPublicIp(world, ip));
    const chosen = byAllocation.length || byIp.length ? [...new Set([...byAllocation, ...byIp])] : world.listed(world.addresses);
    return { addressesSet: applyFilters(chosen, q.filters(), ADDRESS_FILTERS).map((a) => addressShape(world, a)) };
  },
  AssociateAddress: (world, q) => {
    const allocationId = q.get('AllocationId') ?? (q.get('PublicIp') && addressByPublicIp(world, q.get('PublicIp')!).allocationId);
    if (!allocationId) throw new AwsFault('MissingParameter', 'Either public IP or allocation id must be specified');
    if (q.get('NetworkInterfaceId') !== undefined) {
      throw new AwsFault('UnsupportedOperation', 'The lab associates Elastic IPs with instances (InstanceId) only.');
    }
    const privateIp = q.get('PrivateIpAddress');
    const associationId = associateAddress(world, {
      allocationId,
      instanceId: q.require('InstanceId'),
      ...(privateIp === undefined ? {} : { privateIp }),
      allowReassociation: q.bool('AllowReassociation') ?? false,
    });
    return { return: true, associationId };
  },
  DisassociateAddress: (world, q) => {
    disassociateAddress(world, q.require('AssociationId'));
    return { return: true };
  },
};
