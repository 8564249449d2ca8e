// End to end: `avi-encrypt resume` after a crash (SIGKILL) and after a step failure, against the
// rehearsal lab started in this process and the built CLI (dist/) run as a child process.
//
// What the lab reports is checked through the real EC2 API (an EC2Client pointed at the lab)
// and through the lab's own request log, so a resume that acts twice (a second encrypted
// volume, a node left on its old root) fails these tests.
//
// Run: npx tsc -p tsconfig.json && node --experimental-vm-modules node_modules/jest/bin/jest.js test/e2e/resume

import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DescribeInstancesCommand, DescribeVolumesCommand, EC2Client, type Instance, type Volume } from '@aws-sdk/client-ec2';
import { startLab, type RunningLab } from '../../src/lab/server.js';

jest.setTimeout(180_000);

const CLI = resolve(process.cwd(), 'dist/src/cli/main.js');
const PASSPHRASE = 'pass-phrase-1';
const TAG_RUN = 'avi-encrypt:run-id';
const TAG_ROLE = 'avi-encrypt:role';
const TAG_NODE = 'avi-encrypt:node';
const TAG_REPLACED_BY = 'avi-encrypt:replaced-by';

// ---------------------------------------------------------------------------------------------
// Helpers (self-contained: this file does not depend on another e2e harness)

interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }
interface JournalLine { at: string; runId: string; event: string; step?: string; item?: string; detail?: Record<string, unknown> }

const children = new Set<ChildProcess>();
const labs: RunningLab[] = [];
const clients: EC2Client[] = [];
const tmpDirs: string[] = [];

function tmp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `avi-encrypt-resume-${prefix}-`));
  tmpDirs.push(dir);
  return dir;
}

async function newLab(nodes: 1 | 3, timeScale: number): Promise<RunningLab> {
  const lab = await startLab({ nodes, timeScale, dir: tmp('lab') });
  labs.push(lab);
  return lab;
}

function cliEnv(lab: RunningLab): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...lab.env, AVI_BACKUP_PASSPHRASE: PASSPHRASE, AVI_ENCRYPT_DEBUG: '1' };
  delete env['AVI_ENCRYPT_STATE_DIR']; // every command here names its --state-dir
  return env;
}

/** Starts the CLI without waiting for it (the lab lives in this process: never block the event loop). */
function spawnCli(args: string[], env: NodeJS.ProcessEnv): ChildProcess & { result: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, ...args], { env, cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const result = new Promise<CliResult>((ok, fail) => {
    child.once('error', fail);
    child.once('close', (code, signal) => {
      children.delete(child);
      ok({ code, signal, stdout, stderr });
    });
  });
  return Object.assign(child, { result });
}

