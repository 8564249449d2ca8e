// The KMS JSON API through the real @aws-sdk/client-kms: key references in all four forms
// (including ARNs for state changes, which moto cannot take), key states and their validation.

import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  CancelKeyDeletionCommand, CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand,
  EnableKeyCommand, ListAliasesCommand, ListKeysCommand, ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { ACCOUNT, REGION, failure, startLab, type Lab } from './aws-harness.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ nodes: 1 });
});
afterAll(async () => lab.close());

const describeKey = async (KeyId: string) => (await lab.kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!;

describe('DescribeKey', () => {
  it('finds the customer key by id, key ARN, alias name and alias ARN', async () => {
    const arn = lab.seed.customerKeyArn;
    const keyId = arn.split('/')[1]!;
    expect(arn).toMatch(new RegExp(`^arn:aws:kms:${REGION}:${ACCOUNT}:key/[0-9a-f-]{36}$`));
    for (const ref of [keyId, arn, 'alias/avi-controller', `arn:aws:kms:${REGION}:${ACCOUNT}:alias/avi-controller`]) {
      const meta = await describeKey(ref);
      expect({ ref, ...meta }).toMatchObject({
        ref, KeyId: keyId, Arn: arn, KeyState: 'Enabled', Enabled: true, KeyManager: 'CUSTOMER',
        KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', AWSAccountId: ACCOUNT,
      });
      expect(meta.CreationDate).toBeInstanceOf(Date);
    }
  });

  it('reports alias/aws/ebs as an AWS-managed key', async () => {
    expect(await describeKey('alias/aws/ebs')).toMatchObject({ Arn: lab.seed.awsManagedKeyArn, KeyManager: 'AWS' });
  });

  it('answers unknown keys and aliases with NotFoundException', async () => {
    for (const ref of ['alias/missing', '11111111-2222-3333-4444-555555555555', `arn:aws:kms:eu-west-1:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`]) {
      const err = await failure(lab.kms.send(new DescribeKeyCommand({ KeyId: ref })));
      expect({ ref, name: err.name, status: err.$metadata.httpStatusCode }).toEqual({ ref, name: 'NotFoundException', status: 400 });
    }
  });
});

describe('listing', () => {
  it('lists keys and aliases, optionally the aliases of one key', async () => {
    const { Keys } = await lab.kms.send(new ListKeysCommand({}));
    expect(Keys!.map((k) => k.KeyArn).sort()).toEqual([lab.seed.customerKeyArn, lab.seed.awsManagedKeyArn].sort());
    const { Aliases } = await lab.kms.send(new ListAliasesCommand({}));
    expect(Aliases!.map((a) => a.AliasName).sort()).toEqual(['alias/avi-controller', 'alias/aws/ebs']);
    const mine = await lab.kms.send(new ListAliasesCommand({ KeyId: lab.seed.customerKeyArn }));
    expect(mine.Aliases).toEqual([{
      AliasName: 'alias/avi-controller',
      AliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/avi-controller`,
      TargetKeyId: lab.seed.customerKeyArn.split('/')[1],
    }]);
  });
});

describe('key states', () => {
  it('creates, aliases, disables and enables a key addressed by ARN', async () => {
    const { KeyMetadata } = await lab.kms.send(new CreateKeyCommand({ Description: 'test key' }));
    await lab.kms.send(new CreateAliasCommand({ AliasName: 'alias/test-key', TargetKeyId: KeyMetadata!.Arn! }));
    expect((await failure(lab.kms.send(new CreateAliasCommand({ AliasName: 'alias/test-key', TargetKeyId: KeyMetadata!.KeyId! })))).name)
      .toBe('AlreadyExistsException');
    await lab.kms.send(new DisableKeyCommand({ KeyId: KeyMetadata!.Arn! }));
    expect(await describeKey('alias/test-key')).toMatchObject({ KeyState: 'Disabled', Enabled: false, Description: 'test key' });
    await lab.kms.send(new EnableKeyCommand({ KeyId: KeyMetadata!.KeyId! }));
    expect((await describeKey(KeyMetadata!.KeyId!)).KeyState).toBe('Enabled');
  });

  it('takes only a key id or key ARN for DisableKey, EnableKey, ScheduleKeyDeletion, CancelKeyDeletion and ListAliases', async () => {
    const { KeyMetadata } = await lab.kms.send(new CreateKeyCommand({}));
    await lab.kms.send(new CreateAliasCommand({ AliasName: 'alias/by-id-only', TargetKeyId: KeyMetadata!.KeyId! }));
    const aliasArn = `arn:aws:kms:${REGION}:${ACCOUNT}:alias/by-id-only`;
    for (const KeyId of ['alias/by-id-only', aliasArn]) {
      const calls = [
        lab.kms.send(new DisableKeyCommand({ KeyId })), lab.kms.send(new EnableKeyCommand({ KeyId })),
        lab.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 })), lab.kms.send(new CancelKeyDeletionCommand({ KeyId })),
        lab.kms.send(new ListAliasesCommand({ KeyId })),
      ];
      for (const call of calls) {
        const err = await failure(call);
        expect({ name: err.name, message: err.message, status: err.$metadata.httpStatusCode })
          .toEqual({ name: 'NotFoundException', message: `Invalid keyId ${KeyId}`, status: 400 });
      }
    }
    expect((await describeKey(KeyMetadata!.Arn!)).KeyState).toBe('Enabled');
  });

  it('schedules deletion within 7-30 days and cancels it back to Disabled', async () => {
    const { KeyMetadata } = await lab.kms.send(new CreateKeyCommand({}));
    const arn = KeyMetadata!.Arn!;
    const bad = await failure(lab.kms.send(new ScheduleKeyDeletionCommand({ KeyId: arn, PendingWindowInDays: 3 })));
    expect(bad.name).toBe('ValidationException');
    const scheduled = await lab.kms.send(new ScheduleKeyDeletionCommand({ KeyId: arn, PendingWindowInDays: 7 }));
    expect(scheduled).toMatchObject({ KeyId: arn, KeyState: 'PendingDeletion', PendingWindowInDays: 7 });
    const days = (scheduled.DeletionDate!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
    expect(await describeKey(arn)).toMatchObject({ KeyState: 'PendingDeletion', DeletionDate: expect.any(Date) });
    expect((await failure(lab.kms.send(new EnableKeyCommand({ KeyId: arn })))).name).toBe('KMSInvalidStateException');
    await lab.kms.send(new CancelKeyDeletionCommand({ KeyId: arn }));
    const after = await describeKey(arn);
    expect(after.KeyState).toBe('Disabled');
    expect(after.DeletionDate).toBeUndefined();
  });

  it('keeps AWS-managed keys out of reach', async () => {
    expect((await failure(lab.kms.send(new DisableKeyCommand({ KeyId: lab.seed.awsManagedKeyArn })))).name).toBe('NotAuthorizedException');
    expect((await failure(lab.kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/mine', TargetKeyId: lab.seed.customerKeyArn })))).name)
      .toBe('NotAuthorizedException');
  });

  it('logs KMS calls with their operation names', () => {
    const ops = lab.log.list().filter((e) => e.service === 'kms');
    expect(ops.find((e) => e.operation === 'DescribeKey')).toMatchObject({ mutating: false });
    expect(ops.find((e) => e.operation === 'ScheduleKeyDeletion' && e.status === 200)).toMatchObject({ mutating: true });
    expect(ops.find((e) => e.error === 'NotFoundException')).toMatchObject({ status: 400 });
  });
});
