// Describe* shapes round-trip through the real @aws-sdk/client-ec2; protocol edges (auth, unknown
// actions, /_lab/ paths, XML escaping) and the request log.

import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  CreateTagsCommand, DescribeAvailabilityZonesCommand, DescribeImagesCommand, DescribeInstancesCommand,
  DescribeSnapshotsCommand, DescribeSubnetsCommand, DescribeVolumesCommand, DescribeVpcsCommand,
  type DescribeInstancesCommandInput, paginateDescribeInstances,
} from '@aws-sdk/client-ec2';
import { failure, startLab, type Lab } from './aws-harness.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ nodes: 3 });
});
afterAll(async () => lab.close());

const instances = async (input: DescribeInstancesCommandInput) =>
  (await lab.ec2.send(new DescribeInstancesCommand(input))).Reservations?.flatMap((r) => r.Instances ?? []) ?? [];

describe('DescribeInstances', () => {
  it('returns the seeded Controllers with placement, root device, block devices and tags', async () => {
    const [node1, node2] = lab.seed.nodes;
    const [inst] = await instances({ InstanceIds: [node1!.instanceId] });
    expect(inst).toMatchObject({
      InstanceId: node1!.instanceId,
      ImageId: lab.seed.controllerAmiId,
      InstanceType: 'm5.2xlarge',
      State: { Code: 16, Name: 'running' },
      PrivateIpAddress: '10.10.1.11',
      VpcId: lab.seed.vpcId,
      Placement: { AvailabilityZone: 'us-west-2a' },
      RootDeviceName: '/dev/xvda',
      RootDeviceType: 'ebs',
      Tags: [{ Key: 'Name', Value: 'avi-controller-1' }],
    });
    expect(inst!.LaunchTime).toBeInstanceOf(Date);
    expect(inst!.StateReason).toBeUndefined();
    const bdm = inst!.BlockDeviceMappings!;
    expect(bdm.map((b) => b.DeviceName)).toEqual(['/dev/sdb', '/dev/xvda']);
    const root = bdm.find((b) => b.DeviceName === '/dev/xvda')!.Ebs!;
    expect(root).toMatchObject({ Status: 'attached', DeleteOnTermination: true, VolumeId: lab.world.rootVolume(node1!.instanceId)!.volumeId });
    expect(root.AttachTime).toBeInstanceOf(Date);
    const [second] = await instances({ InstanceIds: [node2!.instanceId] });
    expect(second!.BlockDeviceMappings).toEqual([
      expect.objectContaining({ DeviceName: '/dev/xvda', Ebs: expect.objectContaining({ DeleteOnTermination: false }) }),
    ]);
    expect(second!.Placement!.AvailabilityZone).toBe('us-west-2b');
  });

  it('filters by private IP, VPC, state and tag', async () => {
    const byIp = await instances({ Filters: [{ Name: 'private-ip-address', Values: ['10.10.1.12', '10.10.1.13'] }, { Name: 'vpc-id', Values: [lab.seed.vpcId] }] });
    expect(byIp.map((i) => i.PrivateIpAddress).sort()).toEqual(['10.10.1.12', '10.10.1.13']);
    expect(await instances({ Filters: [{ Name: 'instance-state-name', Values: ['stopped'] }] })).toEqual([]);
    const byTag = await instances({ Filters: [{ Name: 'tag:Name', Values: ['avi-controller-3'] }] });
    expect(byTag.map((i) => i.InstanceId)).toEqual([lab.seed.nodes[2]!.instanceId]);
    expect(await instances({ Filters: [{ Name: 'vpc-id', Values: ['vpc-0000000000000000a'] }] })).toEqual([]);
  });

  it('serves the SDK paginator in a single page', async () => {
    const ids: string[] = [];
    const filters = [{ Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] }];
    for await (const page of paginateDescribeInstances({ client: lab.ec2 }, { Filters: filters, MaxResults: 5 })) {
      ids.push(...(page.Reservations ?? []).flatMap((r) => r.Instances!.map((i) => i.InstanceId!)));
    }
    expect(ids.sort()).toEqual(lab.seed.nodes.map((n) => n.instanceId).sort());
  });

  it('refuses unknown, malformed ids and unknown filters the way EC2 does', async () => {
    expect((await failure(instances({ InstanceIds: ['i-0123456789abcdef0'] }))).name).toBe('InvalidInstanceID.NotFound');
    expect((await failure(instances({ InstanceIds: ['web-1'] }))).name).toBe('InvalidInstanceID.Malformed');
    const bad = await failure(instances({ Filters: [{ Name: 'bogus', Values: ['x'] }] }));
    expect(bad.name).toBe('InvalidParameterValue');
    expect(bad.$metadata.httpStatusCode).toBe(400);
  });
});

