// Gateway mutations over a mocked SDK: exact request shapes and error mapping.
import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  AttachVolumeCommand,
  CopyImageCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createAwsGateway } from '../../src/aws/gateway.js';
import { AwsError, type CreateVolumeRequest } from '../../src/aws/types.js';
import { KEY_ARN, awsFailure, failure } from './sdk-errors.js';

const ec2Mock = mockClient(EC2Client);
const gateway = createAwsGateway({
  ec2: new EC2Client({ region: 'us-east-1' }),
  kms: new KMSClient({ region: 'us-east-1' }),
});

beforeEach(() => {
  ec2Mock.reset();
});

describe('createVolume', () => {
  const base: CreateVolumeRequest = {
    snapshotId: 'snap-enc',
    availabilityZone: 'us-east-1b',
    kmsKeyId: KEY_ARN,
    volumeType: 'gp3',
    iops: 4000,
    throughput: 250,
    clientToken: 'avi-encrypt-abc',
    tags: { 'avi-encrypt:run-id': 'r1', 'avi-encrypt:role': 'new-root' },
  };

  it('sends Encrypted, KmsKeyId, ClientToken and volume tags, and maps the answer', async () => {
    ec2Mock.on(CreateVolumeCommand).resolves({
      VolumeId: 'vol-new',
      State: 'creating',
      AvailabilityZone: 'us-east-1b',
      Encrypted: true,
      KmsKeyId: KEY_ARN,
      Size: 128,
      VolumeType: 'gp3',
    });
    const volume = await gateway.createVolume(base);
    expect(ec2Mock).toHaveReceivedCommandWith(CreateVolumeCommand, {
      SnapshotId: 'snap-enc',
      AvailabilityZone: 'us-east-1b',
      Encrypted: true,
      KmsKeyId: KEY_ARN,
      VolumeType: 'gp3',
      Iops: 4000,
      Throughput: 250,
      ClientToken: 'avi-encrypt-abc',
      TagSpecifications: [
        {
          ResourceType: 'volume',
          Tags: [
            { Key: 'avi-encrypt:run-id', Value: 'r1' },
            { Key: 'avi-encrypt:role', Value: 'new-root' },
          ],
        },
      ],
    });
    const input = ec2Mock.commandCalls(CreateVolumeCommand)[0]?.args[0].input;
    expect(input).not.toHaveProperty('Size');
    expect(volume).toMatchObject({ volumeId: 'vol-new', state: 'creating', encrypted: true, kmsKeyId: KEY_ARN });
  });

  it.each([
    ['gp2', undefined, undefined],
    ['io1', 4000, undefined],
    ['io2', 4000, undefined],
    ['st1', undefined, undefined],
  ])('for %s sends Iops=%s Throughput=%s', async (volumeType, iops, throughput) => {
    ec2Mock.on(CreateVolumeCommand).resolves({ VolumeId: 'vol-new' });
    await gateway.createVolume({ ...base, volumeType, size: 200 });
    const input = ec2Mock.commandCalls(CreateVolumeCommand)[0]?.args[0].input;
    expect([input?.Iops, input?.Throughput, input?.Size]).toEqual([iops, throughput, 200]);
  });

  it('maps IdempotentParameterMismatch', async () => {
    ec2Mock.on(CreateVolumeCommand).rejects(awsFailure('IdempotentParameterMismatch', 'token reused'));
    const error = await failure(gateway.createVolume(base));
    expect([error.code, error.operation]).toEqual(['IdempotentParameterMismatch', 'CreateVolume']);
  });
});

