// A saved run that is missing or damaged is bad input: one line naming the file and what to do,
// exit 2, and nothing reaches AWS or the Controller. `status` still lists the healthy runs.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_PATH, runCli, runDirs, startTestLab, type CliResult, type TestLab } from './lab-harness.js';

const TIMEOUT = 60_000;
let lab: TestLab;
let template: string;
/** The last step the template run started (before its gate). */
let lastStep: string;
let copies = 0;

/** A copy of the template run under a new id, with run.json saying `status`. */
function runLike(status: string): { id: string; dir: string } {
  const id = `20260101-0000${String(++copies).padStart(2, '0')}-controller-swap-ab${String(copies).padStart(2, '0')}`;
  const dir = join(lab.stateDir, 'runs', id);
  cpSync(template, dir, { recursive: true });
  const meta = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...meta, runId: id, status }));
  return { id, dir };
}

/** Runs the CLI; returns its result and the lab requests it caused (expected: none). */
async function cli(args: string[]): Promise<{ r: CliResult; calls: number }> {
  const before = lab.requests.list().length;
  const r = await runCli([...args, '--state-dir', lab.stateDir], lab.cliEnv);
  return { r, calls: lab.requests.list().length - before };
}

function oneLine(r: CliResult, code: number): string {
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code, stdout: '' });
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^avi-encrypt: /);
  expect(lines[0]).not.toMatch(/internal error/);
  return lines[0]!.slice('avi-encrypt: '.length);
}

beforeAll(async () => {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: build first`);
  lab = await startTestLab(3);
  // A real run folder to copy: without --yes and without a terminal the run rests at its approval
  // gate (exit 7), nothing down. (A preflight refusal makes no run folder at all.)
  const r = await runCli(['migrate', '--strategy', 'controller-swap', '--state-dir', lab.stateDir], lab.cliEnv);
  expect(r.code).toBe(7);
  template = runDirs(lab.stateDir)[0]!;
  expect(existsSync(join(template, 'snapshot.json'))).toBe(true);
  const started = readFileSync(join(template, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean)
    .map((l) => JSON.parse(l) as { event: string; step?: string }).filter((e) => e.event === 'step-started');
  lastStep = started[started.length - 1]!.step!;
}, TIMEOUT);

afterAll(async () => lab?.stop(), TIMEOUT);

describe('resume and status on damaged or unconfirmed runs', () => {
  it('resume without --yes and without a terminal is refused like migrate, before anything is called', async () => {
    const { id } = runLike('failed');
    const { r, calls } = await cli(['resume', id]);
    expect(oneLine(r, 2)).toBe(`resume changes production and stdin is not a terminal to confirm on; pass --yes (avi-encrypt resume ${id} --yes)`);
    expect(calls).toBe(0);
  }, TIMEOUT);

  it('a missing snapshot.json is refused, saying what ran and what to do (never a silent restart)', async () => {
    const { id, dir } = runLike('failed');
    rmSync(join(dir, 'snapshot.json'));
    const { r, calls } = await cli(['resume', id, '--yes']);
    const msg = oneLine(r, 2);
    expect(msg).toMatch(new RegExp(`^run ${id} has no saved state \\(.*snapshot\\.json is missing\\): steps ran \\(last: ${lastStep}\\);`));
    expect(msg).toContain(`avi-encrypt:run-id=${id}`);
    expect(calls).toBe(0);
    rmSync(join(dir, 'journal.jsonl'));
    expect(oneLine((await cli(['resume', id, '--yes'])).r, 2)).toMatch(/no step ran; start a new run with avi-encrypt migrate$/);
  }, TIMEOUT);

  it.each([
    ['garbage', 'not json at all'],
    ['truncated', '{"status":"active","value":{"each-node'],
    ['empty', ''],
  ])('a %s snapshot.json is exit 2 naming the file', async (_what, text) => {
    const { id, dir } = runLike('failed');
    writeFileSync(join(dir, 'snapshot.json'), text);
    const { r, calls } = await cli(['resume', id, '--yes']);
    const msg = oneLine(r, 2);
    expect(msg).toMatch(new RegExp(`^${join(dir, 'snapshot.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON \\(.+\\); restore it from a backup`));
    expect(calls).toBe(0);
  }, TIMEOUT);

  it('a run.json that is garbage or the wrong shape is exit 2 naming the file', async () => {
    const a = runLike('failed');
    writeFileSync(join(a.dir, 'run.json'), '{"runId": "x", "stat');
    expect(oneLine((await cli(['resume', a.id, '--yes'])).r, 2)).toMatch(/run\.json is not valid JSON .*move the run folder aside/);
    const b = runLike('failed');
    writeFileSync(join(b.dir, 'run.json'), '[1, 2, 3]');
    expect(oneLine((await cli(['resume', b.id, '--yes'])).r, 2)).toMatch(/run\.json is not a run description/);
  }, TIMEOUT);

  it('a run made by a runbook of another shape is refused at once, naming the version that made it', async () => {
    const { id, dir } = runLike('failed');
    const meta = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as Record<string, unknown>;
    expect(meta['fingerprint']).toMatch(/^[0-9a-f]{12}$/);
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...meta, fingerprint: '0123456789ab', toolVersion: '0.0.9' }));
    const { r, calls } = await cli(['resume', id, '--yes']);
    expect(oneLine(r, 2)).toMatch(new RegExp(
      `^run ${id} was made by avi-encrypt 0\\.0\\.9 \\(controller-swap runbook shape 0123456789ab\\); this avi-encrypt \\S+ has shape ${String(meta['fingerprint'])} and cannot restore it: finish it with the version that made it, or start a new run with avi-encrypt migrate$`,
    ));
    expect(calls).toBe(0);
    const { fingerprint: _f, ...older } = meta;
    writeFileSync(join(dir, 'run.json'), JSON.stringify(older));
    expect(oneLine((await cli(['resume', id, '--yes'])).r, 2)).toMatch(/was made by an older avi-encrypt \(before runbook shapes were recorded\)/);
  }, TIMEOUT);

  it('status lists every run and marks the corrupt ones; asked for a corrupt run by id, exit 2', async () => {
    const healthy = runLike('failed');
    const broken = runLike('failed');
    writeFileSync(join(broken.dir, 'snapshot.json'), '');
    const { r } = await cli(['status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${healthy.id}  failed  controller-swap`);
    expect(r.stdout).toMatch(new RegExp(`${broken.id}  corrupt\\n  .*snapshot\\.json is not valid JSON`));
    const json = await cli(['status', '--json']);
    const rows = JSON.parse(json.r.stdout) as Array<{ runId: string; status: string }>;
    expect(rows.find((x) => x.runId === broken.id)?.status).toBe('corrupt');
    expect(rows.find((x) => x.runId === healthy.id)?.status).toBe('failed');
    expect(oneLine((await cli(['status', broken.id])).r, 2)).toMatch(/snapshot\.json is not valid JSON/);
  }, TIMEOUT);
});
