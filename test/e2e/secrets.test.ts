// Secrets suite: after full runs (a 1-node controller-swap restored over SSH with the backup
// passphrase, and an SE run), none of the Avi password, the node
// password, the backup passphrase, the SSH private key or the AWS secret key appears in what the
// CLI printed (plan, migrate, status --json) or in any file of the state dir (logs, journal,
// snapshot, run.json, backups); run files are 0600 and run folders 0700.
// The same checks run after every crashed-and-resumed run of crash-matrix.test.ts (all four
// runbooks, the 3-node node password included), and in swap-one-node.test.ts after --restore-via api.
//
// Build first: npx tsc -p tsconfig.json && node --experimental-vm-modules node_modules/jest/bin/jest.js test/e2e/secrets

import { afterEach, describe, expect, it } from '@jest/globals';
import { DEFAULT_FLEET } from '../../src/lab/avi/fleet/options.js';
import { migrateArgs, runCli, startTestLab, type CliResult, type TestLab } from './lab-harness.js';
import { SE_TIME_SCALE, seArgs } from './se-harness.js';
import { envWith, expectExit, expectNoSecrets, expectPrivateModes } from './swap-helpers.js';

const LONG = 150_000;
let lab: TestLab | undefined;
afterEach(async () => lab?.stop(), 30_000);

/** Plan, migrate, then status --json of the finished run: every word the CLI said. */
async function plannedAndRun(args: string[], env: NodeJS.ProcessEnv, stateDir: string): Promise<CliResult[]> {
  const plan = await runCli(args.map((a) => (a === 'migrate' ? 'plan' : a)).filter((a) => a !== '--yes'), env, { timeoutMs: LONG });
  expectExit(plan, 0);
  const run = await runCli(args, env, { timeoutMs: LONG });
  expectExit(run, 0);
  const status = await runCli(['status', '--json', '--state-dir', stateDir], env);
  expectExit(status, 0);
  return [plan, run, status];
}

describe('no secret leaks and private run files', () => {
  it('controller-swap, 1 node, restored over SSH with the backup passphrase (the AMI copied by the run)', async () => {
    lab = await startTestLab(1);
    const outputs = await plannedAndRun(migrateArgs(lab), envWith(lab), lab.stateDir);
    expect(lab.requests.list().some((r) => r.operation === 'SSH /opt/avi/scripts/restore_config.py')).toBe(true);
    expectNoSecrets(lab, outputs, lab.stateDir);
    expectPrivateModes(lab.stateDir);
  }, LONG);

  it('se-scale-out (the cloud written with the key)', async () => {
    lab = await startTestLab(1, { timeScale: SE_TIME_SCALE, fleet: DEFAULT_FLEET });
    const outputs = await plannedAndRun(seArgs(lab, 'migrate', 'se-scale-out'), lab.cliEnv, lab.stateDir);
    expectNoSecrets(lab, outputs, lab.stateDir);
    expectPrivateModes(lab.stateDir);
  }, LONG);
});