/** Runs the CLI to its end; kills it and fails if it takes longer than timeoutMs. */
async function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<CliResult> {
  const child = spawnCli(args, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const r = await child.result;
    if (r.signal === 'SIGKILL') throw new Error(`avi-encrypt ${args.join(' ')} did not end within ${timeoutMs} ms\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    return r;
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until check() returns a value; fails with `what` after timeoutMs. */
async function pollFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 90_000, everyMs = 2): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

function runIds(stateDir: string): string[] {
  const dir = join(stateDir, 'runs');
  return existsSync(dir) ? readdirSync(dir).filter((n) => /^\d{8}-\d{6}-/.test(n)).sort() : [];
}

/** Journal entries; a last line cut short (the writer is being killed) is skipped. */
function readJournal(stateDir: string, runId: string): JournalLine[] {
  const path = join(stateDir, 'runs', runId, 'journal.jsonl');
  if (!existsSync(path)) return [];
  const out: JournalLine[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as JournalLine);
    } catch {
      /* torn tail */
    }
  }
  return out;
}

function readRunMeta(stateDir: string, runId: string): { status: string; failures?: Array<{ step?: string; message: string }> } {
  return JSON.parse(readFileSync(join(stateDir, 'runs', runId, 'run.json'), 'utf8')) as { status: string; failures?: Array<{ step?: string; message: string }> };
}

/** Waits for the (only) run of a fresh state dir to journal an entry matching `match`; returns the run id and that entry. */
async function waitForJournal(stateDir: string, what: string, match: (e: JournalLine) => boolean, child?: { exitCode: number | null }) {
  return pollFor(what, () => {
    if (child && child.exitCode !== null) throw new Error(`the CLI exited (${child.exitCode}) before ${what}`);
    const [runId] = runIds(stateDir);
    if (!runId) return undefined;
    const entry = readJournal(stateDir, runId).find(match);
    return entry ? { runId, entry } : undefined;
  });
}

async function killHard(child: ChildProcess & { result: Promise<CliResult> }): Promise<CliResult> {
  child.kill('SIGKILL');
  const r = await child.result;
  expect(r.signal).toBe('SIGKILL');
  return r;
}

function ec2For(lab: RunningLab): EC2Client {
  const client = new EC2Client({
    region: lab.env['AWS_REGION'],
    endpoint: lab.env['AWS_ENDPOINT_URL_EC2'],
    credentials: { accessKeyId: lab.env['AWS_ACCESS_KEY_ID']!, secretAccessKey: lab.env['AWS_SECRET_ACCESS_KEY']! },
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}

const tagsOf = (v: { Tags?: Array<{ Key?: string; Value?: string }> }): Record<string, string> =>
  Object.fromEntries((v.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));

async function allVolumes(ec2: EC2Client): Promise<Volume[]> {
  return (await ec2.send(new DescribeVolumesCommand({}))).Volumes ?? [];
}

async function instance(ec2: EC2Client, id: string): Promise<Instance> {
  const r = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  const found = r.Reservations?.flatMap((x) => x.Instances ?? []) ?? [];
  expect(found).toHaveLength(1);
  return found[0]!;
}

interface NodeBefore { ip: string; instanceId: string; rootDevice: string; rootVolumeId: string; deleteOnTermination: boolean }
interface Before { nodes: NodeBefore[]; volumeIds: Set<string> }

/** What the swap must keep, as EC2 reports it before the run. */
async function observeBefore(lab: RunningLab, ec2: EC2Client): Promise<Before> {
  const nodes: NodeBefore[] = [];
  for (const n of lab.seed.nodes) {
    const inst = await instance(ec2, n.instanceId);
    const rootDevice = inst.RootDeviceName!;
    const root = inst.BlockDeviceMappings?.find((b) => b.DeviceName === rootDevice);
    expect(root?.Ebs?.VolumeId).toBeDefined();
    nodes.push({ ip: n.ip, instanceId: n.instanceId, rootDevice, rootVolumeId: root!.Ebs!.VolumeId!, deleteOnTermination: root!.Ebs!.DeleteOnTermination! });
  }
  const vols = await allVolumes(ec2);
  for (const n of nodes) expect(vols.find((v) => v.VolumeId === n.rootVolumeId)?.Encrypted).toBe(false);
  return { nodes, volumeIds: new Set(vols.map((v) => v.VolumeId!)) };
}

/** The end state the runbook promises, through the EC2 API, plus "nothing was created twice". */
async function expectMigrated(lab: RunningLab, ec2: EC2Client, before: Before, runId: string): Promise<void> {
  const keyArn = lab.seed.customerKeyArn;
  const vols = await allVolumes(ec2);
  const byId = new Map(vols.map((v) => [v.VolumeId!, v]));
  const newRoots: string[] = [];
  for (const n of before.nodes) {
    const inst = await instance(ec2, n.instanceId);
    expect({ node: n.ip, state: inst.State?.Name, rootDevice: inst.RootDeviceName }).toEqual({ node: n.ip, state: 'running', rootDevice: n.rootDevice });
    const rootMapping = inst.BlockDeviceMappings?.find((b) => b.DeviceName === n.rootDevice);
    const rootId = rootMapping?.Ebs?.VolumeId;
    expect(rootId).toBeDefined();
    expect(rootId).not.toBe(n.rootVolumeId);
    expect(rootMapping?.Ebs?.DeleteOnTermination).toBe(n.deleteOnTermination);
    const root = byId.get(rootId!)!;
    expect({ node: n.ip, encrypted: root.Encrypted, kmsKeyId: root.KmsKeyId, attachedTo: root.Attachments?.[0]?.InstanceId, device: root.Attachments?.[0]?.Device })
      .toEqual({ node: n.ip, encrypted: true, kmsKeyId: keyArn, attachedTo: n.instanceId, device: n.rootDevice });
    expect(tagsOf(root)).toMatchObject({ [TAG_RUN]: runId, [TAG_ROLE]: 'encrypted-root', [TAG_NODE]: n.ip });
    newRoots.push(rootId!);

    // The old root is kept, detached, and says what replaced it.
    const old = byId.get(n.rootVolumeId);
    expect(old).toBeDefined();
    expect({ node: n.ip, state: old!.State, replacedBy: tagsOf(old!)[TAG_REPLACED_BY] }).toEqual({ node: n.ip, state: 'available', replacedBy: rootId });
  }

  // No duplicate volume: exactly one encrypted root per node, and nothing else was created.
  const encryptedRoots = vols.filter((v) => tagsOf(v)[TAG_ROLE] === 'encrypted-root');
  expect(encryptedRoots.map((v) => v.VolumeId).sort()).toEqual([...newRoots].sort());
  expect(encryptedRoots.map((v) => tagsOf(v)[TAG_NODE]).sort()).toEqual(before.nodes.map((n) => n.ip).sort());
  const created = vols.filter((v) => !before.volumeIds.has(v.VolumeId!));
  expect(created.map((v) => v.VolumeId).sort()).toEqual([...newRoots].sort());
  expect(vols.filter((v) => v.Encrypted && !before.volumeIds.has(v.VolumeId!))).toHaveLength(before.nodes.length);
  // Real calls only: preflight's DryRun requests change nothing.
  const createCalls = lab.requests.list().filter((r) => r.operation === 'CreateVolume' && !r.dryRun);
  expect(createCalls).toHaveLength(before.nodes.length);
}

const journalNodeOf = (stateDir: string, runId: string, step: string) =>
  readJournal(stateDir, runId).find((e) => e.event === 'step-started' && e.step === step)?.item;

const mutatingCount = (lab: RunningLab) => lab.requests.list().filter((r) => r.mutating).length;
const startsOf = (journal: JournalLine[], step: string, node?: string) =>
  journal.filter((e) => e.event === 'step-started' && e.step === step && e.item === node).length;

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all([...children].map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(undefined) : c.once('close', r)))));
  for (const c of clients) c.destroy();
  await Promise.all(labs.map((l) => l.stop()));
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first with npx tsc -p tsconfig.json`);
});

