// End-to-end: bad input gets ONE clear line (what is wrong + how to fix it), a specific
// non-zero exit code, and no mutating call reaches the lab (no EC2/KMS mutation, no Avi write).
//
// The lab runs in this process and the CLI as an async child process against the built dist/
// (build first: `npx tsc -p tsconfig.json`), both through ./lab-harness.ts (used read-only).
//
// Where the CLI prints diagnostics (read from src/cli/main.ts and src/engine/drive.ts):
//  - an error thrown before a run starts (flags, settings, password, connect/login/TLS, lock):
//    exactly one line `avi-encrypt: <message>` on stderr, and nothing on stdout;
//  - a failed preflight check (key, AMI, topology, IAM): migrate refuses before any run starts,
//    the same one line on stderr naming the first failed check, and no run folder; `plan` prints
//    its checklist (with the ✗ lines) on stdout and that one line on stderr.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { lockPath, type LockHolder } from '../../src/engine/lock.js';
import type { KeyRecord, LabRequest } from '../../src/lab/world/types.js';
import { CLI_PATH, lockTargetOf, mutatingCount, runCli, startTestLab, type CliResult, type TestLab } from './lab-harness.js';

const TIMEOUT = 60_000;
const PASSPHRASE = 'x-passphrase';

const EXIT = { usage: 2, preflight: 3, locked: 4 } as const;

/** Env overrides: a string sets the variable, undefined removes it. */
type EnvOverrides = Record<string, string | undefined>;

/** The harness's env (no ambient AVI_/AWS_ variables, the lab's), nothing that changes TLS trust, plus overrides. */
function cliEnv(lab: TestLab, overrides: EnvOverrides = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...lab.cliEnv, AVI_BACKUP_PASSPHRASE: PASSPHRASE };
  delete env['NODE_EXTRA_CA_CERTS'];
  delete env['NODE_TLS_REJECT_UNAUTHORIZED'];
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

const lines = (text: string): string[] => text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');

/** Progress lines printed by src/engine/progress.ts and drive.ts; they are not diagnostics. */
const PROGRESS = /^(… |✓ |✗ |  waiting for |starting run |resuming run )/;

function diagnostics(r: CliResult): string[] {
  return [...lines(r.stdout), ...lines(r.stderr)].filter((l) => !PROGRESS.test(l));
}

/** A thrown error: one `avi-encrypt: …` line on stderr, nothing else anywhere. Returns the message. */
function expectThrownLine(r: CliResult, code: number): string {
  const shown = JSON.stringify(r, null, 2);
  expect({ code: r.code, shown }).toEqual({ code, shown });
  expect({ stdout: r.stdout, shown }).toEqual({ stdout: '', shown });
  const errLines = lines(r.stderr);
  expect({ errLines, shown }).toEqual({ errLines: [expect.stringMatching(/^avi-encrypt: \S/)], shown });
  expect(r.stderr.endsWith('\n')).toBe(true);
  expect(diagnostics(r)).toHaveLength(1);
  expect(errLines[0]).not.toMatch(/internal error|AVI_ENCRYPT_DEBUG|\bat .*:\d+:\d+/);
  return errLines[0]!.slice('avi-encrypt: '.length);
}

/** `plan` refused by preflight: its checklist on stdout (a ✗ line, or JSON with ok false), one line on stderr. */
function expectChecklistLine(r: CliResult, json = false): string {
  const shown = JSON.stringify(r, null, 2);
  expect({ code: r.code, shown }).toEqual({ code: EXIT.preflight, shown });
  if (json) expect((JSON.parse(r.stdout) as { preflight: { ok: boolean } }).preflight.ok).toBe(false);
  else expect(lines(r.stdout).filter((l) => l.startsWith('  ✗ ')).length).toBeGreaterThan(0);
  const errLines = lines(r.stderr);
  expect({ errLines, shown }).toEqual({ errLines: [expect.stringMatching(/^avi-encrypt: \S/)], shown });
  return errLines[0]!.slice('avi-encrypt: '.length);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

/** Run folders under <stateDir>/runs, with their run.json. */
function runsIn(stateDir: string): Array<{ runId: string; status: string; meta: Record<string, unknown> }> {
  const dir = join(stateDir, 'runs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((runId) => {
    const meta = JSON.parse(readFileSync(join(dir, runId, 'run.json'), 'utf8')) as Record<string, unknown>;
    return { runId, status: String(meta['status']), meta };
  });
}

