// Private IPv4 addresses of a subnet: AWS reserves the first four and the last address of every
// subnet CIDR (VPC user guide, "Subnet CIDR blocks"); the rest go to instances, lowest free first,
// or the one a launch asks for.

import type { LabWorld } from './world.js';
import type { SubnetRecord } from './types.js';
import { AwsFault } from '../aws/fault.js';

const toInt = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
const toIp = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

function usableRange(subnet: SubnetRecord): { first: number; last: number } {
  const [base, bits] = subnet.cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const network = toInt(base!);
  return { first: network + 4, last: network + size - 2 };
}

function inUse(world: LabWorld, subnet: SubnetRecord): Set<string> {
  return new Set([...world.instances.values()].filter((i) => i.subnetId === subnet.subnetId && i.state !== 'terminated').map((i) => i.privateIp));
}

export function freeAddressCount(world: LabWorld, subnet: SubnetRecord): number {
  const { first, last } = usableRange(subnet);
  const used = [...inUse(world, subnet)].filter((ip) => toInt(ip) >= first && toInt(ip) <= last).length;
  return Math.max(0, last - first + 1 - used);
}

/** Picks `count` addresses (the asked one, if any, first); checks only, the caller records them on its instances. */
export function pickAddresses(world: LabWorld, subnet: SubnetRecord, count: number, asked?: string): string[] {
  const { first, last } = usableRange(subnet);
  const used = inUse(world, subnet);
  const picked: string[] = [];
  if (asked !== undefined) {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(asked) || toInt(asked) < first || toInt(asked) > last) {
      throw new AwsFault('InvalidParameterValue', `Address ${asked} does not fall within the subnet's address range`);
    }
    if (used.has(asked)) throw new AwsFault('InvalidIPAddress.InUse', `Address ${asked} is in use.`);
    picked.push(asked);
  }
  for (let n = first; n <= last && picked.length < count; n++) {
    const ip = toIp(n);
    if (!used.has(ip) && !picked.includes(ip)) picked.push(ip);
  }
  if (picked.length < count) {
    throw new AwsFault('InsufficientFreeAddressesInSubnet',
      `There are not enough free addresses in subnet '${subnet.subnetId}' to satisfy the requested number of instances.`);
  }
  return picked;
}
