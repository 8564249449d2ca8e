// CreateVolume rules through the real SDK: snapshot size and content, encryption and key
// resolution, async failure on unusable keys, and ClientToken idempotency.

import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { CreateVolumeCommand, type CreateVolumeCommandInput } from '@aws-sdk/client-ec2';
import { failure, startLab, until, type Lab } from './aws-harness.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ nodes: 1 });
});
afterAll(async () => lab.close());

const create = (input: Partial<CreateVolumeCommandInput>) =>
  lab.ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-west-2a', ...input }));
const unencryptedSnapshot = () => lab.world.images.get(lab.seed.controllerAmiId)!.blockDevices[0]!.snapshotId;

describe('CreateVolume', () => {
  it('restores a snapshot: creating, then available after the documented time, with its size and content', async () => {
    const began = Date.now();
    const out = await create({ SnapshotId: lab.seed.encryptedSnapshotId, VolumeType: 'gp3', TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'avi-encrypt:role', Value: 'new-root' }] }] });
    expect(out).toMatchObject({
      State: 'creating', Size: 128, SnapshotId: lab.seed.encryptedSnapshotId, VolumeType: 'gp3', Iops: 3000, Throughput: 125,
      Encrypted: true, KmsKeyId: lab.seed.customerKeyArn, Tags: [{ Key: 'avi-encrypt:role', Value: 'new-root' }],
    });
    expect(out.CreateTime).toBeInstanceOf(Date);
    await until(() => lab.world.volumes.get(out.VolumeId!)!.state === 'available');
    expect(Date.now() - began).toBeGreaterThanOrEqual(lab.world.clock.scaled(30_000) - 5);
    expect(lab.world.volumes.get(out.VolumeId!)!.content).toBe('fresh');
  });

  it('refuses a size smaller than the snapshot and defaults the type to gp2', async () => {
    const err = await failure(create({ SnapshotId: lab.seed.encryptedSnapshotId, Size: 64 }));
    expect(err.name).toBe('InvalidParameterValue');
    expect(err.message).toContain('smaller than snapshot');
    const bigger = await create({ SnapshotId: unencryptedSnapshot(), Size: 200 });
    expect(bigger).toMatchObject({ Size: 200, VolumeType: 'gp2', Iops: 600, Encrypted: false });
    expect(bigger.KmsKeyId).toBeUndefined();
  });

  it('encrypts with the key given as id, key ARN, alias or alias ARN, always reporting the key ARN', async () => {
    const key = lab.world.findKey(lab.seed.customerKeyArn)!;
    const refs = [key.keyId, key.arn, lab.seed.customerKeyAlias, `arn:aws:kms:us-west-2:123456789012:${lab.seed.customerKeyAlias}`];
    for (const KmsKeyId of refs) {
      const out = await create({ SnapshotId: unencryptedSnapshot(), Encrypted: true, KmsKeyId, VolumeType: 'gp3' });
      expect({ ref: KmsKeyId, key: out.KmsKeyId, encrypted: out.Encrypted }).toEqual({ ref: KmsKeyId, key: key.arn, encrypted: true });
    }
  });

  it('uses alias/aws/ebs when Encrypted comes without a key, and re-keys an encrypted snapshot when a key is given', async () => {
    expect((await create({ Size: 8, Encrypted: true })).KmsKeyId).toBe(lab.seed.awsManagedKeyArn);
    const rekeyed = await create({ SnapshotId: lab.seed.encryptedSnapshotId, Encrypted: true, KmsKeyId: 'alias/aws/ebs' });
    expect(rekeyed.KmsKeyId).toBe(lab.seed.awsManagedKeyArn);
    await until(() => lab.world.volumes.get(rekeyed.VolumeId!)!.state === 'available');
  });

  it('refuses KmsKeyId without Encrypted, and zones outside the region', async () => {
    expect((await failure(create({ Size: 8, KmsKeyId: lab.seed.customerKeyArn }))).name).toBe('InvalidParameterDependency');
    expect((await failure(create({ Size: 8, AvailabilityZone: 'eu-west-1a' }))).name).toBe('InvalidParameterValue');
    expect((await failure(create({}))).name).toBe('MissingParameter');
    expect((await failure(create({ SnapshotId: 'snap-0123456789abcdef0' }))).name).toBe('InvalidSnapshot.NotFound');
  });

  it('accepts an unknown key, as AWS does ("can appear to complete, but eventually fails"): creating, then error', async () => {
    for (const KmsKeyId of ['alias/nope', '11111111-2222-3333-4444-555555555555']) {
      const out = await create({ Size: 8, Encrypted: true, KmsKeyId });
      expect(out).toMatchObject({ State: 'creating', Encrypted: true });
      expect(out.KmsKeyId).toMatch(/^arn:aws:kms:us-west-2:123456789012:(alias\/nope|key\/11111111-)/);
      await until(() => lab.world.volumes.get(out.VolumeId!)!.state !== 'creating');
      expect(lab.world.volumes.get(out.VolumeId!)!.state).toBe('error');
    }
  });

  it('puts the volume in error, after accepting the request, when its key is disabled or pending deletion', async () => {
    const key = lab.world.createKey({ description: 'doomed' });
    lab.world.disableKey(key.arn);
    const disabled = await create({ SnapshotId: unencryptedSnapshot(), Encrypted: true, KmsKeyId: key.arn });
    expect(disabled.State).toBe('creating');
    await until(() => lab.world.volumes.get(disabled.VolumeId!)!.state !== 'creating');
    expect(lab.world.volumes.get(disabled.VolumeId!)!.state).toBe('error');
    lab.world.enableKey(key.keyId);
    lab.world.scheduleKeyDeletion(key.keyId, 7);
    const pending = await create({ Size: 8, Encrypted: true, KmsKeyId: key.keyId });
    await until(() => lab.world.volumes.get(pending.VolumeId!)!.state !== 'creating');
    expect(lab.world.volumes.get(pending.VolumeId!)!.state).toBe('error');
  });
});

describe('ClientToken idempotency', () => {
  const input = (): Partial<CreateVolumeCommandInput> => ({
    SnapshotId: lab.seed.encryptedSnapshotId, VolumeType: 'gp3', Encrypted: true, KmsKeyId: lab.seed.customerKeyArn,
    ClientToken: 'run-1:node-1:create-root', TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'a', Value: 'b' }] }],
  });

  it('returns the same volume for the same token and parameters, creating nothing new', async () => {
    const first = await create(input());
    const count = lab.world.volumes.size;
    const second = await create(input());
    expect(second.VolumeId).toBe(first.VolumeId);
    expect(lab.world.volumes.size).toBe(count);
    await until(() => lab.world.volumes.get(first.VolumeId!)!.state === 'available');
    expect((await create(input())).State).toBe('available');
  });

  it('refuses the same token with different parameters', async () => {
    const err = await failure(create({ ...input(), VolumeType: 'gp2' }));
    expect(err.name).toBe('IdempotentParameterMismatch');
    expect(err.$metadata.httpStatusCode).toBe(400);
    const retagged = { ...input(), TagSpecifications: [{ ResourceType: 'volume' as const, Tags: [{ Key: 'a', Value: 'c' }] }] };
    expect((await failure(create(retagged))).name).toBe('IdempotentParameterMismatch');
  });
});
