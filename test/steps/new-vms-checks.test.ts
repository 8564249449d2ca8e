// controller-new-vms' preflight hook (cluster write access, version, no other run, a 3-node
// cluster READY, the launch AMI, instance types with EBS encryption, free subnet addresses), its
// world facts for saved plans, and the calls beyond its plan that preflight sends as DryRun; over
// the real gateway (mocked EC2) and the fake Controller.

import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  DescribeImagesCommand, DescribeInstanceTypesCommand, DescribeSubnetsCommand, DescribeVolumesCommand, EC2Client, type Instance,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { Settings } from '../../src/runbook/settings.js';
import type { NewVmsData } from '../../src/steps/new-vms/context.js';
import { newVmChecks, newVmProbeWrites } from '../../src/steps/new-vms/checks.js';
import { newVmWorld } from '../../src/steps/new-vms/world.js';
import { FakeAvi, clusterOf, expectNoMutations, makeDeps, realGateway, runtimeOf, sdkVolume } from './helpers.js';
import { IPS, installLaunchWorld, sdkVm, vmData } from './new-vms-fixtures.js';

const ec2 = mockClient(EC2Client);
const LEADER = IPS[2]!;
const ready = () => runtimeOf('CLUSTER_UP_HA_ACTIVE', IPS.map((ip) => ({ ip, role: ip === LEADER ? 'CLUSTER_LEADER' : 'CLUSTER_FOLLOWER' })));
const settings = { avi: { controller: 'https://avi.example', tenant: 'admin' } } as Settings;

let instances: Instance[];
let free: Record<string, number>;
let support: Record<string, string>;
beforeEach(() => {
  ec2.reset();
  free = {};
  support = {};
  // The instances vmData() describes: i-old-12 ... in subnet-12 ..., m5.2xlarge, from ami-nodes.
  instances = vmData().nodes.map((n) => sdkVm(n.instanceId, 'running', {
    PrivateIpAddress: n.ip, ImageId: 'ami-nodes', InstanceType: n.instanceType as never, SubnetId: n.subnetId, SecurityGroups: [{ GroupId: 'sg-avi' }],
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: n.rootVolumeId, DeleteOnTermination: false, Status: 'attached' } }],
    Tags: [{ Key: 'Name', Value: `ctl-${n.ip}` }],
  }));
  installLaunchWorld(ec2, {
    instances,
    addresses: vmData().nodes.map((n) => ({ AllocationId: n.elasticIps[0]!.allocationId, PublicIp: n.elasticIps[0]!.publicIp, InstanceId: n.instanceId })),
  });
  ec2.on(DescribeVolumesCommand).callsFake((input: { VolumeIds?: string[] }) => ({
    Volumes: (input.VolumeIds ?? []).map((id) => sdkVolume({ id, state: 'in-use', size: 128, type: 'gp3', iops: 3000, throughput: 125 })),
  }));
  ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: 'ami-nodes', State: 'available', RootDeviceName: '/dev/xvda', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-nodes' } }] }] });
  ec2.on(DescribeInstanceTypesCommand).callsFake((i: { InstanceTypes: string[] }) => ({
    InstanceTypes: i.InstanceTypes.map((t) => ({ InstanceType: t, EbsInfo: { EncryptionSupport: support[t] ?? 'supported' } })),
  }));
  ec2.on(DescribeSubnetsCommand).callsFake((i: { SubnetIds: string[] }) => ({
    Subnets: i.SubnetIds.map((s) => ({ SubnetId: s, VpcId: 'vpc-1', AvailabilityZone: 'eu-west-1a', AvailableIpAddressCount: free[s] ?? 200 })),
  }));
});

const readsOf = (avi: FakeAvi) => makeDeps(realGateway(), avi).reads;

async function checks(avi: FakeAvi, data: NewVmsData | null = vmData(), version = '22.1.3') {
  return newVmChecks('17.2.3')(readsOf(avi), settings, {
    planMade: !!data, ...(data ? { data } : {}), controllerVersion: version, secrets: { backupPassphrase: 'missing' },
  });
}