// ---------------------------------------------------------------------------------------------

describe('resume after a crash (SIGKILL) in the middle of a node swap, 3 nodes', () => {
  test('status says crashed (resumable); resume takes over the stale lock, re-runs the in-flight step once and finishes with no duplicate volume', async () => {
    const lab = await newLab(3, 0.01);
    const ec2 = ec2For(lab);
    const env = cliEnv(lab);
    const stateDir = tmp('state');
    const before = await observeBefore(lab, ec2);

    const child = spawnCli(['migrate', '--strategy', 'controller-swap', '--yes', '--state-dir', stateDir], env);
    const { runId } = await waitForJournal(
      stateDir, 'step-started of detach-old-root or attach-new-root',
      (e) => e.event === 'step-started' && (e.step === 'detach-old-root' || e.step === 'attach-new-root'), child,
    );
    await killHard(child);

    // Where the crash left it: the last step that started and whether it had finished.
    const preKill = readJournal(stateDir, runId);
    const lastStarted = [...preKill].reverse().find((e) => e.event === 'step-started')!;
    const lastEntry = preKill[preKill.length - 1]!;
    expect(['detach-old-root', 'old-root-detached', 'attach-new-root', 'new-root-attached']).toContain(lastStarted.step);
    expect(lastStarted.item).toBeDefined();
    expect(preKill.some((e) => e.event.startsWith('run-') && e.event !== 'run-started')).toBe(false);
    // The run folder still names this run running, and the lock is the dead process's.
    expect(readRunMeta(stateDir, runId).status).toBe('running');
    expect(readdirSync(join(stateDir, 'locks')).filter((f) => f.endsWith('.lock'))).toHaveLength(1);

    // A fresh migrate next to this unfinished run is refused (it would make a second set of volumes).
    const mutatingBefore = lab.requests.list().filter((r) => r.mutating).length;
    const fresh = await runCli(['migrate', '--strategy', 'controller-swap', '--yes', '--state-dir', stateDir], env);
    expect({ code: fresh.code, stderr: fresh.stderr.trim().split('\n') }).toEqual({
      code: 2,
      stderr: [`avi-encrypt: run ${runId} for this target (Controller ${env.AVI_CONTROLLER}) did not finish (it crashed); finish it with avi-encrypt resume ${runId}`],
    });
    expect(lab.requests.list().filter((r) => r.mutating).length).toBe(mutatingBefore);
    expect(runIds(stateDir)).toEqual([runId]);

    const status = await runCli(['status', '--state-dir', stateDir], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`${runId}  crashed (resumable)`);
    expect(status.stdout).toContain(`avi-encrypt resume ${runId}`);
    const statusJson = await runCli(['status', runId, '--json', '--state-dir', stateDir], env);
    expect(statusJson.code).toBe(0);
    const [row] = JSON.parse(statusJson.stdout) as Array<{ runId: string; status: string }>;
    expect(row).toMatchObject({ runId, status: 'crashed (resumable)' });

    const mutatingBeforeResume = mutatingCount(lab);
    const resumed = await runCli(['resume', '--yes', '--state-dir', stateDir], env);
    if (resumed.code !== 0) throw new Error(`resume exited ${resumed.code}\nstdout:\n${resumed.stdout}\nstderr:\n${resumed.stderr}`);
    expect(resumed.stderr).toMatch(new RegExp(`taking over the lock of run ${runId} \\(pid ${child.pid} on .+ is gone\\)`));
    expect(resumed.stdout).toContain(`resuming run ${runId}`);
    expect(resumed.stdout).toContain(`done: every Controller root volume is encrypted with ${lab.seed.customerKeyArn}`);
    expect(mutatingCount(lab)).toBeGreaterThan(mutatingBeforeResume);

    await expectMigrated(lab, ec2, before, runId);

    // Journal: the run was resumed, the in-flight step ran again (and only again), then finished.
    const journal = readJournal(stateDir, runId);
    const resumedAt = journal.findIndex((e) => e.event === 'run-resumed');
    expect(resumedAt).toBeGreaterThan(0);
    expect(journal.filter((e) => e.event === 'run-resumed')).toHaveLength(1);
    expect(journal[journal.length - 1]!.event).toBe('run-finished');
    expect(readRunMeta(stateDir, runId).status).toBe('done');
    const firstAfterResume = journal.slice(resumedAt).find((e) => e.event === 'step-started')!;
    if (lastEntry.event === 'step-started') {
      // Killed while the step was in flight: resume restarts exactly that step of that node.
      expect({ step: firstAfterResume.step, node: firstAfterResume.item }).toEqual({ step: lastStarted.step, node: lastStarted.item });
      expect(startsOf(journal, lastStarted.step!, lastStarted.item)).toBe(2);
    } else {
      // Killed between step-finished and the next step-started (rare): the snapshot holds either.
      expect(lastEntry.event).toBe('step-finished');
      expect(firstAfterResume.item).toBe(lastStarted.item);
    }
    // Nothing before the crash point ran again: every other per-node step started exactly once.
    const perNodeSteps = journal.filter((e) => e.event === 'step-started' && e.item !== undefined);
    for (const e of perNodeSteps) {
      if (e.step === firstAfterResume.step && e.item === firstAfterResume.item) continue;
      expect({ step: e.step, node: e.item, starts: startsOf(journal, e.step!, e.item) }).toEqual({ step: e.step, node: e.item, starts: 1 });
    }
    expect(startsOf(journal, 'create-volumes')).toBe(1);

    // The lock is released at the end.
    expect(readdirSync(join(stateDir, 'locks')).filter((f) => f.endsWith('.lock'))).toHaveLength(0);

    // Resuming a finished run changes nothing.
    const mutatingAtEnd = mutatingCount(lab);
    const again = await runCli(['resume', runId, '--state-dir', stateDir], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`run ${runId} already finished; nothing to resume\n`);
    expect(mutatingCount(lab)).toBe(mutatingAtEnd);
  });
});

