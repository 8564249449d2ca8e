// Elastic IPs through the real SDK: one seeded on each Controller node, Allocate, Describe with
// filters, Associate with and without AllowReassociation, Disassociate (idempotent).

import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import {
  AllocateAddressCommand, AssociateAddressCommand, DescribeAddressesCommand, DescribeInstancesCommand, DisassociateAddressCommand,
  type Filter,
} from '@aws-sdk/client-ec2';
import { failure, startLab, type Lab } from './aws-harness.js';

let lab: Lab;
beforeEach(async () => {
  lab = await startLab({ nodes: 3 });
});
afterEach(async () => lab.close());

const addresses = async (Filters: Filter[] = []) => (await lab.ec2.send(new DescribeAddressesCommand({ Filters }))).Addresses!;
const node = (i: number) => lab.seed.nodes[i]!;
const eip = (i: number) => lab.seed.elasticIps[i]!;

describe('seeded Elastic IPs', () => {
  it('puts one on each node, shown by DescribeAddresses and as the instance public IP', async () => {
    const all = await addresses();
    expect(all).toHaveLength(3);
    expect(all[0]).toMatchObject({
      AllocationId: eip(0).allocationId, AssociationId: eip(0).associationId, PublicIp: eip(0).publicIp, Domain: 'vpc',
      InstanceId: node(0).instanceId, PrivateIpAddress: node(0).ip, NetworkInterfaceId: expect.stringMatching(/^eni-/),
    });
    const inst = (await lab.ec2.send(new DescribeInstancesCommand({ InstanceIds: [node(1).instanceId] }))).Reservations![0]!.Instances![0]!;
    expect(inst.PublicIpAddress).toBe(eip(1).publicIp);
  });

  it('filters by allocation-id, association-id, instance-id, public-ip, private-ip-address and domain', async () => {
    const one = (f: Filter) => addresses([f]).then((a) => a.map((x) => x.AllocationId));
    expect(await one({ Name: 'allocation-id', Values: [eip(1).allocationId] })).toEqual([eip(1).allocationId]);
    expect(await one({ Name: 'association-id', Values: [eip(2).associationId] })).toEqual([eip(2).allocationId]);
    expect(await one({ Name: 'instance-id', Values: [node(0).instanceId] })).toEqual([eip(0).allocationId]);
    expect(await one({ Name: 'public-ip', Values: [eip(2).publicIp] })).toEqual([eip(2).allocationId]);
    expect(await one({ Name: 'private-ip-address', Values: [node(1).ip] })).toEqual([eip(1).allocationId]);
    expect(await one({ Name: 'domain', Values: ['vpc'] })).toHaveLength(3);
    expect((await failure(addresses([{ Name: 'color', Values: ['red'] }]))).name).toBe('InvalidParameterValue');
    const missing = await failure(lab.ec2.send(new DescribeAddressesCommand({ AllocationIds: ['eipalloc-0123456789abcdef0'] })));
    expect({ name: missing.name, message: missing.message }).toEqual({ name: 'InvalidAllocationID.NotFound', message: "The allocation ID 'eipalloc-0123456789abcdef0' does not exist" });
    expect((await failure(lab.ec2.send(new DescribeAddressesCommand({ PublicIps: ['198.51.100.1'] })))).name).toBe('InvalidAddress.NotFound');
  });
});

describe('associating', () => {
  it('refuses to move an associated address without AllowReassociation, and moves it with', async () => {
    const refused = await failure(lab.ec2.send(new AssociateAddressCommand({ AllocationId: eip(1).allocationId, InstanceId: node(0).instanceId })));
    expect({ name: refused.name, message: refused.message }).toEqual({
      name: 'Resource.AlreadyAssociated', message: `resource ${eip(1).allocationId} is already associated with associate-id ${eip(1).associationId}`,
    });
    const moved = await lab.ec2.send(new AssociateAddressCommand({ AllocationId: eip(1).allocationId, InstanceId: node(0).instanceId, AllowReassociation: true }));
    expect(moved.AssociationId).toMatch(/^eipassoc-/);
    expect(moved.AssociationId).not.toBe(eip(1).associationId);
    // Node 1 had its own address: the new one replaced it, which stays allocated and free.
    expect((await addresses([{ Name: 'instance-id', Values: [node(0).instanceId] }])).map((a) => a.AllocationId)).toEqual([eip(1).allocationId]);
    expect((await addresses([{ Name: 'allocation-id', Values: [eip(0).allocationId] }]))[0]!.AssociationId).toBeUndefined();
    expect(await addresses([{ Name: 'instance-id', Values: [node(1).instanceId] }])).toEqual([]);
  });

  it('associates a newly allocated address, answers the same association again, and disassociates idempotently', async () => {
    await lab.ec2.send(new DisassociateAddressCommand({ AssociationId: eip(2).associationId }));
    const { AllocationId, PublicIp } = await lab.ec2.send(new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: [{ Key: 'k', Value: 'v' }] }] }));
    expect(PublicIp).toMatch(/^203\.0\.113\./);
    const first = await lab.ec2.send(new AssociateAddressCommand({ AllocationId, InstanceId: node(2).instanceId }));
    const again = await lab.ec2.send(new AssociateAddressCommand({ AllocationId, InstanceId: node(2).instanceId }));
    expect(again.AssociationId).toBe(first.AssociationId);
    await lab.ec2.send(new DisassociateAddressCommand({ AssociationId: first.AssociationId }));
    await lab.ec2.send(new DisassociateAddressCommand({ AssociationId: first.AssociationId }));
    expect((await addresses([{ Name: 'allocation-id', Values: [AllocationId!] }]))[0]).toMatchObject({ Tags: [{ Key: 'k', Value: 'v' }] });
    expect((await addresses([{ Name: 'allocation-id', Values: [AllocationId!] }]))[0]!.InstanceId).toBeUndefined();
    const unknown = await failure(lab.ec2.send(new DisassociateAddressCommand({ AssociationId: 'eipassoc-0123456789abcdef0' })));
    expect(unknown.name).toBe('InvalidAssociationID.NotFound');
  });

  it('refuses unknown instances and a private IP the instance does not have', async () => {
    expect((await failure(lab.ec2.send(new AssociateAddressCommand({ AllocationId: eip(0).allocationId, InstanceId: 'i-0123456789abcdef0' })))).name)
      .toBe('InvalidInstanceID.NotFound');
    const wrongIp = await failure(lab.ec2.send(new AssociateAddressCommand({
      AllocationId: eip(0).allocationId, InstanceId: node(0).instanceId, PrivateIpAddress: '10.10.1.99',
    })));
    expect(wrongIp.name).toBe('InvalidParameterValue');
    const ops = lab.log.list().filter((r) => ['AssociateAddress', 'DisassociateAddress', 'AllocateAddress'].includes(r.operation));
    expect(ops.every((r) => r.mutating)).toBe(true);
  });
});