describe('copyImage', () => {
  it('copies within the client\'s region, encrypted with the key, with the token and the tags on the image and its snapshots', async () => {
    ec2Mock.on(CopyImageCommand).resolves({ ImageId: 'ami-copy' });
    const id = await gateway.copyImage({
      sourceImageId: 'ami-src', name: 'Avi-Controller-22.1.3-9096-encrypted-r1', description: 'copy', kmsKeyId: KEY_ARN,
      clientToken: 'avi-encrypt-token', tags: { 'avi-encrypt:run-id': 'r1' },
    });
    expect(id).toBe('ami-copy');
    const tags = [{ Key: 'avi-encrypt:run-id', Value: 'r1' }];
    expect(ec2Mock).toHaveReceivedCommandWith(CopyImageCommand, {
      SourceImageId: 'ami-src', SourceRegion: 'us-east-1', Name: 'Avi-Controller-22.1.3-9096-encrypted-r1', Description: 'copy',
      Encrypted: true, KmsKeyId: KEY_ARN, ClientToken: 'avi-encrypt-token',
      TagSpecifications: [{ ResourceType: 'image', Tags: tags }, { ResourceType: 'snapshot', Tags: tags }],
    });
  });

  it('an AWS refusal keeps its code and operation', async () => {
    ec2Mock.on(CopyImageCommand).rejects(awsFailure('InvalidRequest', 'Images from AWS Marketplace cannot be copied to another AWS account'));
    const err = await gateway.copyImage({ sourceImageId: 'ami-mp', name: 'n', description: 'd', kmsKeyId: KEY_ARN, clientToken: 't', tags: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsError);
    expect(err).toMatchObject({ code: 'InvalidRequest', operation: 'CopyImage' });
    expect((err as Error).message).toContain('AWS Marketplace');
  });
});

describe('instance and attachment writes', () => {
  it('stop and start name exactly one instance', async () => {
    await gateway.stopInstance('i-1');
    await gateway.startInstance('i-1');
    expect(ec2Mock).toHaveReceivedCommandWith(StopInstancesCommand, { InstanceIds: ['i-1'] });
    expect(ec2Mock).toHaveReceivedCommandWith(StartInstancesCommand, { InstanceIds: ['i-1'] });
  });

  it('maps IncorrectState from a write', async () => {
    ec2Mock.on(AttachVolumeCommand).rejects(awsFailure('IncorrectState', "Instance 'i-1' is not 'running'."));
    const error = await failure(gateway.attachVolume('vol-new', 'i-1', '/dev/sda1'));
    expect([error.code, error.operation]).toEqual(['IncorrectState', 'AttachVolume']);
    expect(error.message).toContain("Instance 'i-1' is not 'running'.");
  });

  it('detach passes InstanceId and Device; attach passes the same device', async () => {
    await gateway.detachVolume('vol-old', 'i-1', '/dev/sda1');
    await gateway.attachVolume('vol-new', 'i-1', '/dev/sda1');
    expect(ec2Mock).toHaveReceivedCommandWith(DetachVolumeCommand, {
      VolumeId: 'vol-old',
      InstanceId: 'i-1',
      Device: '/dev/sda1',
    });
    expect(ec2Mock).toHaveReceivedCommandWith(AttachVolumeCommand, {
      VolumeId: 'vol-new',
      InstanceId: 'i-1',
      Device: '/dev/sda1',
    });
  });

  it('setDeleteOnTermination modifies only that device mapping', async () => {
    await gateway.setDeleteOnTermination('i-1', '/dev/sda1', true);
    expect(ec2Mock).toHaveReceivedCommandWith(ModifyInstanceAttributeCommand, {
      InstanceId: 'i-1',
      BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { DeleteOnTermination: true } }],
    });
  });

  it('tagResources sends CreateTags and skips empty requests', async () => {
    await gateway.tagResources(['vol-old'], { 'avi-encrypt:replaced-by': 'vol-new' });
    await gateway.tagResources([], { a: 'b' });
    await gateway.tagResources(['vol-old'], {});
    expect(ec2Mock).toHaveReceivedCommandTimes(CreateTagsCommand, 1);
    expect(ec2Mock).toHaveReceivedCommandWith(CreateTagsCommand, {
      Resources: ['vol-old'],
      Tags: [{ Key: 'avi-encrypt:replaced-by', Value: 'vol-new' }],
    });
  });
});

describe('error messages', () => {
  it('drop the encoded authorization blob of UnauthorizedOperation', async () => {
    ec2Mock
      .on(StopInstancesCommand)
      .rejects(
        awsFailure(
          'UnauthorizedOperation',
          'You are not authorized to perform this operation. Encoded authorization failure message: AbCdEf0123456789xyz',
        ),
      );
    const error = await failure(gateway.stopInstance('i-1'));
    expect(error.code).toBe('UnauthorizedOperation');
    expect(error.message).not.toContain('AbCdEf0123456789xyz');
    expect(error.message).toContain('encoded authorization message omitted');
  });

  it('use the Node error code for network failures', async () => {
    ec2Mock.on(DescribeVolumesCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));
    const error = await failure(gateway.describeVolume('vol-1'));
    expect(error.code).toBe('ECONNREFUSED');
  });
});
