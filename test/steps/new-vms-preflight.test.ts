// controller-new-vms preflight over the real gateway (mocked EC2): a 1-node cluster is refused
// with the way to controller-swap; discovery reads what each replacement needs and the Elastic IPs;
// check-launch refuses a type without EBS encryption, a subnet without free addresses and an
// encrypted AMI under another key, asks for the node password up front, and reads nothing else.
import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  DescribeImagesCommand, DescribeInstanceTypesCommand, DescribeSnapshotsCommand, DescribeSubnetsCommand, DescribeVolumesCommand, EC2Client, type Instance,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { TAG } from '../../src/aws/types.js';
import { PreflightError } from '../../src/steps/errors.js';
import type { NewVmsData } from '../../src/steps/new-vms/context.js';
import { FakeAvi, KEY_ARN, OTHER_KEY_ARN, clusterOf, expectNoMutations, rejection, runtimeOf, sdkVolume, signal } from './helpers.js';
import { IPS, installLaunchWorld, sdkVm, vmData, vmEffects } from './new-vms-fixtures.js';

const ec2 = mockClient(EC2Client);
const [F1, F2, LEADER] = IPS as [string, string, string];
const ready = runtimeOf('CLUSTER_UP_HA_ACTIVE', IPS.map((ip) => ({ ip, role: ip === LEADER ? 'CLUSTER_LEADER' : 'CLUSTER_FOLLOWER' })));

let instances: Instance[];
beforeEach(() => {
  ec2.reset();
  instances = IPS.map((ip) => sdkVm(`i-${ip}`, 'running', {
    PrivateIpAddress: ip, ImageId: 'ami-nodes', InstanceType: 'm5.2xlarge', SubnetId: `subnet-${ip}`, SecurityGroups: [{ GroupId: 'sg-avi' }],
    IamInstanceProfile: { Arn: 'arn:aws:iam::1:instance-profile/avi' },
    Tags: [{ Key: 'Name', Value: `ctl-${ip}` }, { Key: 'aws:cloudformation:stack-name', Value: 's' }, { Key: `${TAG.inFlightPrefix}old`, Value: 'in-flight' }],
  }));
  installLaunchWorld(ec2, { instances, addresses: [{ AllocationId: 'eipalloc-1', PublicIp: '203.0.113.9', InstanceId: `i-${F2}` }] });
  ec2.on(DescribeVolumesCommand).callsFake((input: { VolumeIds?: string[] }) => ({
    Volumes: (input.VolumeIds ?? []).map((id) => sdkVolume({ id, state: 'in-use', size: 100, type: 'gp3', iops: 3000, throughput: 125 })),
  }));
});

const discover = (avi: FakeAvi, data: NewVmsData = vmData({ nodes: [] })) => vmEffects(avi).effects['discover-nodes'].run({
  runId: 'r', data, item: data, key: '', parents: [], deadline: Date.now() + 60_000, report: () => undefined,
}, signal());

describe('discover-nodes (controller-new-vms)', () => {
  it('a 1-node cluster is refused in one line pointing to controller-swap, before any EC2 call', async () => {
    const e = await rejection(discover(new FakeAvi(clusterOf([F1]), [runtimeOf('CLUSTER_UP_NO_HA', [])])));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toMatch(/has 1 node;.*use --strategy controller-swap/);
    expect(e.message).not.toContain('\n');
    expect(ec2.calls()).toHaveLength(0);
  });

  it('reads what each replacement needs, the user tags only, the Elastic IPs, the nodes\' AMI; followers first', async () => {
    const out = await discover(new FakeAvi(clusterOf(IPS.slice().reverse()), [ready]));
    expect(out).toMatchObject({ launchImageId: 'ami-nodes', clusterUuid: 'cluster-0c1d2e3f' });
    const nodes = (out as NewVmsData).nodes;
    expect(nodes.map((n) => [n.ip, n.role])).toEqual([[F2, 'follower'], [F1, 'follower'], [LEADER, 'leader']]);
    expect(nodes[0]).toEqual({
      ip: F2, role: 'follower', instanceId: `i-${F2}`, subnetId: `subnet-${F2}`, availabilityZone: 'eu-west-1a', instanceType: 'm5.2xlarge',
      securityGroupIds: ['sg-avi'], iamInstanceProfileArn: 'arn:aws:iam::1:instance-profile/avi', userTags: { Name: `ctl-${F2}` },
      rootVolumeId: `vol-i-${F2}`, deleteOnTermination: false, volumeType: 'gp3', size: 100, iops: 3000, throughput: 125,
      elasticIps: [{ allocationId: 'eipalloc-1', publicIp: '203.0.113.9' }],
    });
    expect(nodes[1]!.elasticIps).toEqual([]);
    expectNoMutations(ec2);
  });

  it('with --encrypted-ami the new VMs launch from it; nodes on different AMIs need it', async () => {
    const out = await discover(new FakeAvi(clusterOf(IPS), [ready]), vmData({ nodes: [], encryptedAmi: 'ami-enc' }));
    expect(out).toMatchObject({ launchImageId: 'ami-enc' });
    instances[0]!.ImageId = 'ami-other';
    const e = await rejection(discover(new FakeAvi(clusterOf(IPS), [ready])));
    expect(e.message).toMatch(/run from different AMIs .*pass --encrypted-ami/);
  });
});

