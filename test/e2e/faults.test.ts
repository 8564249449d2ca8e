// Faults suite: faults injected through the lab's fault API (what `lab fault` posts) in the middle
// of a controller-swap of 3 nodes and of an se-scale-out. Each run either completes, or rolls back and halts with one clear
// line; and no original Controller volume is deleted (the lab saw no DeleteVolume nor TerminateInstances, and
// every volume there before the run is still there after it).
//
// | fault                               | when                                      | outcome                 | where                          |
// |-------------------------------------|-------------------------------------------|-------------------------|--------------------------------|
// | 20% throttling (EC2 and KMS)        | the whole run                             | completes               | strict-aws.test.ts             |
// | Avi 503 (services restarting)       | as the first node's re-formation begins   | completes               | here                           |
// | session expiry                      | as the second node stops                  | completes               | here                           |
// | key disabled                        | while a node starts                       | rolled back, exit 6     | resume.test.ts (1 and 3 nodes) |
// | a start that falls back to stopped  | the first node's start (and its rollback) | halts, exit 5, one line | here                           |
// | a node that never converges         | the first node (fixed as rollback begins) | rolled back, exit 6, one line | here                     |
// | a new VM that never joins (new-vms) | after its membership change               | rolled back, exit 6     | new-vms-rollback.test.ts       |
// | se-scale-out: 20% throttling + session expiry + Avi 503 | the whole run; as the first SE is disabled; as the old SEs are deleted | completes | here |
// | se-scale-out: a virtual service that cannot move | its SE's drain                | rolled back, exit 6     | se-scale-out.test.ts           |
//
// Build first: npx tsc -p tsconfig.json && node --experimental-vm-modules node_modules/jest/bin/jest.js test/e2e/faults