describe('resume after a crash (SIGKILL) during create-volumes, 3 nodes', () => {
  test('the volumes created before the crash are adopted by tag: still exactly one encrypted root per node', async () => {
    const lab = await newLab(3, 0.01);
    const ec2 = ec2For(lab);
    const env = cliEnv(lab);
    const stateDir = tmp('state');
    const before = await observeBefore(lab, ec2);

    const child = spawnCli(['migrate', '--strategy', 'controller-swap', '--yes', '--state-dir', stateDir], env);
    const { runId } = await waitForJournal(stateDir, 'step-started of create-volumes', (e) => e.event === 'step-started' && e.step === 'create-volumes', child);
    // Kill once the lab has created at least one volume, so the resume has something to adopt.
    await pollFor('the first CreateVolume', () => (lab.requests.list().some((r) => r.operation === 'CreateVolume' && r.status === 200) ? true : undefined));
    await killHard(child);

    const preKill = readJournal(stateDir, runId);
    expect(preKill.some((e) => e.event === 'step-finished' && e.step === 'create-volumes')).toBe(false);
    const createdBeforeKill = lab.requests.list().filter((r) => r.operation === 'CreateVolume' && !r.dryRun).length;
    expect(createdBeforeKill).toBeGreaterThanOrEqual(1);
    expect(createdBeforeKill).toBeLessThanOrEqual(3);

    const resumed = await runCli(['resume', '--yes', '--state-dir', stateDir], env);
    if (resumed.code !== 0) throw new Error(`resume exited ${resumed.code}\nstdout:\n${resumed.stdout}\nstderr:\n${resumed.stderr}`);
    expect(resumed.stderr).toContain(`taking over the lock of run ${runId}`);

    await expectMigrated(lab, ec2, before, runId);
    const journal = readJournal(stateDir, runId);
    expect(journal.some((e) => e.event === 'run-resumed')).toBe(true);
    expect(startsOf(journal, 'create-volumes')).toBe(2);
    expect(journal[journal.length - 1]!.event).toBe('run-finished');
  });
});

