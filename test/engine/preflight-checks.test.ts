// The engine's own preflight checks over hand-written fakes: the key, EC2's use of it
// (kms:CreateGrant DryRun) and IAM for the plan's EC2 writes (each distinct write as a DryRun).

import { describe, expect, it } from '@jest/globals';
import type { DryRunVerdict, Ec2DryRun, KeyInfo, KmsDryRun } from '../../src/aws/types.js';
import { AwsError } from '../../src/aws/types.js';
import { iamChecks } from '../../src/engine/preflight/iam.js';
import { grantCheck, keyCheck } from '../../src/engine/preflight/key.js';
import type { Invocation } from '../../src/steps/plan-recorder.js';

const ARN = 'arn:aws:kms:eu-west-1:111122223333:key/0b7f3f5e-1111-4222-8333-944444444444';
const key = (extra: Partial<KeyInfo> = {}): KeyInfo => ({
  keyId: '0b7f3f5e', arn: ARN, state: 'Enabled', spec: 'SYMMETRIC_DEFAULT', usage: 'ENCRYPT_DECRYPT', manager: 'CUSTOMER', ...extra,
});
const kmsOf = (answer: KeyInfo | Error) => ({
  kms: { describeKey: async () => { if (answer instanceof Error) throw answer; return answer; } },
});

describe('keyCheck', () => {
  it('passes an Enabled symmetric key of the region, with its ARN', async () => {
    const { result, key: found } = await keyCheck(kmsOf(key()), 'alias/avi', 'eu-west-1');
    expect(result).toMatchObject({ id: 'kms-key', status: 'pass', detail: expect.stringContaining(ARN) });
    expect(found?.arn).toBe(ARN);
  });

  it('PendingDeletion blocks and names the deletion date and the fix', async () => {
    const { result } = await keyCheck(kmsOf(key({ state: 'PendingDeletion', deletionDate: '2026-12-06T10:00:00.000Z' })), ARN, 'eu-west-1');
    expect(result.status).toBe('fail');
    expect(result.detail).toBe(`KMS key ${ARN} is PendingDeletion (KMS deletes it on 2026-12-06T10:00:00.000Z); cancel its deletion and enable it, or pass another key with --kms-key`);
  });

  it.each([
    [{ state: 'Disabled' }, /is Disabled; enable it/],
    [{ spec: 'RSA_2048', usage: 'SIGN_VERIFY' }, /RSA_2048\/SIGN_VERIFY; EBS needs a symmetric ENCRYPT_DECRYPT key/],
    [{ arn: ARN.replace('eu-west-1', 'us-east-1') }, /is in us-east-1, not in eu-west-1/],
  ])('refuses an unfit key %j', async (extra, message) => {
    const { result } = await keyCheck(kmsOf(key(extra)), ARN, 'eu-west-1');
    expect(result).toMatchObject({ status: 'fail', detail: expect.stringMatching(message) });
  });

  it('a key that is not there fails naming it; another AWS failure is thrown, not dressed up', async () => {
    const missing = await keyCheck(kmsOf(new AwsError('NotFoundException', 'not found', 'DescribeKey')), 'alias/nope', 'eu-west-1');
    expect(missing.result).toMatchObject({ status: 'fail', detail: expect.stringContaining('KMS key alias/nope was not found') });
    await expect(keyCheck(kmsOf(new AwsError('AccessDeniedException', 'no kms:DescribeKey', 'DescribeKey')), ARN, 'eu-west-1')).rejects.toThrow('no kms:DescribeKey');
  });
});

describe('grantCheck', () => {
  const probesAnswering = (v: DryRunVerdict) => {
    const asked: unknown[][] = [];
    const kms: KmsDryRun = { createGrant: async (...args) => (asked.push(args), v) };
    return { probes: { kms }, asked };
  };

  it('sends CreateGrant as a DryRun on the key, for the key account, and passes when it would succeed', async () => {
    const { probes, asked } = probesAnswering({ verdict: 'allowed', operation: 'CreateGrant' });
    expect(await grantCheck(probes, key())).toMatchObject({ id: 'kms-grant', status: 'pass' });
    expect(asked).toEqual([[ARN, 'arn:aws:iam::111122223333:root', expect.arrayContaining(['CreateGrant', 'Decrypt'])]]);
  });

  it('AccessDeniedException fails naming kms:CreateGrant, the key and why EC2 needs it', async () => {
    const { probes } = probesAnswering({ verdict: 'denied', operation: 'CreateGrant', message: 'AccessDeniedException' });
    const r = await grantCheck(probes, key());
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(new RegExp(`^kms:CreateGrant on KMS key ${ARN} is not allowed for these AWS credentials; EC2 needs it to start an instance`));
  });

  it('needs no DryRun for an AWS managed key, skips an unusable or missing key, and reports another answer as unproven', async () => {
    const { probes, asked } = probesAnswering({ verdict: 'unproven', operation: 'CreateGrant', code: 'KMSInternalException', message: 'boom' });
    expect(await grantCheck(probes, key({ manager: 'AWS' }))).toMatchObject({ status: 'pass', detail: expect.stringContaining('AWS managed') });
    expect(await grantCheck(probes, key({ state: 'Disabled' }))).toMatchObject({ status: 'skip' });
    expect(await grantCheck(probes, undefined)).toMatchObject({ status: 'skip' });
    expect(asked).toEqual([]);
    expect(await grantCheck(probes, key())).toMatchObject({ status: 'pass', unproven: expect.stringContaining('KMSInternalException') });
    // A plan that creates no volume and starts no instance with these credentials needs no grant of theirs.
    expect(await grantCheck(probes, key(), false)).toMatchObject({ status: 'pass', detail: expect.stringMatching(/^not needed/) });
  });
});

