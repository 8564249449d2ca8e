// The crash matrix: every runbook is killed (SIGKILL) right after a step of each kind starts and
// inside its long waits, resumed each time with `resume --yes`, and must end as an uninterrupted run
// of the same runbook on an identical lab (run side by side): the same instances, root encryption
// and keys, and the same resources tagged with its run id (volumes, instances, snapshots, AMIs),
// so nothing was made twice and nothing was left behind. Read through the lab's EC2 API.
//
// The sample (each runbook's points in the order the run reaches them; "inside" = a few lab
// requests after the wait began, so the kill lands between polls):
//
// | runbook            | check (preflight)  | action                       | wait                      | inside a long wait         | check (after changes) |
// |--------------------|--------------------|------------------------------|---------------------------|----------------------------|-----------------------|
// | controller-swap    | check-key          | copy-ami, create-volumes     | node-stopped              | copy-ami, cluster-ready    | check-ami-copy, verify|
// | controller-new-vms | check-launch       | launch-replacement, swap-membership | old-retired        | members-ready              | verify                |
// | se-scale-out       | discover-groups    | set-cloud-encryption, disable-se | se-drained            | cloud-ready                | verify-group          |
// | se-relaunch        | check-capacity     | delete-ses                   | old-ses-terminated        | vss-served-again           | verify-group          |
//
// Other crash tests, not repeated here: resume.test.ts (swap: the lock take-over, status, a kill
// between detach and attach), new-vms-resume.test.ts (a kill right after each membership PUT).
//
// Build first: npx tsc -p tsconfig.json && node --experimental-vm-modules node_modules/jest/bin/jest.js test/e2e/crash-matrix

import { afterEach, describe, expect, it } from '@jest/globals';
import { DEFAULT_FLEET } from '../../src/lab/avi/fleet/options.js';
import { runCli, startTestLab, type TestLab } from './lab-harness.js';
import { census, crashAndResume, expectOk, journal, onlyRunId, type CrashPoint } from './crash-points.js';
import { SE_TIME_SCALE } from './se-harness.js';
import { expectNoSecrets, expectPrivateModes } from './swap-helpers.js';

const LONG = 200_000;

interface Case {
  strategy: 'controller-swap' | 'controller-new-vms' | 'se-scale-out' | 'se-relaunch';
  points: CrashPoint[];
  extra?: string[];
}

const CASES: Case[] = [
  {
    strategy: 'controller-swap',
    points: [
      { kind: 'check', step: 'check-key' },
      { kind: 'action', step: 'copy-ami', polls: 4 },
      { kind: 'check', step: 'check-ami-copy' },
      { kind: 'action', step: 'create-volumes' },
      { kind: 'wait', step: 'node-stopped' },
      { kind: 'wait', step: 'cluster-ready', polls: 6 },
      { kind: 'check', step: 'verify' },
    ],
  },
  {
    strategy: 'controller-new-vms',
    points: [
      { kind: 'check', step: 'check-launch' },
      { kind: 'action', step: 'launch-replacement' },
      { kind: 'action', step: 'swap-membership' },
      { kind: 'wait', step: 'members-ready', polls: 6 },
      { kind: 'wait', step: 'old-retired' },
      { kind: 'check', step: 'verify' },
    ],
  },
  {
    strategy: 'se-scale-out',
    points: [
      { kind: 'check', step: 'discover-groups' },
      { kind: 'action', step: 'set-cloud-encryption' },
      { kind: 'wait', step: 'cloud-ready', polls: 4 },
      { kind: 'action', step: 'disable-se' },
      { kind: 'wait', step: 'se-drained' },
      { kind: 'check', step: 'verify-group' },
    ],
  },
  {
    strategy: 'se-relaunch',
    points: [
      { kind: 'check', step: 'check-capacity' },
      { kind: 'action', step: 'delete-ses' },
      { kind: 'wait', step: 'vss-served-again', polls: 4 },
      { kind: 'wait', step: 'old-ses-terminated' },
      { kind: 'check', step: 'verify-group' },
    ],
  },
];

const labs: TestLab[] = [];
afterEach(async () => {
  await Promise.all(labs.splice(0).map((l) => l.stop()));
}, 30_000);

const isSe = (s: Case['strategy']) => s.startsWith('se-');

async function labFor(c: Case): Promise<TestLab> {
  const lab = isSe(c.strategy) ? await startTestLab(1, { timeScale: SE_TIME_SCALE, fleet: DEFAULT_FLEET }) : await startTestLab(3);
  labs.push(lab);
  return lab;
}

function argsFor(c: Case, lab: TestLab): string[] {
  return ['migrate', '--strategy', c.strategy, '--yes', '--state-dir', lab.stateDir, ...(isSe(c.strategy) ? ['--cloud', 'Default-Cloud'] : [])];
}

/** The Controller runbooks copy the AMI themselves (no encrypted AMI given): one more long wait to crash in. */
function envFor(c: Case, lab: TestLab): NodeJS.ProcessEnv {
  const env = { ...lab.cliEnv };
  if (!isSe(c.strategy)) delete env['AVI_ENCRYPT_ENCRYPTED_AMI'];
  return env;
}

describe.each(CASES)('$strategy killed at every step kind and resumed', (c) => {
  it('ends as an uninterrupted run: same instances and encryption, the same run-tagged resources, none twice, none left over', async () => {
    const [plain, crashed] = [await labFor(c), await labFor(c)];
    const [uninterrupted, { final, hit, outputs }] = await Promise.all([
      runCli(argsFor(c, plain), envFor(c, plain), { timeoutMs: 150_000 }),
      crashAndResume(crashed, argsFor(c, crashed), envFor(c, crashed), c.points),
    ]);
    expectOk(uninterrupted);
    expectOk(final);
    expect(hit).toHaveLength(c.points.length);
    // One run, resumed once per kill, finished.
    const events = journal(crashed.stateDir).map((e) => e.event);
    expect({ resumed: events.filter((e) => e === 'run-resumed').length, last: events.at(-1) }).toEqual({ resumed: c.points.length, last: 'run-finished' });

    const [want, got] = [await census(plain, onlyRunId(plain.stateDir)), await census(crashed, onlyRunId(crashed.stateDir))];
    expect(got).toEqual(want);
    // The end state itself: every running instance of the migrated kind boots from a root encrypted with the customer key.
    const migrated = got.instances.filter((i) => i.startsWith(isSe(c.strategy) ? 'se:' : 'avi-controller-') || i.startsWith('controller-replacement:'));
    const running = migrated.filter((i) => / running /.test(i));
    expect(running.length).toBe(isSe(c.strategy) ? running.length : 3);
    expect(running.length).toBeGreaterThan(0);
    expect(running.filter((i) => !/ encrypted=true customer-key$/.test(i))).toEqual([]);
    // The secrets suite's checks, on every run here: nothing secret said or written, private run files.
    expectNoSecrets(crashed, outputs, crashed.stateDir);
    expectPrivateModes(crashed.stateDir);
  }, LONG);
});
