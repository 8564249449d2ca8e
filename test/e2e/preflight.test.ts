// End to end in the lab, for every runbook on main (runbooks-on-main.ts): `avi-encrypt preflight`
// all green on a fresh lab; a key pending deletion named with its date; a policy without
// ec2:StopInstances or kms:CreateGrant named by preflight and by migrate, which refuses with zero
// mutating calls (the SE runbooks make no EC2 write with these credentials: there it passes, saying
// so); a 1-node restore without its passphrase. Build first: `npx tsc -p tsconfig.json`.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PreflightReport } from '../../src/engine/preflight/run.js';
import { mutatingCount, runCli, runDirs, startTestLab, type CliResult, type TestLab } from './lab-harness.js';
import { policyWithout, RUNBOOKS } from './runbooks-on-main.js';

const TIMEOUT = 120_000;

/** Runs the CLI; returns its result and the mutating requests the lab saw meanwhile. */
async function cli(lab: TestLab, args: string[], env: NodeJS.ProcessEnv = lab.cliEnv): Promise<{ r: CliResult; mutating: number }> {
  const before = mutatingCount(lab);
  const r = await runCli(args, env, { timeoutMs: TIMEOUT - 10_000 });
  return { r, mutating: mutatingCount(lab) - before };
}

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

/** migrate refused by preflight: exit 3, one line on stderr, nothing on stdout, no run folder. */
function expectMigrateRefused(lab: TestLab, r: CliResult): string {
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 3, stdout: '' });
  expect(lines(r.stderr)).toHaveLength(1);
  expect(runDirs(lab.stateDir)).toEqual([]);
  return r.stderr.trim();
}

describe.each(RUNBOOKS)('preflight ($strategy)', (rb) => {
  let lab: TestLab;
  const args = (command: string, ...more: string[]) => [command, '--strategy', rb.strategy, ...rb.args, '--state-dir', lab.stateDir, ...more];
  beforeAll(async () => {
    lab = await rb.start();
  }, TIMEOUT);
  afterAll(async () => lab?.stop(), TIMEOUT);

  it('is all green on a fresh lab, as text and as JSON, and changes nothing', async () => {
    const { r, mutating } = await cli(lab, args('preflight'));
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const checks = lines(r.stdout).filter((l) => l.startsWith('  '));
    expect(checks.length).toBeGreaterThan(8);
    expect(checks.filter((l) => !l.startsWith('  ✓ '))).toEqual([]);
    if (rb.writesEc2) expect(r.stdout).toContain('  ✓ ec2:StopInstances (DryRun): allowed');
    else expect(r.stdout).toContain('  ✓ IAM for the planned EC2 writes (DryRun): the plan makes no EC2 write with these credentials');
    const json = await cli(lab, args('preflight', '--json'));
    const report = JSON.parse(json.r.stdout) as PreflightReport;
    expect({ code: json.r.code, ok: report.ok, failed: report.checks.filter((c) => c.status !== 'pass') }).toEqual({ code: 0, ok: true, failed: [] });
    expect(report.checks.map((c) => c.id)).toEqual(expect.arrayContaining(['kms-key', 'kms-grant', 'plan', 'avi-version', 'avi-write-access']));
    expect(mutating + json.mutating).toBe(0);
    expect(runDirs(lab.stateDir)).toEqual([]);
  }, TIMEOUT);

  it('a key pending deletion: preflight and migrate name the deletion date; nothing changes', async () => {
    const key = lab.world.createKey({ description: 'preflight: pending deletion' });
    lab.world.scheduleKeyDeletion(key.keyId, 7);
    const date = lab.world.keys.get(key.keyId)!.deletionDate!;
    const problem = `KMS key ${key.arn} is PendingDeletion (KMS deletes it on ${date}); cancel its deletion and enable it, or pass another key with --kms-key`;
    const pre = await cli(lab, args('preflight', '--kms-key', key.arn));
    expect(pre.r.code).toBe(3);
    expect(pre.r.stdout).toContain(`  ✗ KMS key: ${problem}`);
    const mig = await cli(lab, args('migrate', '--yes', '--kms-key', key.arn));
    expect(expectMigrateRefused(lab, mig.r)).toBe(`avi-encrypt: ${problem}`);
    expect(pre.mutating + mig.mutating).toBe(0);
  }, TIMEOUT);
});

describe.each(RUNBOOKS)('preflight under a narrow IAM policy ($strategy)', (rb) => {
  it.each([
    ['ec2:StopInstances', /^avi-encrypt: ec2:StopInstances is not allowed for these AWS credentials \(DryRun StopInstances on i-[0-9a-f]+ answered UnauthorizedOperation\): allow ec2:StopInstances in their IAM policy, then retry$/],
    ['kms:CreateGrant', /^avi-encrypt: kms:CreateGrant on KMS key arn:aws:kms:\S+ is not allowed for these AWS credentials; EC2 needs it to start an instance/],
  ])('without %s: named by preflight and migrate, with zero mutating calls (when the plan needs it)', async (action, line) => {
    const lab = await rb.start({ iamPolicy: policyWithout(action) });
    try {
      const args = (command: string, ...more: string[]) => [command, '--strategy', rb.strategy, ...rb.args, '--state-dir', lab.stateDir, ...more];
      const pre = await cli(lab, args('preflight'));
      const failed = lines(pre.r.stdout).filter((l) => l.startsWith('  ✗ '));
      if (!rb.writesEc2) {
        // The Controller launches and deletes the SEs with its own credentials: these need neither.
        expect({ code: pre.r.code, failed }).toEqual({ code: 0, failed: [] });
        expect(pre.mutating).toBe(0);
        return;
      }
      expect(pre.r.code).toBe(3);
      expect(failed).toHaveLength(1);
      expect(failed[0]).toContain(action);
      const mig = await cli(lab, args('migrate', '--yes'));
      expect(expectMigrateRefused(lab, mig.r)).toMatch(line);
      expect(pre.mutating + mig.mutating).toBe(0);
      expect(lab.requests.list().filter((q) => q.mutating)).toEqual([]);
    } finally {
      await lab.stop();
    }
  }, TIMEOUT);
});

describe('preflight of a 1-node Controller restore', () => {
  it('names the missing backup passphrase when no terminal can ask for it', async () => {
    const lab = await startTestLab(1);
    try {
      const withIt = await cli(lab, ['preflight', '--strategy', 'controller-swap', '--state-dir', lab.stateDir]);
      expect(withIt.r.code).toBe(0);
      expect(withIt.r.stdout).toContain('  ✓ Backup passphrase for the 1-node restore: from AVI_BACKUP_PASSPHRASE');
      expect(withIt.r.stdout).toMatch(/  ✓ The Controller's SSH for the 1-node restore: key \S+ logs in as admin on /);
      const env = { ...lab.cliEnv };
      delete env['AVI_BACKUP_PASSPHRASE'];
      const without = await cli(lab, ['migrate', '--strategy', 'controller-swap', '--yes', '--state-dir', lab.stateDir], env);
      expect(expectMigrateRefused(lab, without.r)).toMatch(/^avi-encrypt: a 1-node migration backs up and restores the configuration with a passphrase: set AVI_BACKUP_PASSPHRASE/);
      expect(withIt.mutating + without.mutating).toBe(0);
    } finally {
      await lab.stop();
    }
  }, TIMEOUT);
});
