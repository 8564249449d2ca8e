// RunInstances and TerminateInstances through the real SDK: addresses from the subnet, the root
// block-device mapping (the single-step encrypted launch), ClientToken, counts, the refusals AWS
// documents, and termination with DeleteOnTermination and Elastic IPs.

import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import {
  DescribeAddressesCommand, DescribeInstancesCommand, RunInstancesCommand, TerminateInstancesCommand, type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { parseIamPolicy } from '../../src/lab/aws/iam-policy.js';
import { REGION, failure, startLab, until, type Lab, type LabRules } from './aws-harness.js';

let lab: Lab;
const start = async (rules: LabRules = {}) => (lab = await startLab({ nodes: 3, scale: 0.002, ...rules }));
beforeEach(async () => start());
afterEach(async () => lab.close());

const base = (): RunInstancesCommandInput => ({
  ImageId: lab.seed.controllerAmiId, InstanceType: 'm5.2xlarge', MinCount: 1, MaxCount: 1, SubnetId: lab.seed.subnetIds[0]!,
});
const run = (input: Partial<RunInstancesCommandInput> = {}) => lab.ec2.send(new RunInstancesCommand({ ...base(), ...input }));
const state = (id: string) => lab.world.instances.get(id)!.state;
const encryptedRoot = (KmsKeyId?: string, extra: object = {}) => ({
  BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, ...(KmsKeyId ? { KmsKeyId } : {}), ...extra } }],
});

