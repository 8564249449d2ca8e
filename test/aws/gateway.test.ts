// Gateway reads over a mocked SDK: request shapes, response mapping, error mapping. Writes: gateway-writes.test.ts.
import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createAwsGateway } from '../../src/aws/gateway.js';
import { AwsError } from '../../src/aws/types.js';
import { KEY_ARN, awsFailure, failure } from './sdk-errors.js';

const ec2Mock = mockClient(EC2Client);
const kmsMock = mockClient(KMSClient);
const gateway = createAwsGateway({
  ec2: new EC2Client({ region: 'us-east-1' }),
  kms: new KMSClient({ region: 'us-east-1' }),
});

beforeEach(() => {
  ec2Mock.reset();
  kmsMock.reset();
});

describe('KMS reads', () => {
  it('describeKey maps key metadata', async () => {
    kmsMock.on(DescribeKeyCommand).resolves({
      KeyMetadata: {
        KeyId: '0b7f3f5e-1111-4222-8333-944444444444',
        Arn: KEY_ARN,
        KeyState: 'Enabled',
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeyManager: 'CUSTOMER',
      },
    });
    const key = await gateway.describeKey('alias/avi');
    expect(kmsMock).toHaveReceivedCommandWith(DescribeKeyCommand, { KeyId: 'alias/avi' });
    expect(key).toEqual({
      keyId: '0b7f3f5e-1111-4222-8333-944444444444',
      arn: KEY_ARN,
      state: 'Enabled',
      spec: 'SYMMETRIC_DEFAULT',
      usage: 'ENCRYPT_DECRYPT',
      manager: 'CUSTOMER',
    });
  });

  it('falls back to the deprecated CustomerMasterKeySpec', async () => {
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT' } });
    expect((await gateway.describeKey('k')).spec).toBe('SYMMETRIC_DEFAULT');
  });

  it('maps NotFoundException to AwsError', async () => {
    kmsMock.on(DescribeKeyCommand).rejects(awsFailure('NotFoundException', "Alias 'alias/nope' is not found.", 'kms-req'));
    const error = await failure(gateway.describeKey('alias/nope'));
    expect(error.code).toBe('NotFoundException');
    expect(error.operation).toBe('DescribeKey');
    expect(error.message).toBe("DescribeKey failed: NotFoundException: Alias 'alias/nope' is not found. (request kms-req)");
  });
});