import { afterAll, describe, expect, it } from '@jest/globals';
import { DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { DEFAULT_FLEET } from '../../src/lab/avi/fleet/options.js';
import type { FaultRequest } from '../../src/lab/faults.js';
import { ec2For, migrateArgs, pollUntil, spawnCli, startTestLab, waitForExit, type CliResult, type TestLab } from './lab-harness.js';
import { journal } from './crash-points.js';
import { SE_TIME_SCALE, seArgs } from './se-harness.js';
import { envWith } from './swap-helpers.js';

const LONG = 200_000;
const labs: TestLab[] = [];
afterAll(async () => Promise.all(labs.map((l) => l.stop())), 30_000);

interface Faulted { lab: TestLab; result: CliResult; volumesBefore: string[]; said: string }

const startedStep = (lab: TestLab, step: string, nth = 1) => journal(lab.stateDir).filter((e) => e.event === 'step-started' && e.step === step)[nth - 1];

/**
 * A 3-node swap; when the journal shows `step` started for the `nth` time, `fault(lab, item)` is
 * applied; cleared (the cause fixed) when `clearAt` starts, if given.
 */
async function swapWith(step: string, nth: number, fault: (lab: TestLab, item: string) => FaultRequest, more: string[] = [], clearAt?: string): Promise<Faulted> {
  const lab = await startTestLab(3);
  labs.push(lab);
  const ec2 = ec2For(lab);
  const volumesBefore = ((await ec2.send(new DescribeVolumesCommand({}))).Volumes ?? []).map((v) => v.VolumeId!);
  const child = spawnCli(migrateArgs(lab, ...more), envWith(lab));
  const started = await pollUntil(() => {
    if (child.exitCode !== null) throw new Error(`the run ended before ${step} started`);
    return startedStep(lab, step, nth);
  }, `${step} started`, 90_000, 2);
  lab.faults.apply(fault(lab, started.item ?? ''));
  if (clearAt) {
    await pollUntil(() => child.exitCode !== null || !!startedStep(lab, clearAt), `${clearAt} started`, 120_000, 2);
    lab.faults.clear();
  }
  const result = await waitForExit(child, 150_000);
  lab.faults.clear();
  ec2.destroy();
  return { lab, result, volumesBefore, said: `${result.stdout}${result.stderr}` };
}

async function expectNoOriginalDeleted(f: Faulted): Promise<void> {
  expect(f.lab.requests.list().filter((r) => ['DeleteVolume', 'TerminateInstances', 'DeleteSnapshot'].includes(r.operation))).toEqual([]);
  const ec2 = ec2For(f.lab);
  try {
    const still = (await ec2.send(new DescribeVolumesCommand({ VolumeIds: f.volumesBefore }))).Volumes ?? [];
    expect(still.map((v) => v.VolumeId).sort()).toEqual([...f.volumesBefore].sort());
  } finally {
    ec2.destroy();
  }
}

/** Halted: the one line that says the run stopped and why (exit 6 rolled back, 5 failed). */
function haltLine(f: Faulted): string {
  expect([5, 6]).toContain(f.result.code);
  const lines = f.said.split('\n').filter((l) => /^run \S+ (rolled back|failed)/.test(l));
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

const instanceOf = (lab: TestLab, ip: string) => lab.seed.nodes.find((n) => n.ip === ip)!.instanceId;

describe('controller-swap, 3 nodes, under faults', () => {
  let completes: Faulted[];
  let halts: { startFails: Faulted; noConverge: Faulted };

  it('Avi 503 as a re-formation begins, sessions expiring as a node stops: each run completes', async () => {
    completes = await Promise.all([
      swapWith('cluster-ready', 1, () => ({ kind: 'avi-503', forMs: 120_000 })),
      swapWith('stop-node', 2, () => ({ kind: 'avi-session-expire' })),
    ]);
    for (const f of completes) {
      expect({ code: f.result.code, stderr: f.result.stderr }).toEqual({ code: 0, stderr: '' });
      await expectNoOriginalDeleted(f);
    }
    expect(completes[0]!.lab.requests.list().some((r) => r.service === 'avi' && r.status === 503)).toBe(true);
    expect(completes[1]!.lab.requests.list().filter((r) => r.operation === 'POST /login').length).toBeGreaterThan(1);
  }, LONG);

  it('a start that falls back to stopped, a node that never converges: each halts with one line, originals kept', async () => {
    const [startFails, noConverge] = await Promise.all([
      swapWith('start-node', 1, (lab, ip) => ({ kind: 'start-fails', instance: instanceOf(lab, ip) })),
      // Fixed once the rollback begins: the node re-joins on its original root.
      swapWith('stop-node', 1, (_lab, ip) => ({ kind: 'no-converge', node: ip }), ['--wait-timeout', '0.1'], 'rollback-stop-node'),
    ]);
    halts = { startFails: startFails!, noConverge: noConverge! };
    // The fault stays: the rollback's start on the original root falls back too, and the run halts there.
    expect(haltLine(halts.startFails)).toMatch(/failed at step rollback-start-node \[\S+\]: instance \S+ \(\S+\) fell back to stopped \(Client\.InternalError: Client error on launch\); it is on its original root/);
    expect(halts.noConverge.result.code).toBe(6);
    expect(haltLine(halts.noConverge)).toMatch(/^run \S+ rolled back 10\.10\.1\.\d+ after cluster-ready \[\S+\] failed: timed out waiting for cluster READY/);
    for (const f of Object.values(halts)) await expectNoOriginalDeleted(f);
  }, LONG);
});

describe('se-scale-out under faults', () => {
  it('20% throttling throughout, sessions expiring as the first SE is disabled, Avi 503 as the old SEs are deleted: completes, every SE encrypted', async () => {
    const lab = await startTestLab(1, { timeScale: SE_TIME_SCALE, fleet: DEFAULT_FLEET });
    labs.push(lab);
    lab.faults.apply({ kind: 'throttle', rate: 0.2 });
    const child = spawnCli(seArgs(lab, 'migrate', 'se-scale-out'), lab.cliEnv);
    for (const [step, fault] of [['disable-se', { kind: 'avi-session-expire' }], ['delete-old-ses', { kind: 'avi-503', forMs: 60_000 }]] as const) {
      await pollUntil(() => child.exitCode !== null || !!startedStep(lab, step), `${step} started`, 90_000, 2);
      lab.faults.apply(fault);
    }
    const r = await waitForExit(child, 150_000);
    lab.faults.clear();
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const seen = lab.requests.list();
    expect({
      throttled: seen.some((q) => q.error === 'RequestLimitExceeded' || q.error === 'ThrottlingException'),
      relogged: seen.filter((q) => q.operation === 'POST /login').length > 1,
      unavailable: seen.some((q) => q.service === 'avi' && q.status === 503),
    }).toEqual({ throttled: true, relogged: true, unavailable: true });
    const ses = [...lab.fleet!.ses.values()];
    expect(ses.length).toBeGreaterThan(0);
    for (const se of ses) {
      const inst = lab.world.instances.get(se.instanceId)!;
      const root = lab.world.volumes.get(inst.devices[inst.rootDeviceName]!)!;
      expect({ se: se.name, encrypted: root.encrypted, key: root.kmsKeyArn }).toEqual({ se: se.name, encrypted: true, key: lab.seed.customerKeyArn });
    }
  }, LONG);
});