describe('check-launch', () => {
  const image = (snapshot: string) => ({ Images: [{ ImageId: 'ami-x', State: 'available' as const, RootDeviceName: '/dev/sda1', BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { SnapshotId: snapshot } }] }] });
  const types = (support: Record<string, string>) => ec2.on(DescribeInstanceTypesCommand).callsFake((i: { InstanceTypes: string[] }) => ({
    InstanceTypes: i.InstanceTypes.map((t) => ({ InstanceType: t, EbsInfo: { EncryptionSupport: support[t] ?? 'supported' } })),
  }));
  const subnets = (free: Record<string, number>) => ec2.on(DescribeSubnetsCommand).callsFake((i: { SubnetIds: string[] }) => ({
    Subnets: i.SubnetIds.map((s) => ({ SubnetId: s, VpcId: 'vpc-1', AvailabilityZone: 'eu-west-1b', AvailableIpAddressCount: free[s] ?? 200 })),
  }));
  const check = (data: NewVmsData, asked: string[] = []) => {
    const { deps, effects } = vmEffects(new FakeAvi(clusterOf(IPS), [ready]));
    deps.nodePassword = async () => (asked.push('asked'), 'pw');
    return effects['check-launch'].run({ runId: 'r', data, item: data, key: '', parents: [], deadline: Date.now() + 60_000, report: () => undefined }, signal());
  };

  it('the nodes\' AMI: its root device, the types and subnets checked, the node password asked for up front', async () => {
    ec2.on(DescribeImagesCommand).resolves(image('snap-marketplace'));
    types({});
    subnets({});
    const asked: string[] = [];
    expect(await check(vmData(), asked)).toEqual({ launchRootDevice: '/dev/sda1' });
    expect(asked).toEqual(['asked']);
    // A Marketplace snapshot may not be describable: the default path never asks for it.
    expect(ec2).not.toHaveReceivedCommand(DescribeSnapshotsCommand);
    expectNoMutations(ec2);
  });

  it('an encrypted AMI under another key is refused, naming both keys', async () => {
    ec2.on(DescribeImagesCommand).resolves(image('snap-enc'));
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-enc', State: 'completed', Encrypted: true, KmsKeyId: OTHER_KEY_ARN, VolumeSize: 128 }] });
    const e = await rejection(check(vmData({ encryptedAmi: 'ami-enc', launchImageId: 'ami-enc' })));
    expect(e.message).toContain(`encrypted with ${OTHER_KEY_ARN}, not ${KEY_ARN}`);
  });

  it('an encrypted AMI of another region is not found here: refused with the way out', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [] });
    const e = await rejection(check(vmData({ encryptedAmi: 'ami-elsewhere', launchImageId: 'ami-elsewhere' })));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toMatch(/AMI ami-elsewhere was not found in this region .*CopyImage/);
  });

  it('an instance type without EBS encryption is refused, naming the type and the node', async () => {
    ec2.on(DescribeImagesCommand).resolves(image('snap'));
    const data = vmData();
    data.nodes[1]!.instanceType = 'm1.large';
    types({ 'm1.large': 'unsupported' });
    subnets({});
    const e = await rejection(check(data));
    expect(e.message).toMatch(/instance type m1\.large \(node 10\.0\.1\.13\) cannot attach encrypted EBS volumes/);
  });

  it('a subnet without enough free addresses for its new VMs is refused', async () => {
    ec2.on(DescribeImagesCommand).resolves(image('snap'));
    const data = vmData();
    for (const n of data.nodes) n.subnetId = 'subnet-shared';
    types({});
    subnets({ 'subnet-shared': 2 });
    const e = await rejection(check(data));
    expect(e.message).toMatch(/subnet subnet-shared \(eu-west-1b\) has 2 free private addresses; the new VMs of .* need 3/);
  });
});