describe('EC2 reads', () => {
  it('describeImage picks the snapshot behind the root device', async () => {
    ec2Mock.on(DescribeImagesCommand, { ImageIds: ['ami-1'] }).resolves({
      Images: [
        {
          ImageId: 'ami-1',
          Name: 'Avi-Controller-encrypted',
          State: 'available',
          RootDeviceName: '/dev/xvda',
          BlockDeviceMappings: [
            { DeviceName: '/dev/sdb', Ebs: { SnapshotId: 'snap-data' } },
            { DeviceName: 'xvda', Ebs: { SnapshotId: 'snap-root', VolumeSize: 128 } },
          ],
          OwnerId: '679593333241',
          ImageOwnerAlias: 'aws-marketplace',
          ProductCodes: [{ ProductCodeId: 'b3avictrl22marketplace9x1', ProductCodeType: 'marketplace' }],
          Tags: [{ Key: 'Name', Value: 'ctl' }],
        },
      ],
    });
    expect(await gateway.describeImage('ami-1')).toEqual({
      imageId: 'ami-1',
      name: 'Avi-Controller-encrypted',
      state: 'available',
      rootDeviceName: '/dev/xvda',
      rootSnapshotId: 'snap-root',
      rootVolumeSize: 128,
      snapshotIds: ['snap-data', 'snap-root'],
      ownerId: '679593333241',
      ownerAlias: 'aws-marketplace',
      productCodes: ['b3avictrl22marketplace9x1'],
      tags: { Name: 'ctl' },
    });
  });

  it('describeImage carries the StateReason of a failed image', async () => {
    ec2Mock.on(DescribeImagesCommand, { ImageIds: ['ami-2'] }).resolves({
      Images: [{ ImageId: 'ami-2', State: 'failed', RootDeviceName: '/dev/xvda', StateReason: { Code: 'Client.InvalidKMSKey.InvalidState', Message: 'key unusable' } }],
    });
    expect((await gateway.describeImage('ami-2')).stateReason).toEqual({ code: 'Client.InvalidKMSKey.InvalidState', message: 'key unusable' });
  });

  it('findImagesByTags asks for this account\'s own images (Owners=self) with every tag', async () => {
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: 'ami-3', State: 'pending', RootDeviceName: '/dev/xvda' }] });
    const found = await gateway.findImagesByTags({ 'avi-encrypt:run-id': 'r1', 'avi-encrypt:role': 'encrypted-ami' });
    expect(found.map((i) => i.imageId)).toEqual(['ami-3']);
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeImagesCommand, {
      Owners: ['self'],
      Filters: [{ Name: 'tag:avi-encrypt:run-id', Values: ['r1'] }, { Name: 'tag:avi-encrypt:role', Values: ['encrypted-ami'] }],
    });
    await expect(gateway.findImagesByTags({})).rejects.toThrow('at least one tag');
  });

  it('describeImage reports an empty answer (deregistered AMI) as InvalidAMIID.NotFound', async () => {
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [] });
    const error = await failure(gateway.describeImage('ami-gone'));
    expect([error.code, error.operation]).toEqual(['InvalidAMIID.NotFound', 'DescribeImages']);
  });

  it('describeSnapshot maps encryption', async () => {
    ec2Mock.on(DescribeSnapshotsCommand, { SnapshotIds: ['snap-1'] }).resolves({
      Snapshots: [{ SnapshotId: 'snap-1', State: 'completed', Encrypted: true, KmsKeyId: KEY_ARN, VolumeSize: 128 }],
    });
    expect(await gateway.describeSnapshot('snap-1')).toEqual({
      snapshotId: 'snap-1',
      state: 'completed',
      encrypted: true,
      kmsKeyId: KEY_ARN,
      volumeSize: 128,
    });
  });

  it('describeInstance maps root and data volumes, state reason and tags', async () => {
    ec2Mock.on(DescribeInstancesCommand, { InstanceIds: ['i-1'] }).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: 'i-1',
              State: { Name: 'stopped', Code: 80 },
              StateReason: { Code: 'Client.InternalError', Message: 'Client.InternalError: Client error on launch' },
              PrivateIpAddress: '10.0.0.10',
              Placement: { AvailabilityZone: 'us-east-1b' },
              VpcId: 'vpc-1',
              RootDeviceName: '/dev/sda1',
              BlockDeviceMappings: [
                { DeviceName: '/dev/sdf', Ebs: { VolumeId: 'vol-data', DeleteOnTermination: false, Status: 'attached' } },
                { DeviceName: '/dev/sda1', Ebs: { VolumeId: 'vol-root', DeleteOnTermination: true, Status: 'attached' } },
                { DeviceName: '/dev/sdb' }, // no Ebs part: nothing to migrate
              ],
              Tags: [{ Key: 'Name', Value: 'avi-ctrl-1' }],
            },
          ],
        },
      ],
    });
    const instance = await gateway.describeInstance('i-1');
    expect(instance).toEqual({
      instanceId: 'i-1',
      state: 'stopped',
      stateReason: { code: 'Client.InternalError', message: 'Client.InternalError: Client error on launch' },
      privateIp: '10.0.0.10',
      availabilityZone: 'us-east-1b',
      vpcId: 'vpc-1',
      rootDeviceName: '/dev/sda1',
      blockDevices: [
        { device: '/dev/sdf', volumeId: 'vol-data', deleteOnTermination: false, status: 'attached' },
        { device: '/dev/sda1', volumeId: 'vol-root', deleteOnTermination: true, status: 'attached' },
      ],
      tags: { Name: 'avi-ctrl-1' },
    });
  });

  it('describeInstance with no reservation is InvalidInstanceID.NotFound', async () => {
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    expect((await failure(gateway.describeInstance('i-x'))).code).toBe('InvalidInstanceID.NotFound');
  });

  it('findInstancesByPrivateIp filters by IP, VPC and live states across pages', async () => {
    ec2Mock
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: 'i-1', State: { Name: 'running' } }] }], NextToken: 't2' })
      .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: 'i-2', State: { Name: 'stopped' } }] }] });
    const found = await gateway.findInstancesByPrivateIp(['10.0.0.10', '10.0.0.11'], 'vpc-1');
    expect(found.map((i) => [i.instanceId, i.state])).toEqual([
      ['i-1', 'running'],
      ['i-2', 'stopped'],
    ]);
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeInstancesCommand, 2);
    expect(ec2Mock).toHaveReceivedNthCommandWith(1, DescribeInstancesCommand, {
      Filters: [
        { Name: 'private-ip-address', Values: ['10.0.0.10', '10.0.0.11'] },
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] },
        { Name: 'vpc-id', Values: ['vpc-1'] },
      ],
    });
    expect(ec2Mock).toHaveReceivedNthCommandWith(2, DescribeInstancesCommand, { NextToken: 't2' });
  });

  it('findInstancesByPrivateIp without a VPC sends no vpc-id filter, and no IPs send nothing', async () => {
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    expect(await gateway.findInstancesByPrivateIp([])).toEqual([]);
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeInstancesCommand, 0);
    await gateway.findInstancesByPrivateIp(['10.0.0.10']);
    const filters = ec2Mock.commandCalls(DescribeInstancesCommand)[0]?.args[0].input.Filters ?? [];
    expect(filters.map((f) => f.Name)).toEqual(['private-ip-address', 'instance-state-name']);
  });

  it('findVolumesByTags sends one tag filter per tag plus a live-state filter', async () => {
    ec2Mock.on(DescribeVolumesCommand).resolves({
      Volumes: [{ VolumeId: 'vol-new', State: 'available', Tags: [{ Key: 'avi-encrypt:run-id', Value: 'r1' }] }],
    });
    const found = await gateway.findVolumesByTags({ 'avi-encrypt:run-id': 'r1', 'avi-encrypt:node': '10.0.0.10' });
    expect(found.map((v) => v.volumeId)).toEqual(['vol-new']);
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeVolumesCommand, {
      Filters: [
        { Name: 'tag:avi-encrypt:run-id', Values: ['r1'] },
        { Name: 'tag:avi-encrypt:node', Values: ['10.0.0.10'] },
        { Name: 'status', Values: ['creating', 'available', 'in-use', 'error'] },
      ],
    });
  });

  it('findVolumesByTags refuses an empty tag set instead of listing every volume', async () => {
    await expect(gateway.findVolumesByTags({})).rejects.toThrow('at least one tag');
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeVolumesCommand, 0);
  });

  it('describeVolume maps attachments, performance and tags', async () => {
    ec2Mock.on(DescribeVolumesCommand, { VolumeIds: ['vol-1'] }).resolves({
      Volumes: [
        {
          VolumeId: 'vol-1',
          State: 'in-use',
          AvailabilityZone: 'us-east-1b',
          Encrypted: true,
          KmsKeyId: KEY_ARN,
          Size: 128,
          VolumeType: 'gp3',
          Iops: 3000,
          Throughput: 125,
          SnapshotId: 'snap-1',
          Attachments: [{ InstanceId: 'i-1', Device: '/dev/sda1', State: 'attached', DeleteOnTermination: true }],
          Tags: [{ Key: 'avi-encrypt:role', Value: 'new-root' }],
        },
      ],
    });
    expect(await gateway.describeVolume('vol-1')).toEqual({
      volumeId: 'vol-1',
      state: 'in-use',
      availabilityZone: 'us-east-1b',
      encrypted: true,
      kmsKeyId: KEY_ARN,
      size: 128,
      volumeType: 'gp3',
      iops: 3000,
      throughput: 125,
      snapshotId: 'snap-1',
      attachments: [{ instanceId: 'i-1', device: '/dev/sda1', state: 'attached', deleteOnTermination: true }],
      tags: { 'avi-encrypt:role': 'new-root' },
    });
  });

  it('maps InvalidVolume.NotFound', async () => {
    ec2Mock.on(DescribeVolumesCommand).rejects(awsFailure('InvalidVolume.NotFound', "The volume 'vol-x' does not exist."));
    const error = await failure(gateway.describeVolume('vol-x'));
    expect([error.code, error.operation, error.name]).toEqual(['InvalidVolume.NotFound', 'DescribeVolumes', 'AwsError']);
  });
});