/** Every file under dir, recursively, as text. */
function allText(dir: string): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

describe('bad input: one clear line, a specific exit code, no mutating call (against the lab)', () => {
  let lab: TestLab;
  let caseNo = 0;

  /** A fresh state dir per case, so run folders and locks never leak between cases. */
  const freshStateDir = (): string => {
    const d = join(lab.dir, `state-${++caseNo}`);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const mutating = (): LabRequest[] => lab.requests.list().filter((r) => r.mutating);
  const migrateArgs = (stateDir: string, ...extra: string[]) => ['migrate', '--strategy', 'controller-swap', '--yes', '--state-dir', stateDir, ...extra];

  /** Runs the CLI and returns the mutating lab requests it caused (expected: none). */
  async function run(args: string[], overrides: EnvOverrides = {}): Promise<{ r: CliResult; newMutating: LabRequest[]; requests: LabRequest[] }> {
    const before = lab.requests.list().length;
    const countBefore = mutatingCount(lab);
    const mutBefore = mutating().length;
    const r = await runCli(args, cliEnv(lab, overrides), { timeoutMs: TIMEOUT - 5_000 });
    const requests = lab.requests.list().slice(before);
    // The harness's count and our list agree; the list says which call it was when one slips through.
    const newMutating = mutating().slice(mutBefore);
    expect(mutatingCount(lab) - countBefore).toBe(newMutating.length);
    return { r, newMutating, requests };
  }

  beforeAll(async () => {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: build first with npx tsc -p tsconfig.json`);
    lab = await startTestLab(3, { timeScale: 0.01 });
  }, TIMEOUT);

  afterAll(async () => {
    await lab?.stop(); // also kills CLI children still alive and removes the temp dir
  }, TIMEOUT);

  // Sanity: the same env with nothing broken gets past every preflight check (plan changes nothing).
  it('control: plan with the lab env as is succeeds (so every refusal below is caused by the bad input)', async () => {
    const { r, newMutating } = await run(['plan', '--strategy', 'controller-swap', '--json']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const plan = JSON.parse(r.stdout) as { targets: unknown[]; steps: Array<{ calls: Array<{ detail?: { kmsKeyId?: string } }> }> };
    expect(plan.targets).toHaveLength(3);
    const keys = new Set(plan.steps.flatMap((s) => s.calls).flatMap((c) => (c.detail?.kmsKeyId ? [c.detail.kmsKeyId] : [])));
    expect([...keys]).toEqual([lab.seed.customerKeyArn]);
    expect(newMutating).toEqual([]);
  }, TIMEOUT);

  // 1
  it('unreachable Controller → exit 3, one line naming the address', async () => {
    const port = await freePort();
    const controller = `https://127.0.0.1:${port}`;
    const stateDir = freshStateDir();
    const { r, newMutating } = await run(migrateArgs(stateDir), { AVI_CONTROLLER: controller });
    const msg = expectThrownLine(r, EXIT.preflight);
    expect(msg).toContain(`127.0.0.1:${port}`);
    expect(msg).toMatch(/unreachable|cannot reach|could not (reach|connect)|ECONNREFUSED|refused/i);
    // The rule: the line also says how to fix it (check the address given / that the Controller is up).
    expect(msg).toMatch(/check|--controller|AVI_CONTROLLER/i);
    expect(newMutating).toEqual([]);
    expect(runsIn(stateDir)).toEqual([]);
  }, TIMEOUT);

  // 2
  it('wrong password → exit 3, one line about the login and AVI_PASSWORD, the password never printed', async () => {
    const wrong = 'wrong-Pw-7Qz9xK2';
    const stateDir = freshStateDir();
    const { r, newMutating, requests } = await run(migrateArgs(stateDir), { AVI_PASSWORD: wrong });
    const msg = expectThrownLine(r, EXIT.preflight);
    expect(msg).toMatch(/login/i);
    expect(msg).toMatch(/AVI_PASSWORD/);
    expect(`${r.stdout}\n${r.stderr}`).not.toContain(wrong);
    expect(allText(stateDir)).not.toContain(wrong);
    // It did try to log in (and was refused), and wrote nothing.
    expect(requests.some((q) => q.service === 'avi' && q.operation === 'POST /login' && q.status === 401)).toBe(true);
    expect(newMutating).toEqual([]);
    expect(runsIn(stateDir)).toEqual([]);
  }, TIMEOUT);

  // 3
  it('TLS failure without a CA bundle → exit 3, one line pointing at --ca-bundle', async () => {
    const stateDir = freshStateDir();
    const { r, newMutating } = await run(migrateArgs(stateDir), { AVI_ENCRYPT_CA_BUNDLE: undefined });
    const msg = expectThrownLine(r, EXIT.preflight);
    expect(msg).toMatch(/TLS|certificate/i);
    expect(msg).toContain('--ca-bundle');
    expect(newMutating).toEqual([]);
    expect(runsIn(stateDir)).toEqual([]);
  }, TIMEOUT);

  // 4
  it('unknown strategy → exit 2, one line listing the valid strategies', async () => {
    const stateDir = freshStateDir();
    const { r, newMutating, requests } = await run(['migrate', '--strategy', 'blue-green', '--yes', '--state-dir', stateDir]);
    const msg = expectThrownLine(r, EXIT.usage);
    expect(msg).toMatch(/unknown strategy/i);
    expect(msg).toContain('blue-green');
    expect(msg).toContain('--strategy');
    for (const s of ['controller-swap', 'controller-new-vms', 'se-scale-out', 'se-relaunch']) expect(msg).toContain(s);
    expect(requests).toEqual([]); // refused offline
    expect(newMutating).toEqual([]);
  }, TIMEOUT);

  // 5
  describe('KMS key unfit → exit 3, the state named, nothing changed', () => {
    const fakeArn = () => `arn:aws:kms:${lab.seed.region}:${lab.seed.customerKeyArn.split(':')[4]}:key/${randomUUID()}`;

    it('not found (well-formed ARN, same region and account)', async () => {
      const arn = fakeArn();
      const stateDir = freshStateDir();
      const { r, newMutating } = await run(migrateArgs(stateDir, '--kms-key', arn));
      const msg = expectThrownLine(r, EXIT.preflight);
      expect(msg).toContain(arn);
      expect(msg).toMatch(/not found/i);
      expect(msg).toContain('--kms-key');
      expect(newMutating).toEqual([]);
      // Refused before any run started: no run folder (nothing to resume), no lock taken.
      expect(runsIn(stateDir)).toEqual([]);
      expect(existsSync(join(stateDir, 'locks')) ? readdirSync(join(stateDir, 'locks')).filter((f) => f.endsWith('.lock')) : []).toEqual([]);
    }, TIMEOUT);

    it('Disabled', async () => {
      const key = lab.world.createKey({ description: 'bad-input: disabled' });
      lab.world.disableKey(key.keyId);
      const stateDir = freshStateDir();
      const { r, newMutating } = await run(migrateArgs(stateDir, '--kms-key', key.arn));
      const msg = expectThrownLine(r, EXIT.preflight);
      expect(msg).toContain(key.arn);
      expect(msg).toMatch(/\bDisabled\b/);
      expect(msg).toMatch(/enable it/i);
      expect(msg).toContain('--kms-key');
      expect(newMutating).toEqual([]);
      expect(runsIn(stateDir)).toEqual([]); // refused before any run started
    }, TIMEOUT);

    it('PendingDeletion', async () => {
      const key = lab.world.createKey({ description: 'bad-input: pending deletion' });
      lab.world.scheduleKeyDeletion(key.keyId, 7);
      const stateDir = freshStateDir();
      const { r, newMutating } = await run(migrateArgs(stateDir, '--kms-key', key.arn));
      const msg = expectThrownLine(r, EXIT.preflight);
      expect(msg).toContain(key.arn);
      expect(msg).toMatch(/PendingDeletion|pending deletion/);
      expect(msg).toMatch(/cancel its deletion/i);
      expect(msg).toContain('--kms-key');
      expect(newMutating).toEqual([]);
      expect(runsIn(stateDir)).toEqual([]); // refused before any run started
    }, TIMEOUT);

    it('not symmetric (RSA_2048 / SIGN_VERIFY)', async () => {
      // The lab's CreateKey refuses asymmetric keys, so the record goes into the world directly.
      const base = lab.world.createKey({ description: 'bad-input: asymmetric' });
      const key: KeyRecord = { ...base, spec: 'RSA_2048', usage: 'SIGN_VERIFY' };
      lab.world.keys.set(key.keyId, key);
      const stateDir = freshStateDir();
      const { r, newMutating } = await run(migrateArgs(stateDir, '--kms-key', key.arn));
      const msg = expectThrownLine(r, EXIT.preflight);
      expect(msg).toContain(key.arn);
      expect(msg).toContain('RSA_2048');
      expect(msg).toMatch(/symmetric/i);
      expect(msg).toContain('--kms-key');
      expect(newMutating).toEqual([]);
      expect(runsIn(stateDir)).toEqual([]); // refused before any run started
    }, TIMEOUT);
  });

  // 6
  it('"encrypted" AMI whose root snapshot is unencrypted → exit 3 naming the AMI and the fix', async () => {
    const ami = lab.seed.controllerAmiId;
    const stateDir = freshStateDir();
    const { r, newMutating } = await run(migrateArgs(stateDir), { AVI_ENCRYPT_ENCRYPTED_AMI: ami });
    const msg = expectThrownLine(r, EXIT.preflight);
    expect(msg).toContain(ami);
    expect(msg).toMatch(/not encrypted/i);
    expect(msg).toContain('--encrypted-ami');
    expect(newMutating).toEqual([]);
    expect(runsIn(stateDir)).toEqual([]); // refused before any run started
  }, TIMEOUT);

  it('AMI encrypted with another key → exit 3 naming both keys', async () => {
    const stateDir = freshStateDir();
    const { r, newMutating } = await run(migrateArgs(stateDir, '--kms-key', 'alias/aws/ebs'));
    const msg = expectThrownLine(r, EXIT.preflight);
    expect(msg).toContain(lab.seed.encryptedAmiId);
    expect(msg).toContain(lab.seed.customerKeyArn);
    expect(msg).toContain(lab.seed.awsManagedKeyArn);
    expect(msg).toMatch(/--kms-key|--encrypted-ami|AMI copied/);
    expect(newMutating).toEqual([]);
    expect(runsIn(stateDir)).toEqual([]); // refused before any run started
  }, TIMEOUT);

  // 7
  it('cluster node IP with no EC2 instance → exit 3 naming the IP', async () => {
    const node = lab.seed.nodes[1]!;
    const inst = lab.world.instances.get(node.instanceId)!;
    const original = inst.privateIp;
    expect(original).toBe(node.ip);
    inst.privateIp = '10.10.9.99';
    try {
      const stateDir = freshStateDir();
      const { r, newMutating } = await run(migrateArgs(stateDir));
      const msg = expectThrownLine(r, EXIT.preflight);
      expect(msg).toContain(node.ip);
      expect(msg).toMatch(/no EC2 instance/i);
      expect(msg).toMatch(/--region|account/);
      expect(newMutating).toEqual([]);
      expect(runsIn(stateDir)).toEqual([]); // refused before any run started
    } finally {
      inst.privateIp = original;
    }
  }, TIMEOUT);

  // 8
  it('lock held by a live run → exit 4, one line naming pid, host and start time; lock untouched', async () => {
    const stateDir = freshStateDir();
    const target = await lockTargetOf(lab);
    expect(target).toMatch(/^avi-cluster:cluster-[0-9a-f-]+@aws:111122223333:eu-west-1$/);
    const holder: LockHolder = {
      pid: process.pid, // this jest worker: certainly alive
      host: hostname(),
      startedAt: new Date().toISOString(),
      runId: '20260101-000000-controller-swap-beef',
      target,
    };
    const file = lockPath(join(stateDir, 'locks'), target);
    mkdirSync(join(stateDir, 'locks'), { recursive: true });
    const text = `${JSON.stringify(holder, null, 2)}\n`;
    writeFileSync(file, text, { mode: 0o600 });
    const { r, newMutating } = await run(migrateArgs(stateDir));
    const msg = expectThrownLine(r, EXIT.locked);
    expect(msg).toContain(`pid ${process.pid}`);
    expect(msg).toContain(holder.host);
    expect(msg).toContain(holder.startedAt);
    expect(msg).toContain(holder.runId);
    expect(msg).toMatch(/wait for it or stop it/);
    expect(newMutating).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe(text); // not taken over, not released
    expect(runsIn(stateDir)).toEqual([]);
  }, TIMEOUT);

  // 9
  it('resume with an unknown (well-formed) run id → exit 2 naming it and `status`', async () => {
    const stateDir = freshStateDir();
    const id = '20260101-000000-controller-swap-abcd';
    const { r, newMutating, requests } = await run(['resume', id, '--state-dir', stateDir]);
    const msg = expectThrownLine(r, EXIT.usage);
    expect(msg).toContain(id);
    expect(msg).toMatch(/no run/i);
    expect(msg).toMatch(/avi-encrypt status/);
    expect(requests).toEqual([]);
    expect(newMutating).toEqual([]);
  }, TIMEOUT);

  it.each([['../etc'], ['not-a-run']])('resume with a malformed run id %s → exit 2', async (id) => {
    const stateDir = freshStateDir();
    const { r, newMutating, requests } = await run(['resume', id, '--state-dir', stateDir]);
    const msg = expectThrownLine(r, EXIT.usage);
    expect(msg).toContain(id);
    expect(msg).toMatch(/not a run/i);
    expect(msg).toMatch(/avi-encrypt status/);
    expect(requests).toEqual([]);
    expect(newMutating).toEqual([]);
    expect(existsSync(join(stateDir, 'runs'))).toBe(false);
  }, TIMEOUT);

  // 10
  it('AVI_PASSWORD missing and stdin not a terminal → exit 2 naming AVI_PASSWORD', async () => {
    const stateDir = freshStateDir();
    const { r, newMutating, requests } = await run(migrateArgs(stateDir), { AVI_PASSWORD: undefined });
    const msg = expectThrownLine(r, EXIT.usage);
    expect(msg).toMatch(/AVI_PASSWORD is not set/);
    expect(msg).toMatch(/export AVI_PASSWORD/);
    expect(requests).toEqual([]); // asked before connecting
    expect(newMutating).toEqual([]);
    expect(runsIn(stateDir)).toEqual([]);
  }, TIMEOUT);

  it.each([
    [['--password', 'x-secret-flag']],
    [['--password=x-secret-flag']],
  ])('password given as a flag %j → exit 2: passwords never go on the command line', async (flag) => {
    const stateDir = freshStateDir();
    const { r, newMutating, requests } = await run(migrateArgs(stateDir, ...flag));
    const msg = expectThrownLine(r, EXIT.usage);
    expect(msg).toContain('--password');
    expect(msg).toMatch(/AVI_PASSWORD/);
    expect(msg).toMatch(/argv|command line|shell history/);
    expect(`${r.stdout}\n${r.stderr}`).not.toContain('x-secret-flag');
    expect(requests).toEqual([]);
    expect(newMutating).toEqual([]);
  }, TIMEOUT);

  // 11
  it('plan with a Disabled key: the checklist, then one line and exit 3 (shares the preflight)', async () => {
    const key = lab.world.createKey({ description: 'bad-input: plan disabled' });
    lab.world.disableKey(key.keyId);
    const stateDir = freshStateDir();
    const { r, newMutating } = await run(['plan', '--strategy', 'controller-swap', '--state-dir', stateDir, '--kms-key', key.arn]);
    const msg = expectChecklistLine(r);
    expect(msg).toContain(key.arn);
    expect(msg).toMatch(/\bDisabled\b/);
    expect(msg).toMatch(/enable it/i);
    expect(msg).toContain('--kms-key');
    expect(newMutating).toEqual([]);
    expect(runsIn(stateDir)).toEqual([]); // plan never makes a run folder
  }, TIMEOUT);

  it('http:// Controller, loopback included → exit 2 before any connection: a listener there sees nothing', async () => {
    let connections = 0;
    const listener = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((ok) => listener.listen(0, '127.0.0.1', () => ok()));
    const port = (listener.address() as { port: number }).port;
    try {
      for (const args of [migrateArgs(freshStateDir()), ['plan', '--strategy', 'controller-swap']]) {
        const { r, requests } = await run(args, { AVI_CONTROLLER: `http://127.0.0.1:${port}` });
        const msg = expectThrownLine(r, EXIT.usage);
        expect(msg).toMatch(/must use https:\/\//);
        expect(msg).toContain(`use https://127.0.0.1:${port}`);
        expect(requests).toEqual([]);
      }
      expect(connections).toBe(0);
    } finally {
      await new Promise<void>((ok) => listener.close(() => ok()));
    }
  }, TIMEOUT);

  it('--tenant the user does not have → exit 2 at login, naming the tenants; nothing else is called', async () => {
    const stateDir = freshStateDir();
    const { r, newMutating, requests } = await run(migrateArgs(stateDir, '--tenant', 'nosuchtenant'));
    const msg = expectThrownLine(r, EXIT.usage);
    expect(msg).toMatch(/^tenant "nosuchtenant" is not a tenant of user admin .*\(tenants: admin.*\): fix --tenant or AVI_TENANT$/);
    expect(requests.filter((q) => q.service === 'avi').map((q) => q.operation)).toEqual(['POST /login']);
    expect(requests.filter((q) => q.service !== 'avi')).toEqual([]);
    expect(newMutating).toEqual([]);
    expect(runsIn(stateDir)).toEqual([]);
  }, TIMEOUT);

  it('--region other than the cluster\'s: an alias key is not found there (exit 3), an ARN of another region is refused offline (exit 2)', async () => {
    const stateDir = freshStateDir();
    const alias = await run(migrateArgs(stateDir, '--region', 'us-east-1', '--kms-key', lab.seed.customerKeyAlias));
    const msg = expectThrownLine(alias.r, EXIT.preflight);
    expect(msg).toBe(`KMS key ${lab.seed.customerKeyAlias} was not found in this region; pass an existing key with --kms-key`);
    expect(alias.newMutating).toEqual([]);
    // Every AWS call of that run went to us-east-1: none touched the cluster's instances in eu-west-1.
    expect(alias.requests.filter((q) => q.service !== 'avi').map((q) => (q as { region?: string }).region)).toEqual(
      alias.requests.filter((q) => q.service !== 'avi').map(() => 'us-east-1'));
    const arn = await run(migrateArgs(freshStateDir(), '--region', 'us-east-1'));
    expect(expectThrownLine(arn.r, EXIT.usage)).toMatch(/^KMS key ARN is in eu-west-1 but the region is us-east-1: use a key from us-east-1 or set --region eu-west-1$/);
    expect(arn.requests).toEqual([]);
  }, TIMEOUT);

  it('--profile that does not exist → exit 2, one line naming it and the files; no SDK warning text', async () => {
    const home = join(lab.dir, 'home-empty');
    mkdirSync(home, { recursive: true });
    const { r, requests } = await run(migrateArgs(freshStateDir(), '--profile', 'no-such-profile'), { HOME: home });
    const msg = expectThrownLine(r, EXIT.usage);
    expect(msg).toContain('AWS profile "no-such-profile" (--profile)');
    expect(msg).toContain(join(home, '.aws', 'config'));
    expect(msg).toContain('aws configure --profile no-such-profile');
    expect(r.stderr).not.toMatch(/WARNING|Multiple credential sources/);
    expect(requests).toEqual([]);
  }, TIMEOUT);

  it('no AWS credentials anywhere → exit 3, one line saying which sources were tried', async () => {
    const home = join(lab.dir, 'home-none');
    mkdirSync(home, { recursive: true });
    const { r, newMutating } = await run(['plan', '--strategy', 'controller-swap'], {
      HOME: home, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_PROFILE: undefined, AWS_EC2_METADATA_DISABLED: 'true',
    });
    const msg = expectChecklistLine(r);
    expect(msg).toMatch(/no AWS credentials found \(tried: AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY, the profile .* instance metadata\); set --profile or AWS_PROFILE/);
    expect(msg).not.toContain('Could not load credentials from any providers');
    expect(newMutating).toEqual([]);
  }, TIMEOUT);

  it('--state-dir that is a file → exit 2 before anything is called', async () => {
    const file = join(lab.dir, 'state-is-a-file');
    writeFileSync(file, 'not a directory');
    const { r, requests } = await run(migrateArgs(file));
    expect(expectThrownLine(r, EXIT.usage)).toMatch(/--state-dir ".*state-is-a-file" is a file, not a directory/);
    expect(requests).toEqual([]);
  }, TIMEOUT);

  it('lab up on a busy folder, lab down on a missing folder or a file → exit 2, one line each', async () => {
    const busy = await run(['lab', 'up', '--dir', join(lab.dir, 'lab')]);
    expect(expectThrownLine(busy.r, EXIT.usage)).toMatch(/a lab is already running in .* \(pid \d+\): stop it with "avi-encrypt lab down --dir/);
    const missing = await run(['lab', 'down', '--dir', join(lab.dir, 'no-such-lab')]);
    expect(expectThrownLine(missing.r, EXIT.usage)).toMatch(/^no lab folder .*no-such-lab: pass the --dir that "lab up" used$/);
    const file = join(lab.dir, 'lab-is-a-file');
    writeFileSync(file, 'x');
    for (const cmd of ['up', 'down']) {
      const r = await run(['lab', cmd, '--dir', file]);
      expect(expectThrownLine(r.r, EXIT.usage)).toMatch(/lab-is-a-file is a file, not a lab folder/);
    }
  }, TIMEOUT);

  it('plan --json with a missing key: the checklist as JSON (ok false) on stdout, one line on stderr', async () => {
    const arn = `arn:aws:kms:${lab.seed.region}:${lab.seed.customerKeyArn.split(':')[4]}:key/${randomUUID()}`;
    const { r, newMutating } = await run(['plan', '--strategy', 'controller-swap', '--json', '--kms-key', arn]);
    const msg = expectChecklistLine(r, true);
    expect(msg).toContain(arn);
    expect(msg).toMatch(/not found/i);
    expect(newMutating).toEqual([]);
  }, TIMEOUT);
});
