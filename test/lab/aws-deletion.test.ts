// What `avi-encrypt cleanup` deletes and `doctor` diagnoses, as AWS documents it, through the real
// SDK: DeleteVolume (available only; VolumeInUse when attached; deleting, then gone), DeleteSnapshot
// (InvalidSnapshot.InUse while an AMI uses it), and a KMS key whose deletion waiting period ends.

import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  CreateVolumeCommand, DeleteSnapshotCommand, DeleteVolumeCommand, DescribeVolumesCommand,
} from '@aws-sdk/client-ec2';
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, ListAliasesCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { createClock } from '../../src/lab/clock.js';
import { createKeyRing } from '../../src/lab/aws/key-ring.js';
import type { AliasRecord, KeyRecord } from '../../src/lab/world/types.js';
import { ACCOUNT, REGION, failure, startLab, until, type Lab } from './aws-harness.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ nodes: 1 });
});
afterAll(async () => lab.close());

const volumeState = async (VolumeId: string) => (await lab.ec2.send(new DescribeVolumesCommand({ VolumeIds: [VolumeId] }))).Volumes![0]!.State;

describe('DeleteVolume', () => {
  it('deletes an available volume: deleting, then NotFound; a second delete of the gone volume is NotFound', async () => {
    const { VolumeId } = await lab.ec2.send(new CreateVolumeCommand({ AvailabilityZone: lab.seed.nodes[0]!.az, Size: 8 }));
    await until(() => lab.world.volumes.get(VolumeId!)?.state === 'available');
    expect((await lab.ec2.send(new DeleteVolumeCommand({ VolumeId }))).$metadata.httpStatusCode).toBe(200);
    expect(await volumeState(VolumeId!)).toBe('deleting');
    expect((await failure(lab.ec2.send(new DeleteVolumeCommand({ VolumeId })))).name).toBe('IncorrectState');
    await until(() => !lab.world.volumes.has(VolumeId!));
    expect((await failure(lab.ec2.send(new DescribeVolumesCommand({ VolumeIds: [VolumeId!] })))).name).toBe('InvalidVolume.NotFound');
    expect((await failure(lab.ec2.send(new DeleteVolumeCommand({ VolumeId })))).name).toBe('InvalidVolume.NotFound');
  });

  it('refuses an attached volume (a running root) with VolumeInUse, and a DryRun deletes nothing', async () => {
    const root = lab.world.rootVolume(lab.seed.nodes[0]!.instanceId)!;
    const err = await failure(lab.ec2.send(new DeleteVolumeCommand({ VolumeId: root.volumeId })));
    expect({ name: err.name, message: err.message }).toEqual({ name: 'VolumeInUse', message: `Volume ${root.volumeId} is currently attached to ${lab.seed.nodes[0]!.instanceId}` });
    const { VolumeId } = await lab.ec2.send(new CreateVolumeCommand({ AvailabilityZone: lab.seed.nodes[0]!.az, Size: 8 }));
    await until(() => lab.world.volumes.get(VolumeId!)?.state === 'available');
    expect((await failure(lab.ec2.send(new DeleteVolumeCommand({ VolumeId, DryRun: true })))).name).toBe('DryRunOperation');
    expect(await volumeState(VolumeId!)).toBe('available');
  });
});

describe('DeleteSnapshot', () => {
  it('refuses the snapshot of a registered AMI (InvalidSnapshot.InUse), deletes one no AMI uses', async () => {
    const used = lab.seed.encryptedSnapshotId;
    const err = await failure(lab.ec2.send(new DeleteSnapshotCommand({ SnapshotId: used })));
    expect({ name: err.name, message: err.message }).toEqual({ name: 'InvalidSnapshot.InUse', message: `The snapshot ${used} is currently in use by ${lab.seed.encryptedAmiId}` });
    // The lab has no CreateSnapshot: a snapshot no AMI uses is put in the world as one would be.
    const id = 'snap-0123456789abcdef0';
    lab.world.snapshots.set(id, { snapshotId: id, state: 'completed', volumeSize: 8, encrypted: false, content: 'data', tags: {} });
    await lab.ec2.send(new DeleteSnapshotCommand({ SnapshotId: id }));
    expect(lab.world.snapshots.has(id)).toBe(false);
    expect((await failure(lab.ec2.send(new DeleteSnapshotCommand({ SnapshotId: id })))).name).toBe('InvalidSnapshot.NotFound');
  });
});

describe('a key whose deletion waiting period ends', () => {
  it('is gone with its aliases: DescribeKey answers NotFoundException by id, ARN and alias', async () => {
    const { KeyMetadata } = await lab.kms.send(new CreateKeyCommand({}));
    const arn = KeyMetadata!.Arn!;
    await lab.kms.send(new CreateAliasCommand({ AliasName: 'alias/doomed', TargetKeyId: arn }));
    expect(() => lab.world.completeKeyDeletion(arn)).toThrow('only a key scheduled for deletion is deleted');
    await lab.kms.send(new ScheduleKeyDeletionCommand({ KeyId: arn, PendingWindowInDays: 7 }));
    lab.world.completeKeyDeletion(arn);
    for (const KeyId of [KeyMetadata!.KeyId!, arn, 'alias/doomed']) {
      expect({ KeyId, name: (await failure(lab.kms.send(new DescribeKeyCommand({ KeyId })))).name }).toEqual({ KeyId, name: 'NotFoundException' });
    }
    const { Aliases } = await lab.kms.send(new ListAliasesCommand({}));
    expect(Aliases!.map((a) => a.AliasName)).not.toContain('alias/doomed');
  });

  it('goes by itself when the (scaled) waiting period is over, unless the deletion was cancelled', async () => {
    const keys = new Map<string, KeyRecord>();
    const aliases = new Map<string, AliasRecord>();
    // 7 days at this scale is about 60 ms.
    const ring = createKeyRing({ region: REGION, accountId: ACCOUNT, keys, aliases, clock: createClock(1e-7) });
    const doomed = ring.createKey();
    const saved = ring.createKey();
    ring.scheduleKeyDeletion(doomed.keyId, 7);
    ring.scheduleKeyDeletion(saved.keyId, 7);
    ring.cancelKeyDeletion(saved.keyId);
    await until(() => !keys.has(doomed.keyId), 5000);
    expect(keys.get(saved.keyId)?.state).toBe('Disabled');
  });
});