describe('RunInstances', () => {
  it('launches pending into the subnet with a free private IP, groups, profile and tags, then runs after the start time', async () => {
    const began = Date.now();
    const out = await run({
      SecurityGroupIds: [lab.seed.securityGroupId], IamInstanceProfile: { Arn: lab.seed.instanceProfileArn },
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'new-1' }] }, { ResourceType: 'volume', Tags: [{ Key: 'role', Value: 'root' }] }],
    });
    const inst = out.Instances![0]!;
    // 10.10.1.0-3 are AWS's reserved addresses; 10.10.1.4 is the first an instance can get.
    expect(inst).toMatchObject({
      State: { Name: 'pending' }, PrivateIpAddress: '10.10.1.4', SubnetId: lab.seed.subnetIds[0], Placement: { AvailabilityZone: `${REGION}a` },
      SecurityGroups: [{ GroupId: lab.seed.securityGroupId, GroupName: 'avi-controller' }], IamInstanceProfile: { Arn: lab.seed.instanceProfileArn },
      Tags: [{ Key: 'Name', Value: 'new-1' }], ProductCodes: [{ ProductCodeId: lab.seed.productCode, ProductCodeType: 'marketplace' }],
    });
    expect(out.ReservationId).toMatch(/^r-[0-9a-f]{17}$/);
    const root = lab.world.rootVolume(inst.InstanceId!)!;
    expect(root).toMatchObject({ size: 128, volumeType: 'gp3', encrypted: false, content: 'fresh', tags: { role: 'root' }, attachment: { deleteOnTermination: true } });
    await until(() => state(inst.InstanceId!) === 'running');
    expect(Date.now() - began).toBeGreaterThanOrEqual(lab.world.clock.scaled(20_000) - 5);
    const second = await run();
    expect(second.Instances![0]!.PrivateIpAddress).toBe('10.10.1.5');
  });

  it('encrypts the root in a single step from the unencrypted AMI, with the key, size, type and DeleteOnTermination asked', async () => {
    const out = await run(encryptedRoot(lab.seed.customerKeyAlias, { VolumeSize: 200, VolumeType: 'gp2', DeleteOnTermination: false }));
    const id = out.Instances![0]!.InstanceId!;
    expect(lab.world.rootVolume(id)).toMatchObject({
      encrypted: true, kmsKeyArn: lab.seed.customerKeyArn, size: 200, volumeType: 'gp2', attachment: { deleteOnTermination: false },
    });
    await until(() => state(id) === 'running');
  });

  it('honours the asked private IP, and refuses one in use or outside the subnet', async () => {
    expect((await run({ PrivateIpAddress: '10.10.1.50' })).Instances![0]!.PrivateIpAddress).toBe('10.10.1.50');
    const taken = await failure(run({ PrivateIpAddress: lab.seed.nodes[0]!.ip }));
    expect({ name: taken.name, message: taken.message }).toEqual({ name: 'InvalidIPAddress.InUse', message: `Address ${lab.seed.nodes[0]!.ip} is in use.` });
    expect((await failure(run({ PrivateIpAddress: '10.10.9.9' }))).name).toBe('InvalidParameterValue');
    expect((await failure(run({ PrivateIpAddress: '10.10.1.2' }))).name).toBe('InvalidParameterValue');
  });

  it('is idempotent with a ClientToken, refuses the token with other parameters, and after termination', async () => {
    const first = await run({ ClientToken: 'run-1:node-1:launch' });
    const count = lab.world.instances.size;
    const again = await run({ ClientToken: 'run-1:node-1:launch' });
    expect(again.Instances!.map((i) => i.InstanceId)).toEqual(first.Instances!.map((i) => i.InstanceId));
    expect(again.Instances![0]!.ClientToken).toBe('run-1:node-1:launch');
    expect(lab.world.instances.size).toBe(count);
    expect((await failure(run({ ClientToken: 'run-1:node-1:launch', InstanceType: 'm5.xlarge' }))).name).toBe('IdempotentParameterMismatch');
    const id = first.Instances![0]!.InstanceId!;
    await lab.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await until(() => state(id) === 'terminated');
    expect((await failure(run({ ClientToken: 'run-1:node-1:launch' }))).name).toBe('IdempotentInstanceTerminated');
  });

  it('launches as many as fit between MinCount and MaxCount in one reservation, else InsufficientFreeAddressesInSubnet', async () => {
    const small = { subnetId: 'subnet-0000000000000abcd', vpcId: lab.seed.vpcId, cidr: '10.10.200.0/28', availabilityZone: `${REGION}a` };
    lab.world.subnets.set(small.subnetId, small);
    const out = await run({ SubnetId: small.subnetId, MinCount: 2, MaxCount: 20 });
    // A /28 has 16 addresses, 5 of them reserved by AWS.
    expect(out.Instances).toHaveLength(11);
    expect(out.Instances!.map((i) => i.AmiLaunchIndex)).toEqual([...Array(11).keys()]);
    const desc = await lab.ec2.send(new DescribeInstancesCommand({ InstanceIds: out.Instances!.map((i) => i.InstanceId!) }));
    expect(desc.Reservations!.map((r) => r.ReservationId)).toEqual([out.ReservationId]);
    const full = await failure(run({ SubnetId: small.subnetId }));
    expect({ name: full.name, message: full.message }).toEqual({
      name: 'InsufficientFreeAddressesInSubnet', message: `There are not enough free addresses in subnet '${small.subnetId}' to satisfy the requested number of instances.`,
    });
  });

  it('refuses encrypted volumes on instance types without EBS encryption, including the default m1.small', async () => {
    for (const InstanceType of ['m1.small', 't1.micro', undefined] as const) {
      const input = { ...encryptedRoot(lab.seed.customerKeyArn), InstanceType };
      const err = await failure(run(input));
      expect({ type: InstanceType, name: err.name }).toEqual({ type: InstanceType, name: 'EncryptedVolumesNotSupported' });
    }
    expect((await run({ InstanceType: 'm1.small' })).Instances![0]!.InstanceType).toBe('m1.small');
  });

  it('refuses unknown subnets, groups, profiles and AMIs; launches the public Marketplace listing', async () => {
    expect((await failure(run({ SubnetId: 'subnet-0123456789abcdef0' }))).name).toBe('InvalidSubnetID.NotFound');
    expect((await failure(run({ SecurityGroupIds: ['sg-0123456789abcdef0'] }))).name).toBe('InvalidGroup.NotFound');
    const profile = await failure(run({ IamInstanceProfile: { Name: 'NoSuchRole' } }));
    expect(profile.message).toContain('Invalid IAM Instance Profile ARN');
    expect((await failure(run({ ImageId: 'ami-0123456789abcdef0' }))).name).toBe('InvalidAMIID.NotFound');
    expect((await failure(run({ SubnetId: undefined }))).name).toBe('VPCIdNotSpecified');
    const listing = await run({ ImageId: lab.seed.marketplaceAmiId, NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: lab.seed.subnetIds[1]!, Groups: [lab.seed.securityGroupId] }], SubnetId: undefined });
    expect(listing.Instances![0]).toMatchObject({ SubnetId: lab.seed.subnetIds[1], ImageId: lab.seed.marketplaceAmiId });
  });

  it('accepts an unknown key, then the launch fails: pending -> terminated with Client.InternalError', async () => {
    const out = await run(encryptedRoot('alias/no-such-key'));
    const id = out.Instances![0]!.InstanceId!;
    expect(out.Instances![0]!.State!.Name).toBe('pending');
    await until(() => state(id) === 'terminated');
    const inst = (await lab.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!;
    expect(inst.StateReason).toEqual({ Code: 'Client.InternalError', Message: 'Client.InternalError: Client error on launch' });
  });

  it('terminates the launch when the caller may not create a grant on the key', async () => {
    await lab.close();
    await start({ policy: parseIamPolicy(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }] })) });
    const id = (await run(encryptedRoot(lab.seed.customerKeyArn))).Instances![0]!.InstanceId!;
    await until(() => state(id) === 'terminated');
    expect(lab.world.instances.get(id)!.stateReason?.code).toBe('Client.InternalError');
  });

  it('hides the new instance for the consistency delay', async () => {
    await lab.close();
    await start({ consistencyDelayMs: 60_000 });
    const id = (await run()).Instances![0]!.InstanceId!;
    expect((await failure(lab.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] })))).name).toBe('InvalidInstanceID.NotFound');
  });
});