describe('paging', () => {
  it('describeImage, describeSnapshot, describeInstance and describeVolume read past an empty first page', async () => {
    ec2Mock.on(DescribeImagesCommand).resolvesOnce({ Images: [], NextToken: 'i1' })
      .resolvesOnce({ Images: [{ ImageId: 'ami-1', State: 'available', RootDeviceName: '/dev/xvda', BlockDeviceMappings: [] }] });
    ec2Mock.on(DescribeSnapshotsCommand).resolvesOnce({ Snapshots: [], NextToken: 's1' }).resolvesOnce({ Snapshots: [{ SnapshotId: 'snap-1' }] });
    ec2Mock.on(DescribeInstancesCommand).resolvesOnce({ Reservations: [], NextToken: 'r1' })
      .resolvesOnce({ Reservations: [{ OwnerId: '123456789012', Instances: [{ InstanceId: 'i-1', RootDeviceName: '/dev/xvda' }] }] });
    ec2Mock.on(DescribeVolumesCommand).resolvesOnce({ Volumes: [], NextToken: 'v1' }).resolvesOnce({ Volumes: [{ VolumeId: 'vol-1' }] });
    expect((await gateway.describeImage('ami-1')).imageId).toBe('ami-1');
    expect((await gateway.describeSnapshot('snap-1')).snapshotId).toBe('snap-1');
    expect((await gateway.describeInstance('i-1')).instanceId).toBe('i-1');
    expect((await gateway.describeVolume('vol-1')).volumeId).toBe('vol-1');
    expect(ec2Mock).toHaveReceivedNthCommandWith(2, DescribeImagesCommand, { ImageIds: ['ami-1'], NextToken: 'i1' });
    for (const [command, token] of [[DescribeSnapshotsCommand, 's1'], [DescribeInstancesCommand, 'r1'], [DescribeVolumesCommand, 'v1']] as const) {
      expect(ec2Mock).toHaveReceivedCommandTimes(command, 2);
      expect(ec2Mock).toHaveReceivedCommandWith(command, { NextToken: token });
    }
  });

  it('findVolumesByTags collects every page, following NextToken', async () => {
    ec2Mock.on(DescribeVolumesCommand).resolvesOnce({ Volumes: [{ VolumeId: 'vol-1' }], NextToken: 't1' })
      .resolvesOnce({ Volumes: [], NextToken: 't2' }).resolvesOnce({ Volumes: [{ VolumeId: 'vol-2' }] });
    const found = await gateway.findVolumesByTags({ 'avi-encrypt:run-id': 'r1' });
    expect(found.map((v) => v.volumeId)).toEqual(['vol-1', 'vol-2']);
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeVolumesCommand, 3);
  });
});