describe('DescribeVolumes', () => {
  it('shows size, type, performance, encryption and attachments', async () => {
    const node1 = lab.seed.nodes[0]!.instanceId;
    const { Volumes } = await lab.ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [node1] }] }));
    expect(Volumes).toHaveLength(2);
    const root = Volumes!.find((v) => v.Attachments?.[0]?.Device === '/dev/xvda')!;
    expect(root).toMatchObject({
      Size: 128, VolumeType: 'gp3', Iops: 3000, Throughput: 125, Encrypted: false, State: 'in-use',
      AvailabilityZone: 'us-west-2a',
      Attachments: [expect.objectContaining({ InstanceId: node1, State: 'attached', DeleteOnTermination: true })],
    });
    expect(root.KmsKeyId).toBeUndefined();
    const byStatus = await lab.ec2.send(new DescribeVolumesCommand({
      Filters: [{ Name: 'status', Values: ['in-use'] }, { Name: 'availability-zone', Values: ['us-west-2c'] }],
    }));
    expect(byStatus.Volumes!.map((v) => v.Attachments![0]!.InstanceId)).toEqual([lab.seed.nodes[2]!.instanceId]);
    expect((await failure(lab.ec2.send(new DescribeVolumesCommand({ VolumeIds: ['vol-0123456789abcdef0'] })))).name)
      .toBe('InvalidVolume.NotFound');
  });

  it('round-trips tags with XML special characters through CreateTags and tag filters', async () => {
    const volumeId = lab.world.rootVolume(lab.seed.nodes[1]!.instanceId)!.volumeId;
    const value = `<a & "b"> 'c'`;
    await lab.ec2.send(new CreateTagsCommand({ Resources: [volumeId], Tags: [{ Key: 'avi-encrypt:note', Value: value }] }));
    const { Volumes } = await lab.ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'tag:avi-encrypt:note', Values: [value] }] }));
    expect(Volumes!.map((v) => v.VolumeId)).toEqual([volumeId]);
    expect(Volumes![0]!.Tags).toEqual(expect.arrayContaining([{ Key: 'avi-encrypt:note', Value: value }]));
  });
});

describe('images, snapshots and the network', () => {
  it('describes the unencrypted Controller AMI and its encrypted copy', async () => {
    const { Images } = await lab.ec2.send(new DescribeImagesCommand({ ImageIds: [lab.seed.controllerAmiId, lab.seed.encryptedAmiId] }));
    expect(Images!.map((i) => i.Name)).toEqual(['Avi-Controller-22.1.3-9096', 'Avi-Controller-22.1.3-9096-encrypted']);
    const copy = Images![1]!;
    expect(copy).toMatchObject({ State: 'available', RootDeviceName: '/dev/xvda' });
    expect(copy.BlockDeviceMappings![0]).toMatchObject({
      DeviceName: '/dev/xvda', Ebs: { SnapshotId: lab.seed.encryptedSnapshotId, VolumeSize: 128, Encrypted: true },
    });
    const { Snapshots } = await lab.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [lab.seed.encryptedSnapshotId] }));
    expect(Snapshots![0]).toMatchObject({ State: 'completed', Encrypted: true, KmsKeyId: lab.seed.customerKeyArn, VolumeSize: 128, Progress: '100%' });
    expect((await failure(lab.ec2.send(new DescribeImagesCommand({ ImageIds: ['ami-0123456789abcdef0'] })))).name).toBe('InvalidAMIID.NotFound');
    expect((await failure(lab.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: ['snap-0123456789abcdef0'] })))).name)
      .toBe('InvalidSnapshot.NotFound');
  });

  it('describes the VPC, its subnets and the zones they are in', async () => {
    const { Vpcs } = await lab.ec2.send(new DescribeVpcsCommand({ VpcIds: [lab.seed.vpcId] }));
    expect(Vpcs).toEqual([expect.objectContaining({ VpcId: lab.seed.vpcId, CidrBlock: '10.10.0.0/16', State: 'available' })]);
    const { Subnets } = await lab.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [lab.seed.vpcId] }] }));
    expect(Subnets!.map((s) => s.AvailabilityZone).sort()).toEqual(['us-west-2a', 'us-west-2b', 'us-west-2c']);
    const { AvailabilityZones } = await lab.ec2.send(new DescribeAvailabilityZonesCommand({}));
    expect(AvailabilityZones!.map((z) => [z.ZoneName, z.ZoneId, z.State])).toEqual([
      ['us-west-2a', 'usw2-az1', 'available'], ['us-west-2b', 'usw2-az2', 'available'], ['us-west-2c', 'usw2-az3', 'available'],
    ]);
  });
});

describe('protocol edges', () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(lab.endpoint, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  const signed = { authorization: 'AWS4-HMAC-SHA256 Credential=AKIDLAB/20260101/us-west-2/ec2/aws4_request, SignedHeaders=host, Signature=0' };

  it('answers unknown actions with InvalidAction in the EC2 error document', async () => {
    const res = await post('Action=CreateReplaceRootVolumeTask&Version=2016-11-15', signed);
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain('<Response><Errors><Error><Code>InvalidAction</Code>');
    expect(text).toContain('<RequestID>');
  });

  it('requires a SigV4 Authorization header', async () => {
    const res = await post('Action=DescribeVpcs&Version=2016-11-15');
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('<Code>AuthFailure</Code>');
    const kms = await fetch(lab.endpoint, { method: 'POST', body: '{}', headers: { 'x-amz-target': 'TrentService.ListKeys' } });
    expect(await kms.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });

  it('leaves /_lab/ paths to the lab endpoints', async () => {
    expect((await fetch(`${lab.endpoint}/_lab/requests`, { headers: signed })).status).toBe(404);
  });

  it('logs every request, marking which ones mutate', () => {
    const entries = lab.log.list();
    expect(entries.length).toBeGreaterThan(10);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    expect(entries.find((e) => e.operation === 'CreateTags')).toMatchObject({ service: 'ec2', mutating: true, status: 200 });
    expect(entries.find((e) => e.operation === 'DescribeImages')).toMatchObject({ mutating: false });
    expect(entries.find((e) => e.error === 'InvalidInstanceID.NotFound')).toMatchObject({ operation: 'DescribeInstances', status: 400 });
  });
});
