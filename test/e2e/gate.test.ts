// The approval gate before the first node goes down: without a terminal and without --yes, a
// migrate does what needs no approval (the volumes) and rests there, saved, with no instance
// stopped (exit 7); `approve` continues it to the end.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_PATH, runCli, runDirs, startTestLab, type TestLab } from './lab-harness.js';

const TIMEOUT = 120_000;
let lab: TestLab;

beforeAll(async () => {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: build first`);
  lab = await startTestLab(3);
}, TIMEOUT);
afterAll(async () => lab?.stop(), TIMEOUT);

const count = (op: string) => lab.requests.list().filter((r) => r.operation === op && r.status === 200).length;

describe('the gate before the first node goes down', () => {
  it('a migrate without a terminal and without --yes rests at the gate: volumes made, no instance stopped, exit 7', async () => {
    const r = await runCli(['migrate', '--strategy', 'controller-swap', '--state-dir', lab.stateDir], lab.cliEnv, { timeoutMs: TIMEOUT });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 7, stderr: '' });
    const [dir] = runDirs(lab.stateDir);
    const runId = dir!.split('/').pop()!;
    expect(r.stdout).toMatch(/waiting for approval: Each Controller node goes down in turn: 10\.10\.1\.\d+, 10\.10\.1\.\d+, 10\.10\.1\.\d+ go down one at a time/);
    expect(r.stdout).toContain(`avi-encrypt approve ${runId}`);
    expect(count('StopInstances')).toBe(0);
    expect(count('CreateVolume')).toBe(3);
    const meta = JSON.parse(readFileSync(join(dir!, 'run.json'), 'utf8')) as { status: string };
    expect(meta.status).toBe('waiting-approval');
    const journal = readFileSync(join(dir!, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; step?: string });
    expect(journal.filter((e) => e.event.startsWith('gate-'))).toEqual([
      expect.objectContaining({ event: 'gate-asked', step: 'nodes-go-down' }),
      expect.objectContaining({ event: 'gate-waiting', step: 'nodes-go-down' }),
    ]);
    const status = await runCli(['status', '--state-dir', lab.stateDir], lab.cliEnv);
    expect(status.stdout).toContain(`${runId}  waiting-approval`);
    expect(status.stdout).toContain(`approve: avi-encrypt approve ${runId}`);

    // resume without --yes and without a terminal stays refused; approve is the consent.
    const refused = await runCli(['resume', runId, '--state-dir', lab.stateDir], lab.cliEnv);
    expect(refused.code).toBe(2);
    expect(count('StopInstances')).toBe(0);
    const approved = await runCli(['approve', runId, '--state-dir', lab.stateDir], lab.cliEnv, { timeoutMs: TIMEOUT });
    expect({ code: approved.code, stderr: approved.stderr }).toEqual({ code: 0, stderr: '' });
    expect(approved.stdout).toContain('done: every Controller root volume is encrypted');
    expect(count('StopInstances')).toBe(3);
    expect(count('CreateVolume')).toBe(3);
    const after = readFileSync(join(dir!, 'journal.jsonl'), 'utf8');
    expect(after).toContain('"event":"run-finished"');

    const again = await runCli(['approve', runId, '--state-dir', lab.stateDir], lab.cliEnv);
    expect(again.stdout).toBe(`run ${runId} already finished; nothing to resume\n`);
  }, TIMEOUT);
});