// 3 nodes: the first node swapped is a follower, the Controller API stays up through the leader.
// 1 node: the only Controller is the one left stopped, so the Controller API is down when resuming.
describe.each([
  { nodes: 3 as const, timeScale: 0.02 },
  { nodes: 1 as const, timeScale: 0.05 },
])('--no-rollback, resume after a step failure (KMS key disabled while a node starts), $nodes node(s)', ({ nodes, timeScale }) => {
  test('exits 5 saying the instance fell back to stopped; after the key is enabled, resume <run-id> finishes the migration', async () => {
    // A slower clock than 0.01: the key must be disabled before the start (20 s x scale) settles.
    const lab = await newLab(nodes, timeScale);
    const ec2 = ec2For(lab);
    const env = cliEnv(lab);
    const stateDir = tmp('state');
    const before = await observeBefore(lab, ec2);
    const keyArn = lab.seed.customerKeyArn;

    const child = spawnCli(['migrate', '--strategy', 'controller-swap', '--yes', '--no-rollback', '--state-dir', stateDir], env);
    const { runId } = await waitForJournal(
      stateDir, 'step-started of keep-delete-on-termination', (e) => e.event === 'step-started' && e.step === 'keep-delete-on-termination', child,
    );
    lab.world.disableKey(keyArn);
    const failed = await child.result;
    const said = failed.stdout + failed.stderr;
    expect({ code: failed.code, said }).toEqual({ code: 5, said: expect.stringContaining('fell back to stopped') });
    expect(said).toContain('Client.InternalError');
    expect(said).toContain(`run ${runId} failed at step start-node`);
    expect(said).toContain(`avi-encrypt resume ${runId}`);
    expect(said).toContain(keyArn);

    const meta = readRunMeta(stateDir, runId);
    expect(meta.status).toBe('failed');
    expect(meta.failures?.[0]?.step).toBe('start-node');
    expect(meta.failures?.[0]?.message).toContain('fell back to stopped');
    const node = before.nodes.find((n) => n.ip === journalNodeOf(stateDir, runId, 'keep-delete-on-termination'))!;
    expect(node).toBeDefined();
    expect((await instance(ec2, node.instanceId)).State?.Name).toBe('stopped');
    // The lock was released by the failed run: nothing to take over.
    expect(readdirSync(join(stateDir, 'locks')).filter((f) => f.endsWith('.lock'))).toHaveLength(0);

    const status = await runCli(['status', runId, '--state-dir', stateDir], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`${runId}  failed`);
    expect(status.stdout).toContain('fell back to stopped');

    // A new migrate beside it is sent to `resume`, decided locally: for 1 node the only
    // Controller is the one this run left stopped, so connecting would only say "unreachable".
    const requestsBefore = lab.requests.list().length;
    const fresh = await runCli(['migrate', '--strategy', 'controller-swap', '--yes', '--state-dir', stateDir], env);
    expect({ code: fresh.code, stdout: fresh.stdout, stderr: fresh.stderr.trim() }).toEqual({
      code: 2, stdout: '',
      stderr: `avi-encrypt: run ${runId} for this target (Controller ${env['AVI_CONTROLLER']}) did not finish (it failed); finish it with avi-encrypt resume ${runId}`,
    });
    expect(lab.requests.list().length).toBe(requestsBefore);

    lab.world.enableKey(keyArn);
    const resumed = await runCli(['resume', runId, '--yes', '--state-dir', stateDir], env);
    if (resumed.code !== 0) throw new Error(`resume exited ${resumed.code}\nstdout:\n${resumed.stdout}\nstderr:\n${resumed.stderr}`);
    expect(resumed.stderr).not.toContain('taking over the lock');

    await expectMigrated(lab, ec2, before, runId);
    expect(readRunMeta(stateDir, runId).status).toBe('done');
    const journal = readJournal(stateDir, runId);
    const resumedAt = journal.findIndex((e) => e.event === 'run-resumed');
    expect(resumedAt).toBeGreaterThan(0);
    expect(journal.slice(0, resumedAt).some((e) => e.event === 'step-failed' && e.step === 'start-node')).toBe(true);
    expect(journal.slice(resumedAt).find((e) => e.event === 'step-started')).toMatchObject({ step: 'start-node', item: node.ip });
    expect(startsOf(journal, 'start-node', node.ip)).toBe(2);
    expect(startsOf(journal, 'stop-node', node.ip)).toBe(1);
    expect(journal[journal.length - 1]!.event).toBe('run-finished');
    // Two starts: the one the disabled key sent back to stopped, and the one after the fix.
    expect(lab.requests.list().filter((r) => r.operation === 'StartInstances' && !r.dryRun)).toHaveLength(nodes + 1);
  });
});

