// Replays controller-new-vms' AWS calls through OUR gateway against a real moto_server: the reads
// that fit a launch (subnet, instance type, Elastic IPs, instances by tag), the single-step encrypted
// launch, moving an Elastic IP with AllowReassociation, and TerminateInstances. Fixtures use raw SDK
// commands; moto gaps are marked "moto gap" (shared reference aws-ec2-kms.md, part B).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import {
  AllocateAddressCommand, AssociateAddressCommand, DescribeSubnetsCommand, RegisterImageCommand, RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js';
import { clientToken } from '../../src/aws/client-token.js';
import { createAwsGateway } from '../../src/aws/gateway.js';
import { TAG, type AwsGateway, type InstanceInfo } from '../../src/aws/types.js';
import { freeLoopbackPort, startMoto } from './moto-server.js';

const REGION = 'us-east-1';
const ROOT = '/dev/sda1'; // moto gap: every moto AMI roots at /dev/sda1.
const RUN_ID = 'run-conformance-new-vms';
const ENV = ['AWS_ENDPOINT_URL_EC2', 'AWS_ENDPOINT_URL_KMS', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'];

describe('AwsGateway against moto_server: new Controller VMs', () => {
  const savedEnv = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
  let moto: ChildProcess | undefined;
  let clients: AwsClients;
  let gateway: AwsGateway;
  let keyArn: string, imageId: string, subnetId: string, oldId: string, allocationId: string;
  let launched: InstanceInfo;
  const tags = { [TAG.runId]: RUN_ID, [TAG.role]: 'controller-replacement', [TAG.node]: '10.0.0.10' };

  beforeAll(async () => {
    const port = await freeLoopbackPort();
    moto = await startMoto(port);
    const url = `http://127.0.0.1:${port}`;
    for (const k of ['AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete process.env[k];
    Object.assign(process.env, { AWS_ENDPOINT_URL_EC2: url, AWS_ENDPOINT_URL_KMS: url, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    clients = createAwsClients({ region: REGION });
    gateway = createAwsGateway(clients);
    const { ec2, kms } = clients;
    keyArn = (await kms.send(new CreateKeyCommand({ KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT' }))).KeyMetadata?.Arn ?? '';
    imageId = (await ec2.send(new RegisterImageCommand({ Name: 'Avi-Controller-22.1.6', RootDeviceName: ROOT }))).ImageId ?? '';
    const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }, { Name: 'availability-zone', Values: [`${REGION}a`] }] }));
    subnetId = subnets.Subnets?.[0]?.SubnetId ?? '';
    const old = await ec2.send(new RunInstancesCommand({ ImageId: imageId, MinCount: 1, MaxCount: 1, InstanceType: 'm5.2xlarge', SubnetId: subnetId }));
    oldId = old.Instances?.[0]?.InstanceId ?? '';
    allocationId = (await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId ?? '';
    await ec2.send(new AssociateAddressCommand({ AllocationId: allocationId, InstanceId: oldId }));
  }, 60_000);

  afterAll(async () => {
    clients?.ec2.destroy();
    clients?.kms.destroy();
    moto?.kill();
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('reads the subnet\'s free addresses, the instance type\'s EBS encryption support and the old VM\'s Elastic IP', async () => {
    const subnet = await gateway.describeSubnet(subnetId);
    expect(subnet).toMatchObject({ subnetId, availabilityZone: `${REGION}a` });
    expect(subnet.availableIpAddressCount).toBeGreaterThan(0);
    expect(await gateway.describeInstanceType('m5.2xlarge')).toEqual({ instanceType: 'm5.2xlarge', ebsEncryptionSupported: true });
    expect(await gateway.findAddressesOfInstances([oldId])).toEqual([expect.objectContaining({ allocationId, instanceId: oldId })]);
    const old = await gateway.describeInstance(oldId);
    expect(old).toMatchObject({ subnetId, imageId, instanceType: 'm5.2xlarge' });
  });

  it('launches with an encrypted root and tags, found again by its tags', async () => {
    launched = await gateway.runInstance({
      imageId, instanceType: 'm5.2xlarge', subnetId, securityGroupIds: [],
      // moto gap: a root mapping needs VolumeSize or SnapshotId; the runbook always sends VolumeSize.
      root: { device: ROOT, kmsKeyId: keyArn, deleteOnTermination: true, volumeType: 'gp3', volumeSize: 16 },
      clientToken: clientToken(RUN_ID, 'launch:10.0.0.10:0'), tags: { ...tags, Name: 'ctl-new' }, volumeTags: { [TAG.runId]: RUN_ID },
    });
    expect(launched.privateIp).toBeDefined();
    const found = await gateway.findInstancesByTags(tags);
    expect(found.map((i) => i.instanceId)).toEqual([launched.instanceId]);
    const now = await gateway.describeInstance(launched.instanceId);
    const root = now.blockDevices.find((b) => b.device === now.rootDeviceName)!;
    expect(await gateway.describeVolume(root.volumeId)).toMatchObject({ encrypted: true, kmsKeyId: keyArn });
  });

  it('moves the Elastic IP with AllowReassociation, then terminates the VM', async () => {
    await gateway.associateAddress(allocationId, launched.instanceId);
    expect(await gateway.describeAddress(allocationId)).toMatchObject({ allocationId, instanceId: launched.instanceId });
    await gateway.terminateInstance(launched.instanceId);
    await gateway.terminateInstance(launched.instanceId); // idempotent by default
    expect(['shutting-down', 'terminated']).toContain((await gateway.describeInstance(launched.instanceId)).state);
  });
});
