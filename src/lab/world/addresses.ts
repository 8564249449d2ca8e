// Elastic IPs (VPC): allocate, associate with an instance's primary private IP, disassociate, as
// the EC2 API reference documents AllocateAddress, AssociateAddress and DisassociateAddress.

import type { AddressRecord, InstanceRecord, Tags } from './types.js';
import type { LabWorld } from './world.js';
import { AwsFault } from '../aws/fault.js';
import { newResourceId } from '../aws/resource-ids.js';

/** Public addresses come from TEST-NET-3 (RFC 5737), so no lab address is anybody's real one. */
const POOL = Array.from({ length: 245 }, (_, i) => `203.0.113.${i + 10}`);

/** Association ids that ended: disassociating one again succeeds, as the call is idempotent (EC2 idempotency guide). */
const ended = new WeakMap<LabWorld, Set<string>>();

export function allocateAddress(world: LabWorld, tags: Tags = {}, publicIp?: string): AddressRecord {
  const taken = new Set([...world.addresses.values()].map((a) => a.publicIp));
  const ip = publicIp ?? POOL.find((p) => !taken.has(p));
  if (!ip) throw new AwsFault('AddressLimitExceeded', 'The maximum number of addresses has been reached.');
  world.commit();
  const addr: AddressRecord = { allocationId: newResourceId('eipalloc'), publicIp: ip, tags: { ...tags } };
  world.addresses.set(addr.allocationId, addr);
  world.created(addr.allocationId);
  return addr;
}

export function addressByPublicIp(world: LabWorld, ip: string): AddressRecord {
  const addr = world.listed(world.addresses).find((a) => a.publicIp === ip);
  if (!addr) throw new AwsFault('InvalidAddress.NotFound', `Address '${ip}' not found.`);
  return addr;
}

export interface Association {
  allocationId: string;
  instanceId: string;
  privateIp?: string;
  allowReassociation?: boolean;
}

/** Returns the association id. Re-associating to where it already is answers the same association. */
export function associateAddress(world: LabWorld, asked: Association): string {
  const addr = world.address(asked.allocationId);
  const inst = world.instance(asked.instanceId);
  if (inst.state === 'shutting-down' || inst.state === 'terminated') {
    throw new AwsFault('IncorrectInstanceState', `The instance '${inst.instanceId}' is not in a valid state for this operation.`);
  }
  const privateIp = asked.privateIp ?? inst.privateIp;
  if (privateIp !== inst.privateIp) {
    throw new AwsFault('InvalidParameterValue', `Value (${privateIp}) for parameter privateIpAddress is invalid. The address is not assigned to the instance.`);
  }
  const current = addr.association;
  if (current?.instanceId === inst.instanceId && current.privateIp === privateIp) return current.associationId;
  if (current && !asked.allowReassociation) {
    throw new AwsFault('Resource.AlreadyAssociated', `resource ${addr.allocationId} is already associated with associate-id ${current.associationId}`);
  }
  world.commit();
  if (current) endAssociation(world, addr);
  // AWS: an instance's address that already has an Elastic IP loses it to the new one (it stays allocated).
  for (const other of world.addresses.values()) {
    if (other.association?.instanceId === inst.instanceId && other.association.privateIp === privateIp) endAssociation(world, other);
  }
  addr.association = {
    associationId: newResourceId('eipassoc'), instanceId: inst.instanceId, networkInterfaceId: networkInterfaceOf(inst), privateIp,
  };
  return addr.association.associationId;
}

export function disassociateAddress(world: LabWorld, associationId: string): void {
  const addr = [...world.addresses.values()].find((a) => a.association?.associationId === associationId);
  if (!addr) {
    if (ended.get(world)?.has(associationId)) return;
    throw new AwsFault('InvalidAssociationID.NotFound', `The association ID '${associationId}' does not exist`);
  }
  world.commit();
  endAssociation(world, addr);
}

/** A terminated instance's network interface is deleted, and with it its Elastic IP associations. */
export function releaseInstanceAddresses(world: LabWorld, instanceId: string): void {
  for (const addr of world.addresses.values()) if (addr.association?.instanceId === instanceId) endAssociation(world, addr);
}

function endAssociation(world: LabWorld, addr: AddressRecord): void {
  if (!addr.association) return;
  if (!ended.has(world)) ended.set(world, new Set());
  ended.get(world)!.add(addr.association.associationId);
  delete addr.association;
}

/** The lab models one network interface per instance; older records get theirs on first use. */
export function networkInterfaceOf(inst: InstanceRecord): string {
  inst.networkInterfaceId ??= `eni-${inst.instanceId.slice(2)}`;
  return inst.networkInterfaceId;
}