describe('newVmChecks', () => {
  it('all pass on a READY 3-node cluster, reading only; the new VMs\' subnets have room', async () => {
    const results = await checks(new FakeAvi(clusterOf(IPS), [ready()]));
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['avi-write-access', 'pass'], ['avi-version', 'pass'], ['not-held', 'pass'], ['cluster-ready', 'pass'],
      ['launch-ami', 'pass'], ['instance-types', 'pass'], ['subnet-addresses', 'pass'], ['ec2-quota', 'pass'],
    ]);
    expect(results.find((r) => r.id === 'ec2-quota')).toMatchObject({ detail: '3 × m5.2xlarge running beside the old VMs until they are retired', unproven: expect.stringContaining('Service Quotas') });
    expect(results.find((r) => r.id === 'subnet-addresses')!.detail).toBe('subnet-12: room for 1, subnet-13: room for 1, subnet-11: room for 1');
    expectNoMutations(ec2);
  });

  it('each problem is its own failed line: not READY, an old Controller, a type without EBS encryption, a full subnet', async () => {
    const data = vmData();
    data.nodes[1]!.instanceType = 'm1.large';
    support['m1.large'] = 'unsupported';
    free['subnet-12'] = 0;
    const results = await checks(new FakeAvi(clusterOf(IPS), [runtimeOf('CLUSTER_UP_HA_COMPROMISED', [])]), data, '17.1.4');
    expect(results.filter((r) => r.status === 'fail').map((r) => r.id)).toEqual(['avi-version', 'cluster-ready', 'instance-types', 'subnet-addresses']);
    expect(results.find((r) => r.id === 'instance-types')!.detail).toMatch(/^instance type m1\.large \(node 10\.0\.1\.13\) cannot attach encrypted EBS volumes/);
    expect(results.find((r) => r.id === 'subnet-addresses')!.detail).toMatch(/^subnet subnet-12 \(eu-west-1a\) has 0 free private addresses; the new VMs of 10\.0\.1\.12 need 1/);
  });

  it('a 1-node cluster fails the cluster line with the way to controller-swap', async () => {
    const results = await checks(new FakeAvi(clusterOf([IPS[0]!]), [runtimeOf('CLUSTER_UP_NO_HA', [])]), null);
    expect(results.find((r) => r.id === 'cluster-ready')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/has 1 node;.*use --strategy controller-swap/) });
  });

  it('a plan\'s made-up replacement ids are not launched VMs: their subnets still need room', async () => {
    const data = vmData();
    data.nodes.forEach((n, i) => { n.newInstanceId = `i-planned-${i + 1}`; });
    free['subnet-11'] = 0;
    const results = await checks(new FakeAvi(clusterOf(IPS), [ready()]), data);
    expect(results.find((r) => r.id === 'subnet-addresses')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^subnet subnet-11 .* need 1/) });
  });

  it('without the plan\'s nodes, the node checks are skipped, not failed', async () => {
    const results = await checks(new FakeAvi(clusterOf(IPS), [ready()]), null);
    expect(results.filter((r) => r.status === 'skip').map((r) => r.id)).toEqual(['launch-ami', 'instance-types', 'subnet-addresses', 'ec2-quota']);
  });
});

describe('newVmWorld', () => {
  const facts = async () => Object.fromEntries((await newVmWorld(readsOf(new FakeAvi(clusterOf(IPS), [ready()])), vmData())).map((f) => [f.key, f.value]));

  it('names each node\'s instance (role, state, AMI, type, subnet), root, Elastic IPs, the launch AMI, types and subnets', async () => {
    const f = await facts();
    expect(f['node 10.0.1.11 instance i-old-11']).toMatch(/^leader, running; AMI ami-nodes, m5\.2xlarge in subnet-11; security groups sg-avi; .*tags Name=ctl-10\.0\.1\.11$/);
    expect(f['node 10.0.1.12 root /dev/xvda']).toBe('vol-old-12 gp3 128 GiB 3000 IOPS 125 MiB/s, DeleteOnTermination false');
    expect(f['node 10.0.1.12 Elastic IPs']).toBe('eipalloc-12 (203.0.113.12)');
    expect(f['launch AMI ami-nodes']).toBe('available, root /dev/xvda snapshot snap-nodes');
    expect(f['instance type m5.2xlarge']).toBe('EBS encryption supported');
    expect(f['subnet subnet-13']).toBe('room for its 1 new VM');
    expectNoMutations(ec2);
  });

  it('reads otherwise when a node is re-typed or stopped, or its subnet fills; not when the subnet merely has fewer free addresses', async () => {
    const before = await facts();
    free['subnet-13'] = 5;
    expect(await facts()).toEqual(before);
    instances[0]!.InstanceType = 'm5.xlarge';
    instances[1]!.State = { Name: 'stopped' };
    free['subnet-13'] = 0;
    const after = await facts();
    const changed = Object.keys(before).filter((k) => before[k] !== after[k]).sort();
    expect(changed).toEqual(['node 10.0.1.12 instance i-old-12', 'node 10.0.1.13 instance i-old-13', 'subnet subnet-13']);
    expect(after['node 10.0.1.12 instance i-old-12']).toContain('m5.xlarge in subnet-12');
  });
});

describe('newVmProbeWrites', () => {
  it('the rollback\'s terminate and the leader\'s start, and each Elastic IP\'s move, on the old VMs, marked as beyond the plan', () => {
    const calls = newVmProbeWrites(vmData());
    expect(calls.map((c) => `${c.method} ${c.args.join(' ')}`)).toEqual([
      'terminateInstance i-old-12', 'associateAddress eipalloc-12 i-old-12',
      'terminateInstance i-old-13', 'associateAddress eipalloc-13 i-old-13',
      'terminateInstance i-old-11', 'startInstance i-old-11', 'associateAddress eipalloc-11 i-old-11',
    ]);
    expect(calls.every((c) => c.domain === 'ec2' && !!c.unplanned)).toBe(true);
  });
});