// The default: a node that does not come back is put back on its original root, the cluster is
// READY again, the run rests `rolled-back` (exit 6); after the fix, resume swaps that node again.
describe.each([
  { nodes: 3 as const, timeScale: 0.02, ready: 'CLUSTER_UP_HA_ACTIVE' },
  { nodes: 1 as const, timeScale: 0.05, ready: 'CLUSTER_UP_NO_HA' },
])('rollback after a step failure (KMS key disabled while a node starts), $nodes node(s)', ({ nodes, timeScale, ready }) => {
  test('the node is back on its original root, the cluster READY, exit 6; after the key is enabled, resume finishes', async () => {
    const lab = await newLab(nodes, timeScale);
    const ec2 = ec2For(lab);
    const env = cliEnv(lab);
    const stateDir = tmp('state');
    const before = await observeBefore(lab, ec2);
    const keyArn = lab.seed.customerKeyArn;

    const child = spawnCli(['migrate', '--strategy', 'controller-swap', '--yes', '--state-dir', stateDir], env);
    const { runId } = await waitForJournal(
      stateDir, 'step-started of keep-delete-on-termination', (e) => e.event === 'step-started' && e.step === 'keep-delete-on-termination', child,
    );
    lab.world.disableKey(keyArn);
    const rolled = await child.result;
    const said = rolled.stdout + rolled.stderr;
    const node = before.nodes.find((n) => n.ip === journalNodeOf(stateDir, runId, 'keep-delete-on-termination'))!;
    expect({ code: rolled.code, said }).toEqual({ code: 6, said: expect.stringContaining(`run ${runId} rolled back ${node.ip} after start-node [${node.ip}] failed`) });
    expect(said).toContain('Client.InternalError');
    expect(said).toMatch(new RegExp(`${node.ip.replace(/\./g, '\\.')}\\s+rolled back: put back as it was before the run`));
    expect(said).toContain(`fix the cause, then: avi-encrypt resume ${runId}`);

    // The node runs on its original root, at the same device, with its DeleteOnTermination.
    const inst = await instance(ec2, node.instanceId);
    expect(inst.State?.Name).toBe('running');
    const root = inst.BlockDeviceMappings?.find((m) => m.DeviceName === inst.RootDeviceName);
    expect({ volume: root?.Ebs?.VolumeId, dot: root?.Ebs?.DeleteOnTermination }).toEqual({ volume: node.rootVolumeId, dot: node.deleteOnTermination });
    const clusterStates = lab.timeline.list().filter((e) => e.subject === 'cluster').map((e) => e.state);
    expect(clusterStates[clusterStates.length - 1]).toBe(ready);
    expect(readRunMeta(stateDir, runId).status).toBe('rolled-back');
    const journal = readJournal(stateDir, runId);
    const failedAt = journal.findIndex((e) => e.event === 'step-failed' && e.step === 'start-node');
    expect(failedAt).toBeGreaterThan(0);
    const rollbackSteps = journal.slice(failedAt).filter((e) => e.event === 'step-finished').map((e) => e.step);
    expect(rollbackSteps).toEqual(expect.arrayContaining(['rollback-stop-node', 'rollback-attach-old-root', 'rollback-start-node', 'rollback-cluster-ready']));
    expect(journal[journal.length - 1]!.event).toBe('run-rolled-back');

    const status = await runCli(['status', runId, '--state-dir', stateDir], env);
    expect(status.stdout).toContain(`${runId}  rolled-back`);

    lab.world.enableKey(keyArn);
    const resumed = await runCli(['resume', runId, '--yes', '--state-dir', stateDir], env);
    if (resumed.code !== 0) throw new Error(`resume exited ${resumed.code}\nstdout:\n${resumed.stdout}\nstderr:\n${resumed.stderr}`);
    await expectMigrated(lab, ec2, before, runId);
    const after = readJournal(stateDir, runId);
    // The rolled-back node is swapped again from its first step.
    expect(startsOf(after, 'stop-node', node.ip)).toBe(2);
    expect(after[after.length - 1]!.event).toBe('run-finished');
  });
});

