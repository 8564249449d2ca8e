// End to end, controller-new-vms killed (SIGKILL) and resumed at its most delicate moments: during
// the launches, right after each membership PUT was accepted, and right after the old leader's VM
// was told to stop. Every resume goes on from where the run was; the end state has exactly one new
// VM per node (by tags), one accepted membership change per node, the old VMs terminated
// (--terminate-old), and two nodes active at every moment.
//
// Build first: npx tsc -p tsconfig.json && node --experimental-vm-modules node_modules/jest/bin/jest.js test/e2e/new-vms-resume

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabRequest } from '../../src/lab/world/types.js';
import { pollUntil, runCli, spawnCli, startTestLab, waitForExit, type CliResult, type TestLab } from './lab-harness.js';
import { expectCode, expectReplaced, newVmsArgs, newVmsEnv } from './new-vms-helpers.js';

const LONG = 240_000;
let lab: TestLab;
const killedAt: string[] = [];
let final: CliResult;

const seen = (match: (r: LabRequest) => boolean) => lab.requests.list().filter(match).length;
const accepted = (r: LabRequest) => r.operation === 'PUT /api/cluster' && r.status === 200;

/** Starts `args`, kills it hard as soon as the lab has seen `count` requests matching `match`. */
async function killWhen(args: string[], what: string, match: (r: LabRequest) => boolean, count: number): Promise<void> {
  const child = spawnCli(args, newVmsEnv(lab));
  await pollUntil(() => child.exitCode !== null || seen(match) >= count, what, 90_000, 2);
  child.kill('SIGKILL');
  const r = await waitForExit(child);
  if (r.signal !== 'SIGKILL') throw new Error(`the run ended before ${what} (exit ${String(r.code)})\n${r.stdout}\n${r.stderr}`);
  killedAt.push(what);
}

const resume = ['resume', '--yes', '--state-dir'];

beforeAll(async () => {
  lab = await startTestLab(3);
  await killWhen(newVmsArgs(lab, '--terminate-old'), 'the first launch', (r) => r.operation === 'RunInstances' && r.status === 200, 1);
  await killWhen([...resume, lab.stateDir], 'the first membership change', accepted, 1);
  await killWhen([...resume, lab.stateDir], 'the second membership change', accepted, 2);
  await killWhen([...resume, lab.stateDir], "the old leader's stop", (r) => r.operation === 'StopInstances' && r.status === 200, 1);
  await killWhen([...resume, lab.stateDir], 'the third membership change', accepted, 3);
  final = await runCli([...resume, lab.stateDir], newVmsEnv(lab), { timeoutMs: 120_000 });
}, LONG);

afterAll(async () => lab?.stop());

describe('controller-new-vms killed and resumed around every change', () => {
  it('was killed at each point, then finished', () => {
    expect(killedAt).toHaveLength(5);
    expectCode(final, 0);
    expect(final.stdout).toContain('done: the Controller cluster runs on 3 new VMs');
  });

  it('no duplicate VM (by tags), no membership change twice, old VMs terminated, two nodes active throughout', async () => {
    await expectReplaced(lab, 'terminated');
    expect(seen(accepted)).toBe(3);
    // Every VM ever launched with this run's tags, terminated ones included: exactly one per node.
    expect([...lab.world.instances.values()].filter((i) => i.tags['avi-encrypt:role'] === 'controller-replacement')).toHaveLength(3);
  });

  it('resumed the one run each time, never started another', () => {
    const runs = readdirSync(join(lab.stateDir, 'runs'));
    expect(runs).toHaveLength(1);
    const journal = readFileSync(join(lab.stateDir, 'runs', runs[0]!, 'journal.jsonl'), 'utf8').trim().split('\n').flatMap((l) => {
      try {
        return [JSON.parse(l) as { event: string }];
      } catch {
        return []; // a line cut short by the kill
      }
    });
    expect(journal.filter((e) => e.event === 'run-resumed')).toHaveLength(5);
    expect(journal.at(-1)!.event).toBe('run-finished');
  });
});