describe('iamChecks', () => {
  /** An Ec2DryRun whose answer depends on the method and the first argument. */
  function probe(answer: (method: string, first: unknown) => DryRunVerdict) {
    const sent: string[] = [];
    const face = new Proxy({}, {
      get: (_t, method: string) => async (...args: unknown[]) => (sent.push(`${method} ${JSON.stringify(args[0])}`), answer(method, args[0])),
    }) as Ec2DryRun;
    return { face, sent };
  }
  const ec2 = (method: string, ...args: unknown[]): Invocation => ({ domain: 'ec2', method, args });
  const allowed = (op: string): DryRunVerdict => ({ verdict: 'allowed', operation: op });

  it('sends each distinct planned EC2 write once, none made up by the plan, nothing of the Controller', async () => {
    const { face, sent } = probe((m) => allowed(m));
    const results = await iamChecks(face, [
      ec2('stopInstance', 'i-1'), ec2('stopInstance', 'i-2'), ec2('stopInstance', 'i-1'),
      ec2('attachVolume', 'vol-planned-1', 'i-1', '/dev/xvda'),
      { domain: 'cluster', method: 'putCluster', args: [{}] },
    ]);
    expect(sent).toEqual(['stopInstance "i-1"', 'stopInstance "i-2"']);
    expect(results.map((r) => [r.id, r.status])).toEqual([['iam:ec2:StopInstances', 'pass'], ['iam:ec2:AttachVolume', 'pass']]);
    expect(results[0]!.detail).toBe('allowed (2 of 2 planned calls sent as DryRun)');
    expect(results[1]!.unproven).toBe('every planned call acts on a resource the run creates first');
  });

  it('sends the calls a runbook may make beyond its plan (its rollback) too, counted apart; one the plan has is sent once', async () => {
    const { face, sent } = probe((m) => allowed(m));
    const rollback = { unplanned: "the rollback's" };
    const results = await iamChecks(face, [
      ec2('stopInstance', 'i-1'),
      { ...ec2('stopInstance', 'i-1'), ...rollback },
      { ...ec2('terminateInstance', 'i-2'), ...rollback },
    ]);
    expect(sent).toEqual(['stopInstance "i-1"', 'terminateInstance "i-2"']);
    expect(results.map((r) => [r.id, r.detail])).toEqual([
      ['iam:ec2:StopInstances', 'allowed (1 of 1 planned call sent as DryRun)'],
      ['iam:ec2:TerminateInstances', "allowed (1 of 1 call sent as DryRun: none planned, 1 the rollback's)"],
    ]);
  });

  it('a call beyond the plan that is denied fails its action like a planned one', async () => {
    const { face } = probe((m) => ({ verdict: 'denied', operation: m, message: 'UnauthorizedOperation' }));
    const [terminate] = await iamChecks(face, [{ ...ec2('terminateInstance', 'i-2'), unplanned: "the rollback's" }]);
    expect(terminate).toMatchObject({ id: 'iam:ec2:TerminateInstances', status: 'fail' });
    expect(terminate!.detail).toContain('DryRun TerminateInstances on i-2 answered UnauthorizedOperation');
  });

  it('UnauthorizedOperation on any of an action\'s calls fails it, naming the action and the resource', async () => {
    const { face } = probe((m, first) => (first === 'i-2'
      ? { verdict: 'denied', operation: 'StopInstances', message: 'UnauthorizedOperation' }
      : allowed(m)));
    const [stop] = await iamChecks(face, [ec2('stopInstance', 'i-1'), ec2('stopInstance', 'i-2')]);
    expect(stop).toMatchObject({ id: 'iam:ec2:StopInstances', status: 'fail' });
    expect(stop!.detail).toBe('ec2:StopInstances is not allowed for these AWS credentials (DryRun StopInstances on i-2 answered UnauthorizedOperation): allow ec2:StopInstances in their IAM policy, then retry');
  });

  it('an action EC2 could only answer otherwise first passes as not proven, saying what EC2 answered', async () => {
    const { face } = probe(() => ({ verdict: 'unproven', operation: 'DetachVolume', code: 'IncorrectState', message: 'root of a running instance' }));
    const [detach] = await iamChecks(face, [ec2('detachVolume', 'vol-1', 'i-1', '/dev/xvda')]);
    expect(detach).toMatchObject({ status: 'pass', unproven: 'EC2 answered IncorrectState first (the resources are not yet as the run will have them)' });
  });

  it('a plan without EC2 writes (the Controller does that work) says so in one passing line', async () => {
    const { face, sent } = probe((m) => allowed(m));
    expect(await iamChecks(face, [{ domain: 'cloud', method: 'putCloud', args: [{}] }])).toEqual([
      { id: 'iam', title: 'IAM for the planned EC2 writes (DryRun)', status: 'pass', detail: 'the plan makes no EC2 write with these credentials' },
    ]);
    expect(sent).toEqual([]);
  });

  it('sends at most 20 DryRuns per action', async () => {
    const { face, sent } = probe((m) => allowed(m));
    await iamChecks(face, Array.from({ length: 30 }, (_, i) => ec2('startInstance', `i-${i}`)));
    expect(sent).toHaveLength(20);
  });
});
