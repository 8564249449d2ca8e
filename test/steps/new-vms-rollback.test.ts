// Putting a node back, and retiring the old VMs, over the real gateway (mocked EC2) and a fake
// Controller: each step looks first, so it acts only where the world still differs, and once.
import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  AssociateAddressCommand, CreateTagsCommand, DeleteTagsCommand, EC2Client, StartInstancesCommand, StopInstancesCommand, TerminateInstancesCommand, type Address, type Instance,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { TAG } from '../../src/aws/types.js';
import { markerKey } from '../../src/steps/controller/claim.js';
import { RUN_ID, clusterOf, commandNames, runtimeOf } from './helpers.js';
import { IPS, MembershipAvi, installLaunchWorld, runVmStep, sdkVm, vmData, vmEffects, vmScope } from './new-vms-fixtures.js';

const ec2 = mockClient(EC2Client);
const [F1, F2, LEADER] = IPS as [string, string, string];
const NEW = '10.0.2.44';
const mine = (node: string) => [{ Key: TAG.runId, Value: RUN_ID }, { Key: TAG.role, Value: 'controller-replacement' }, { Key: TAG.node, Value: node }];
const data = (extra = {}) => vmData({ nodes: vmData().nodes.map((n) => (n.ip === F1 ? { ...n, newInstanceId: 'i-new', newIp: NEW, ...extra } : n)) });

let instances: Instance[];
let addresses: Address[];
beforeEach(() => {
  ec2.reset();
  instances = [sdkVm('i-old-12', 'running'), sdkVm('i-old-11', 'stopped'), sdkVm('i-new', 'running', { Tags: mine(F1) }), sdkVm('i-earlier', 'terminated', { Tags: mine(F1) })];
  addresses = [{ AllocationId: 'eipalloc-12', PublicIp: '203.0.113.12', InstanceId: 'i-old-12' }];
  installLaunchWorld(ec2, { instances, addresses });
  ec2.on(StartInstancesCommand).callsFake(() => {
    instances[1]!.State = { Name: 'running' };
    return {};
  });
});

describe('rollback', () => {
  it('puts the old node back in place of the new VM, joining with the initial admin password', async () => {
    const avi = new MembershipAvi(clusterOf([LEADER, NEW, F2]), [runtimeOf('CLUSTER_UP_HA_ACTIVE', [])]);
    const { effects } = vmEffects(avi);
    expect(await runVmStep(effects, 'rollback-membership', vmScope(data({ joined: true }), F1))).toEqual({ joined: false });
    expect(avi.puts.map((p) => p.nodes)).toEqual([[
      { name: LEADER, ip: { addr: LEADER, type: 'V4' } },
      { name: F1, ip: { addr: F1, type: 'V4' }, password: 'initial-admin-password' },
      { name: F2, ip: { addr: F2, type: 'V4' } },
    ]]);
  });

  it('changes nothing when the cluster still lists the old node (the new VM never got in)', async () => {
    const avi = new MembershipAvi(clusterOf([LEADER, F1, F2]), [runtimeOf('CLUSTER_UP_HA_ACTIVE', [])]);
    const { effects } = vmEffects(avi);
    await runVmStep(effects, 'rollback-membership', vmScope(data(), F1));
    expect(avi.puts).toHaveLength(0);
  });

  it('starts the old VM only if it is stopped (the leader handed over), and waits until it runs', async () => {
    const { effects } = vmEffects(new MembershipAvi(clusterOf(IPS), [runtimeOf('CLUSTER_UP_HA_ACTIVE', [])]));
    await runVmStep(effects, 'rollback-start-old', vmScope(data(), F1));
    expect(ec2).not.toHaveReceivedCommand(StartInstancesCommand);
    await runVmStep(effects, 'rollback-start-old', vmScope(data(), LEADER));
    expect(ec2).toHaveReceivedCommandTimes(StartInstancesCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(StartInstancesCommand, { InstanceIds: ['i-old-11'] });
  });

  it('terminates every live VM this run launched for the node, and only those', async () => {
    const { effects } = vmEffects(new MembershipAvi(clusterOf(IPS), [runtimeOf('CLUSTER_UP_HA_ACTIVE', [])]));
    await runVmStep(effects, 'rollback-terminate-new', vmScope(data(), F1));
    expect(ec2).toHaveReceivedCommandTimes(TerminateInstancesCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: ['i-new'] });
  });
});

describe('once every node is replaced', () => {
  it('moves an Elastic IP still on the old VM, with AllowReassociation; one already moved is left alone', async () => {
    ec2.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-1' });
    const { effects } = vmEffects(new MembershipAvi(clusterOf(IPS), [runtimeOf('CLUSTER_UP_HA_ACTIVE', [])]));
    await runVmStep(effects, 'move-addresses', vmScope(data(), F1));
    expect(ec2).toHaveReceivedCommandWith(AssociateAddressCommand, { AllocationId: 'eipalloc-12', InstanceId: 'i-new', AllowReassociation: true });
    addresses[0]!.InstanceId = 'i-new';
    ec2.resetHistory();
    await runVmStep(effects, 'move-addresses', vmScope(data(), F1));
    expect(ec2).not.toHaveReceivedCommand(AssociateAddressCommand);
  });

  it('tags the old VM with its replacement and stops it; with --terminate-old terminates it instead', async () => {
    const { effects } = vmEffects(new MembershipAvi(clusterOf(IPS), [runtimeOf('CLUSTER_UP_HA_ACTIVE', [])]));
    await runVmStep(effects, 'retire-old', vmScope(data(), F1));
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, { Resources: ['i-old-12'], Tags: expect.arrayContaining([{ Key: TAG.replacedBy, Value: 'i-new' }]) as never });
    expect(ec2).toHaveReceivedCommandWith(StopInstancesCommand, { InstanceIds: ['i-old-12'] });
    expect(ec2).not.toHaveReceivedCommand(TerminateInstancesCommand);
    ec2.resetHistory();
    await runVmStep(effects, 'retire-old', vmScope({ ...data(), terminateOld: true }, F1));
    expect(ec2).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: ['i-old-12'] });
    expect(ec2).not.toHaveReceivedCommand(StopInstancesCommand);
    // This run's marker leaves the VM before the VM leaves EC2.
    expect(commandNames(ec2).slice(-2)).toEqual(['DeleteTagsCommand', 'TerminateInstancesCommand']);
    expect(ec2).toHaveReceivedCommandWith(DeleteTagsCommand, { Resources: ['i-old-12'], Tags: [{ Key: markerKey(RUN_ID) }] });
  });
});
