// CopyImage through the real SDK: an encrypted copy whose snapshots carry the key, a duration that
// grows with the size, a key checked only after the call returned, ClientToken, tags, the
// Marketplace refusal, and a copy into another Region.

import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { CopyImageCommand, DescribeImagesCommand, DescribeSnapshotsCommand, EC2Client, type CopyImageCommandInput } from '@aws-sdk/client-ec2';
import { COPY_MS } from '../../src/lab/world/copy-image.js';
import { ACCOUNT, REGION, failure, startLab, until, type Lab } from './aws-harness.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ nodes: 1, scale: 0.001 });
});
afterAll(async () => lab.close());

const copy = (input: Partial<CopyImageCommandInput>) => lab.ec2.send(new CopyImageCommand({
  SourceImageId: lab.seed.controllerAmiId, SourceRegion: REGION, Name: 'avi-controller-encrypted', ...input,
}));
const image = async (ImageId: string) => (await lab.ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId] }))).Images![0]!;
const settled = (id: string) => until(() => lab.world.images.get(id)!.state !== 'pending', 10_000);

describe('CopyImage', () => {
  it('makes a pending encrypted copy whose snapshots carry the key, tags and product code, available after a size-proportional time', async () => {
    const began = Date.now();
    const { ImageId } = await copy({
      Encrypted: true, KmsKeyId: lab.seed.customerKeyAlias, Description: 'run r1',
      TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'avi-encrypt:run-id', Value: 'r1' }] }, { ResourceType: 'snapshot', Tags: [{ Key: 'avi-encrypt:run-id', Value: 'r1' }] }],
    });
    const pending = await image(ImageId!);
    expect(pending).toMatchObject({
      State: 'pending', Name: 'avi-controller-encrypted', Description: 'run r1', OwnerId: ACCOUNT, RootDeviceName: '/dev/xvda',
      Tags: [{ Key: 'avi-encrypt:run-id', Value: 'r1' }], ProductCodes: [{ ProductCodeId: lab.seed.productCode, ProductCodeType: 'marketplace' }],
    });
    const snapshotId = pending.BlockDeviceMappings![0]!.Ebs!.SnapshotId!;
    const snap = (await lab.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }))).Snapshots![0]!;
    expect(snap).toMatchObject({
      State: 'pending', Encrypted: true, KmsKeyId: lab.seed.customerKeyArn, VolumeSize: 128, Tags: [{ Key: 'avi-encrypt:run-id', Value: 'r1' }],
    });
    expect(snap.Description).toContain(`from SourceAmi ${lab.seed.controllerAmiId}`);
    await settled(ImageId!);
    expect(Date.now() - began).toBeGreaterThanOrEqual(lab.world.clock.scaled(COPY_MS.base + COPY_MS.perGiB * 128) - 5);
    expect((await image(ImageId!)).State).toBe('available');
    expect(lab.world.snapshots.get(snapshotId)!.state).toBe('completed');
    expect(lab.world.snapshots.get(snapshotId)!.productCodes).toEqual([{ productCodeId: lab.seed.productCode, productCodeType: 'marketplace' }]);
  });

  it('returns the same image for the same ClientToken and refuses the token with other parameters', async () => {
    const input = { Encrypted: true, KmsKeyId: lab.seed.customerKeyArn, ClientToken: 'r1:encrypted-ami' };
    const first = await copy(input);
    expect((await copy(input)).ImageId).toBe(first.ImageId);
    expect((await failure(copy({ ...input, Name: 'other' }))).name).toBe('IdempotentParameterMismatch');
  });

  it('validates the key after returning: an unknown or disabled key leaves the image failed with a StateReason', async () => {
    const key = lab.world.createKey({ description: 'disabled' });
    lab.world.disableKey(key.arn);
    for (const KmsKeyId of ['alias/no-such-key', key.keyId]) {
      const { ImageId } = await copy({ Encrypted: true, KmsKeyId });
      expect(lab.world.images.get(ImageId!)!.state).toBe('pending');
      await settled(ImageId!);
      const failed = await image(ImageId!);
      expect(failed.State).toBe('failed');
      expect(failed.StateReason!.Code).toBe('Client.InvalidKMSKey.InvalidState');
      expect(lab.world.snapshots.get(failed.BlockDeviceMappings![0]!.Ebs!.SnapshotId!)!.state).toBe('error');
    }
  });

  it('refuses the AWS Marketplace listing, owned by another account, with AWS\'s billing-product error', async () => {
    const err = await failure(copy({ SourceImageId: lab.seed.marketplaceAmiId, Encrypted: true }));
    expect({ name: err.name, message: err.message }).toEqual({ name: 'InvalidRequest', message: 'Images from AWS Marketplace cannot be copied to another AWS account' });
  });

  it('refuses missing names, KmsKeyId without Encrypted, untaggable types and unknown sources', async () => {
    expect((await failure(copy({ Name: undefined }))).name).toBe('MissingParameter');
    expect((await failure(copy({ KmsKeyId: lab.seed.customerKeyArn }))).name).toBe('InvalidParameterDependency');
    expect((await failure(copy({ TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'a', Value: 'b' }] }] }))).name).toBe('InvalidParameterValue');
    expect((await failure(copy({ SourceImageId: 'ami-0123456789abcdef0' }))).name).toBe('InvalidAMIID.NotFound');
    expect((await failure(copy({ SourceRegion: 'nowhere' }))).name).toBe('InvalidParameterValue');
  });

  it('copies into the Region of the client, from SourceRegion, with that Region\'s default EBS key', async () => {
    const east = new EC2Client({ region: 'us-east-1', endpoint: lab.endpoint, credentials: { accessKeyId: 'AKIDLAB', secretAccessKey: 'lab' }, maxAttempts: 1 });
    try {
      const { ImageId } = await east.send(new CopyImageCommand({ SourceImageId: lab.seed.controllerAmiId, SourceRegion: REGION, Name: 'east', Encrypted: true }));
      expect(lab.world.images.has(ImageId!)).toBe(false);
      const [copied] = (await east.send(new DescribeImagesCommand({ ImageIds: [ImageId!] }))).Images!;
      const snap = (await east.send(new DescribeSnapshotsCommand({ SnapshotIds: [copied!.BlockDeviceMappings![0]!.Ebs!.SnapshotId!] }))).Snapshots![0]!;
      expect(snap.KmsKeyId).toMatch(/^arn:aws:kms:us-east-1:/);
    } finally {
      east.destroy();
    }
  });
});
