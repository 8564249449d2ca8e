// check-key and check-encrypted-ami over the real gateway with mocked EC2/KMS clients.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { DescribeImagesCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, KMSClient, type KeyMetadata } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { PreflightError } from '../../src/steps/errors.js';
import type { ControllerData } from '../../src/steps/controller/context.js';
import {
  FakeAvi, KEY_ARN, KEY_ID, OTHER_KEY_ARN, awsFailure, clusterOf, dataWith, effectsFor, expectNoMutations, makeDeps, realGateway,
  rejection, runScope, runtimeOf, signal,
} from './helpers.js';

const ec2 = mockClient(EC2Client);
const kms = mockClient(KMSClient);

beforeEach(() => {
  ec2.reset();
  kms.reset();
});

const effects = () => effectsFor(makeDeps(realGateway(), new FakeAvi(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [])])));
const checkKey = (data: ControllerData) => effects()['check-key'].run(runScope(data), signal());
const checkAmi = (data: ControllerData) => effects()['check-encrypted-ami'].run(runScope(data), signal());

const keyMeta = (extra: Partial<KeyMetadata> = {}): KeyMetadata => ({
  KeyId: KEY_ID, Arn: KEY_ARN, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', KeyManager: 'CUSTOMER',
  ...extra,
});

describe('check-key', () => {
  it('an Enabled symmetric key gives its ARN, asked for by the name given', async () => {
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: keyMeta() });
    const out = await checkKey(dataWith({ keyArn: undefined, kmsKey: 'alias/avi-ebs' }));
    expect(out).toEqual({ keyArn: KEY_ARN });
    expect(kms).toHaveReceivedCommandTimes(DescribeKeyCommand, 1);
    expect(kms).toHaveReceivedCommandWith(DescribeKeyCommand, { KeyId: 'alias/avi-ebs' });
    expect(ec2.calls()).toHaveLength(0);
  });

  it('NotFoundException becomes a PreflightError naming --kms-key and the key', async () => {
    kms.on(DescribeKeyCommand).rejects(awsFailure('NotFoundException', "Alias 'alias/nope' is not found."));
    const e = await rejection(checkKey(dataWith({ kmsKey: 'alias/nope' })));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toContain('alias/nope');
    expect(e.message).toContain('--kms-key');
    expect(e.message).toContain('not found');
  });

  it('other AWS failures are not dressed up as a missing key', async () => {
    kms.on(DescribeKeyCommand).rejects(awsFailure('AccessDeniedException', 'not authorized to perform kms:DescribeKey'));
    const e = await rejection(checkKey(dataWith()));
    expect(e).not.toBeInstanceOf(PreflightError);
    expect((e as Error & { code?: string }).code).toBe('AccessDeniedException');
  });

  it.each([
    ['Disabled', /is Disabled; enable it/],
    ['PendingDeletion', /is PendingDeletion; cancel its deletion and enable it/],
    ['PendingImport', /is PendingImport/],
  ])('a %s key is refused, naming the state', async (state, message) => {
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: keyMeta({ KeyState: state as never }) });
    const e = await rejection(checkKey(dataWith()));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toMatch(message);
    expect(e.message).toContain(KEY_ARN);
    expect(e.message).toContain('--kms-key');
  });

  it('an asymmetric SIGN_VERIFY key is refused, naming spec and usage', async () => {
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: keyMeta({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }) });
    const e = await rejection(checkKey(dataWith()));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toContain('RSA_2048/SIGN_VERIFY');
    expect(e.message).toContain('ENCRYPT_DECRYPT');
  });

  it('a symmetric key used for HMAC is refused too', async () => {
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: keyMeta({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }) });
    await expect(checkKey(dataWith())).rejects.toThrow(PreflightError);
  });
});

describe('check-encrypted-ami', () => {
  const image = (extra: Record<string, unknown> = {}) => ({
    ImageId: 'ami-enc', Name: 'avi-22.1.3-encrypted', State: 'available' as const, RootDeviceName: '/dev/xvda',
    BlockDeviceMappings: [
      { DeviceName: '/dev/sdb', Ebs: { SnapshotId: 'snap-data' } },
      { DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-enc' } },
    ],
    ...extra,
  });
  const snapshot = (extra: Record<string, unknown> = {}) => ({
    SnapshotId: 'snap-enc', State: 'completed' as const, Encrypted: true, KmsKeyId: KEY_ARN, VolumeSize: 80, ...extra,
  });

  it('an available AMI whose root snapshot uses the key gives the snapshot and its size', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [image()] });
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot()] });
    const out = await checkAmi(dataWith({ rootSnapshotId: undefined, rootSnapshotSize: undefined }));
    expect(out).toEqual({ rootSnapshotId: 'snap-enc', rootSnapshotSize: 80 });
    expect(ec2).toHaveReceivedCommandWith(DescribeImagesCommand, { ImageIds: ['ami-enc'] });
    // The root device's snapshot, not the first mapping's.
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, { SnapshotIds: ['snap-enc'] });
    expect(ec2).not.toHaveReceivedCommandWith(DescribeSnapshotsCommand, { SnapshotIds: ['snap-data'] });
    expectNoMutations(ec2);
  });

  it('an unencrypted root snapshot is refused', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [image()] });
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot({ Encrypted: false, KmsKeyId: undefined })] });
    const e = await rejection(checkAmi(dataWith()));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toContain('snap-enc is not encrypted');
    expect(e.message).toContain('--encrypted-ami');
  });

  it('a root snapshot encrypted with another key is refused, naming both keys', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [image()] });
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot({ KmsKeyId: OTHER_KEY_ARN })] });
    const e = await rejection(checkAmi(dataWith()));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toContain(OTHER_KEY_ARN);
    expect(e.message).toContain(`not ${KEY_ARN}`);
  });

  it.each(['pending', 'failed'])('an AMI that is %s is refused before its snapshot is looked at', async (state) => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [image({ State: state })] });
    const e = await rejection(checkAmi(dataWith()));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toContain(`ami-enc is ${state}, not available`);
    expect(ec2).not.toHaveReceivedCommand(DescribeSnapshotsCommand);
  });

  it('an AMI that does not exist (empty answer) is refused naming --encrypted-ami', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [] });
    const e = await rejection(checkAmi(dataWith()));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toContain('ami-enc was not found');
  });

  it('an AMI without an EBS snapshot at its root device is refused', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [image({ BlockDeviceMappings: [{ DeviceName: '/dev/sdb', Ebs: { SnapshotId: 'snap-data' } }] })] });
    const e = await rejection(checkAmi(dataWith()));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toContain('no EBS snapshot at its root device /dev/xvda');
    expect(ec2).not.toHaveReceivedCommand(DescribeSnapshotsCommand);
  });

  it('no --encrypted-ami at all is refused without calling AWS', async () => {
    const e = await rejection(checkAmi(dataWith({ encryptedAmi: undefined })));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toContain('--encrypted-ami');
    expect(ec2.calls()).toHaveLength(0);
  });
});
