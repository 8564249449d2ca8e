// runPreflight over a small runbook of its own and fake gateways: every check runs on its own
// (one failing never hides the others), the plan's EC2 writes are what IAM probes, a plan that
// refuses for a reason another check names is not counted twice, and another run holding the
// target is what a refusal names (exit 4).

import { describe, expect, it } from '@jest/globals';
import type { DryRunVerdict, Ec2DryRun, KeyInfo } from '../../src/aws/types.js';
import { EXIT } from '../../src/engine/exit-codes.js';
import { firstFailure, refusalCode, runPreflight, type PreflightTarget } from '../../src/engine/preflight/run.js';
import { renderChecklist } from '../../src/engine/preflight/render.js';
import { step } from '../../src/runbook/language.js';
import type { RunbookModule } from '../../src/runbook/module.js';
import type { Settings } from '../../src/runbook/settings.js';
import { fail, pass } from '../../src/steps/check-result.js';
import { action, check } from '../../src/steps/effect.js';
import { PreflightError, TARGET_HELD } from '../../src/steps/errors.js';

interface Data { ready: boolean; instance?: string }

const ARN = 'arn:aws:kms:eu-west-1:111122223333:key/k-1';
const SETTINGS = { strategy: 'tiny', aws: { region: 'eu-west-1' }, avi: { controller: 'https://c', username: 'admin' }, kmsKey: ARN, waitTimeoutMs: 60_000, rollback: true, runbook: {} } as unknown as Settings;

function moduleWith(opts: { refuse?: string; hook?: RunbookModule<Data, object>['preflight'] } = {}): RunbookModule<Data, object> {
  return {
    strategy: 'tiny', document: 'a tiny runbook',
    definition: { strategy: 'tiny', document: 'd', entries: [step('look', 'Look', { preflight: true }), step('stop', 'Stop the instance')] },
    settings: { specs: [], parse: () => ({}) },
    initialData: () => ({ ready: false }),
    effects: (deps) => ({
      look: check<Data, Data>(async () => {
        if (opts.refuse) throw new PreflightError(opts.refuse);
        return { ready: true, instance: 'i-1' };
      }),
      stop: action<Data, Data>(async () => undefined, async ({ data }, w) => w.ec2.stopInstance(data.instance!)),
    }),
    identity: async () => 'tiny', targetLabel: () => 'tiny target', targets: (d) => [{ key: d.instance ?? '?', line: `instance ${d.instance}` }],
    summary: () => [], verify: async () => ({ subjects: [], instances: [], keyUses: [], problems: [], warnings: [], ok: true }),
    ...(opts.hook ? { preflight: opts.hook } : {}),
  };
}

function target(key: Partial<KeyInfo> | Error, stop: DryRunVerdict = { verdict: 'allowed', operation: 'StopInstances' }): PreflightTarget & { sent: string[] } {
  const sent: string[] = [];
  const ec2 = new Proxy({}, { get: (_t, m: string) => async (...args: unknown[]) => (sent.push(`${m} ${String(args[0])}`), m === 'stopInstance' ? stop : { verdict: 'allowed', operation: m }) }) as Ec2DryRun;
  return {
    sent, version: '22.1.3',
    reads: { kms: { describeKey: async () => { if (key instanceof Error) throw key; return { arn: ARN, keyId: 'k-1', state: 'Enabled', spec: 'SYMMETRIC_DEFAULT', usage: 'ENCRYPT_DECRYPT', manager: 'CUSTOMER', ...key }; } } } as never,
    probes: { ec2, kms: { createGrant: async () => ({ verdict: 'allowed', operation: 'CreateGrant' }) } },
  };
}

const secrets = { backupPassphrase: 'environment' as const };
const signal = new AbortController().signal;

describe('runPreflight', () => {
  it('passes everything on a fit target: the key, the grant, the plan, IAM for the plan\'s EC2 writes, the runbook\'s own', async () => {
    const t = target({});
    const hook = async () => [pass('own', 'own check', 'fine')];
    const { report, made } = await runPreflight(moduleWith({ hook }), SETTINGS, t, secrets, signal);
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['connect', 'pass'], ['plan', 'pass'], ['kms-key', 'pass'], ['kms-grant', 'pass'], ['iam:ec2:StopInstances', 'pass'], ['own', 'pass'],
    ]);
    // The plan only stops an instance: no volume, no start, so EC2 never needs a grant of these credentials.
    expect(report.checks.find((c) => c.id === 'kms-grant')!.detail).toMatch(/^not needed/);
    expect(report.ok).toBe(true);
    expect(t.sent).toEqual(['stopInstance i-1']);
    expect(made?.data).toEqual({ ready: true, instance: 'i-1' });
    expect(renderChecklist(report).split('\n').at(-1)).toBe('6 checks passed.');
  });

  it('shows every failure at once: a denied write and the runbook\'s own failure, with the key and plan still checked', async () => {
    const denied: DryRunVerdict = { verdict: 'denied', operation: 'StopInstances', message: 'UnauthorizedOperation' };
    const hook = async () => [fail('own', 'own check', 'not fine')];
    const { report } = await runPreflight(moduleWith({ hook }), SETTINGS, target({}, denied), secrets, signal);
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual(['iam:ec2:StopInstances', 'own']);
    expect(firstFailure(report)).toMatch(/^ec2:StopInstances is not allowed for these AWS credentials/);
    expect(refusalCode(report)).toBe(EXIT.preflight);
    expect(renderChecklist(report)).toContain('  ✗ ec2:StopInstances (DryRun): ec2:StopInstances is not allowed');
  });

  it('a plan refused for the reason the key check names is one failure; IAM is skipped without a plan', async () => {
    const problem = `KMS key ${ARN} is Disabled; enable it, or pass another key with --kms-key`;
    const { report, made } = await runPreflight(moduleWith({ refuse: problem }), SETTINGS, target({ state: 'Disabled' }), secrets, signal);
    expect(made).toBeUndefined();
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['connect', 'pass'], ['plan', 'skip'], ['kms-key', 'fail'], ['kms-grant', 'skip'], ['iam', 'skip'],
    ]);
    expect(report.checks.find((c) => c.id === 'plan')!.detail).toBe('not made: the runbook refuses for the same reason as "KMS key"');
  });

  it('a runbook\'s hook gets the data as far as a refused plan got, marked as not made', async () => {
    let found: unknown;
    const hook: RunbookModule<Data, object>['preflight'] = async (_r, _s, f) => ((found = f), []);
    await runPreflight(moduleWith({ refuse: 'no room', hook }), SETTINGS, target({}), secrets, signal);
    expect(found).toMatchObject({ planMade: false, data: { ready: false } });
  });

  it('a check that throws is its own failure, and the hook still gets what the engine found', async () => {
    let found: unknown;
    const hook: RunbookModule<Data, object>['preflight'] = async (_r, _s, f) => {
      found = f;
      return [{ ...fail('held', 'not held', 'run r-9 holds it'), code: TARGET_HELD }];
    };
    const { report } = await runPreflight(moduleWith({ hook }), SETTINGS, target(new Error('KMS is down')), secrets, signal);
    expect(report.checks.find((c) => c.id === 'kms-key')).toMatchObject({ status: 'fail', detail: 'KMS is down' });
    expect(found).toEqual({ planMade: true, data: { ready: true, instance: 'i-1' }, controllerVersion: '22.1.3', secrets });
    // Another run holding the target explains the rest: it is what the refusal names, with exit 4.
    expect(firstFailure(report)).toBe('run r-9 holds it');
    expect(refusalCode(report)).toBe(EXIT.locked);
  });
});