describe('resume refusals', () => {
  test('an unknown run id exits 2 with one line on stderr and sends nothing to AWS or the Controller', async () => {
    const lab = await newLab(1, 0.01);
    const env = cliEnv(lab);
    const stateDir = tmp('state');
    const requestsBefore = lab.requests.list().length;

    const unknown = '20200101-000000-controller-swap-dead';
    const r = await runCli(['resume', unknown, '--state-dir', stateDir], env);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: expect.stringContaining(`no run ${unknown}`) });
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^avi-encrypt: /);
    expect(r.stderr).toContain(unknown);

    const malformed = await runCli(['resume', '../etc', '--state-dir', stateDir], env);
    expect({ code: malformed.code, stderr: malformed.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('not a run') });
    expect(malformed.stderr.trimEnd().split('\n')).toHaveLength(1);

    const none = await runCli(['resume', '--state-dir', stateDir], env);
    expect({ code: none.code, stderr: none.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('no runs') });
    expect(none.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(none.stderr).toContain('no runs');

    expect(mutatingCount(lab)).toBe(0);
    expect(lab.requests.list().length).toBe(requestsBefore);
    expect(existsSync(join(stateDir, 'locks'))).toBe(false);
  });

  test('a finished run: resume exits 0 "already finished" and changes nothing', async () => {
    const lab = await newLab(1, 0.01);
    const ec2 = ec2For(lab);
    const env = cliEnv(lab);
    const stateDir = tmp('state');
    const before = await observeBefore(lab, ec2);

    const done = await runCli(['migrate', '--strategy', 'controller-swap', '--yes', '--state-dir', stateDir], env);
    if (done.code !== 0) throw new Error(`migrate exited ${done.code}\nstdout:\n${done.stdout}\nstderr:\n${done.stderr}`);
    const [runId] = runIds(stateDir);
    await expectMigrated(lab, ec2, before, runId!);

    const requests = lab.requests.list().length;
    const byId = await runCli(['resume', runId!, '--state-dir', stateDir], env);
    expect({ code: byId.code, stdout: byId.stdout, stderr: byId.stderr }).toEqual({
      code: 0, stdout: `run ${runId} already finished; nothing to resume\n`, stderr: '',
    });
    // Without a run id, resume looks for the newest unfinished run: there is none.
    const latest = await runCli(['resume', '--state-dir', stateDir], env);
    expect({ code: latest.code, stdout: latest.stdout, stderr: latest.stderr }).toEqual({
      code: 0, stdout: `every run in ${stateDir} has finished; nothing to resume\n`, stderr: '',
    });
    expect(lab.requests.list().length).toBe(requests);
    expect(readJournal(stateDir, runId!).some((e) => e.event === 'run-resumed')).toBe(false);
  });
});