describe('TerminateInstances', () => {
  it('goes shutting-down then terminated, deletes DeleteOnTermination volumes, frees the others and the Elastic IP, and is idempotent', async () => {
    const id = lab.seed.nodes[0]!.instanceId;
    const root = lab.world.rootVolume(id)!.volumeId;
    const data = lab.world.instances.get(id)!.devices['/dev/sdb']!;
    const out = await lab.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    expect(out.TerminatingInstances).toEqual([{ InstanceId: id, CurrentState: { Code: 32, Name: 'shutting-down' }, PreviousState: { Code: 16, Name: 'running' } }]);
    await until(() => state(id) === 'terminated');
    expect(lab.world.volumes.has(root)).toBe(false);
    expect(lab.world.volumes.get(data)).toMatchObject({ state: 'available' });
    expect(lab.world.volumes.get(data)!.attachment).toBeUndefined();
    const eip = (await lab.ec2.send(new DescribeAddressesCommand({ AllocationIds: [lab.seed.elasticIps[0]!.allocationId] }))).Addresses![0]!;
    expect(eip.InstanceId).toBeUndefined();
    const again = await lab.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    expect(again.TerminatingInstances![0]).toMatchObject({ CurrentState: { Name: 'terminated' }, PreviousState: { Name: 'terminated' } });
    const inst = (await lab.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!;
    expect(inst.BlockDeviceMappings).toEqual([]);
    expect(lab.world.instanceByPrivateIp(lab.seed.nodes[0]!.ip)).toBeUndefined();
  });

  it('keeps a root whose DeleteOnTermination is false, and logs the new actions as mutating', async () => {
    const id = lab.seed.nodes[1]!.instanceId;
    const root = lab.world.rootVolume(id)!.volumeId;
    await lab.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await until(() => state(id) === 'terminated');
    expect(lab.world.volumes.get(root)!.state).toBe('available');
    await run();
    const ops = lab.log.list();
    for (const op of ['TerminateInstances', 'RunInstances']) expect(ops.find((r) => r.operation === op)).toMatchObject({ mutating: true, status: 200 });
  });
});
