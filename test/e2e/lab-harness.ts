// Shared end-to-end harness: the lab runs IN this process (its servers live on the test's event
// loop), the CLI runs as a real subprocess from dist/ (build first: `npx tsc -p tsconfig.json`).
// Never block the event loop (no execFileSync / spawnSync): the lab would freeze with it.
//
// Stable API (other e2e suites import it read-only):
//   startTestLab(nodes, opts?) -> TestLab      a started lab + a tmp dir + a state dir
//   runCli(args, env, opts?)   -> {code, signal, stdout, stderr}
//   spawnCli(args, env)        -> ChildProcess (output collected; await waitForExit(child))
//   ec2For(lab)                -> EC2Client pointed at the lab with the lab's fake credentials
//   mutatingCount(lab)         -> number of mutating requests the lab has seen so far

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EC2Client } from '@aws-sdk/client-ec2';
import { KMSClient } from '@aws-sdk/client-kms';
import { createAviClient } from '../../src/avi/client.js';
import { createAwsGateway } from '../../src/aws/gateway.js';
import { clusterIdentity } from '../../src/steps/controller/identity.js';
import { startLab, type LabOptions, type RunningLab } from '../../src/lab/server.js';

export const TEST_PASSPHRASE = 'test-passphrase-123';
export const DEFAULT_TIME_SCALE = 0.01;

/** dist/src/cli/main.js of this checkout (from test/e2e or dist/test/e2e); AVI_E2E_CLI overrides it (e.g. a mutated build). */
export const CLI_PATH: string = process.env['AVI_E2E_CLI'] || (() => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [resolve(here, '../../dist/src/cli/main.js'), resolve(here, '../../src/cli/main.js'), resolve(process.cwd(), 'dist/src/cli/main.js')];
  return candidates.find((p) => p.endsWith(join('dist', 'src', 'cli', 'main.js')) && existsSync(p)) ?? candidates[2]!;
})();

export interface CliResult {
  /** Exit code; null when the process died of a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface TestLab extends RunningLab {
  /** Temporary folder of this lab (certificate, profile.json, env) and of `stateDir`. */
  dir: string;
  /** An empty state dir for the CLI: pass it as --state-dir. */
  stateDir: string;
  /** Environment for the CLI: no ambient AVI_/AWS_ variables, the lab's, and the backup passphrase. */
  cliEnv: NodeJS.ProcessEnv;
}

/** Starts a lab in this process, in a fresh temp dir. `stop()` also kills CLI children still alive and removes the dir. */
export async function startTestLab(
  nodes: 1 | 3,
  opts: { timeScale?: number; keepDir?: boolean } & Pick<LabOptions, 'pageSize' | 'consistencyDelayMs' | 'fleet' | 'iamPolicy'> = {},
): Promise<TestLab> {
  const dir = mkdtempSync(join(tmpdir(), `avi-e2e-${nodes}n-`));
  const { timeScale, keepDir: _keep, ...rules } = opts;
  const lab = await startLab({ nodes, timeScale: timeScale ?? DEFAULT_TIME_SCALE, dir: join(dir, 'lab'), ...rules });
  const keep = opts.keepDir ?? process.env['AVI_E2E_KEEP'] === '1';
  return {
    ...lab,
    dir,
    stateDir: join(dir, 'state'),
    cliEnv: cliEnvFor(lab),
    async stop() {
      killChildren();
      await lab.stop();
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** process.env without any AVI_* / AWS_* of the developer's shell, plus the lab's and the test passphrase. */
export function cliEnvFor(lab: Pick<RunningLab, 'env'>, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AVI_|AWS_)/.test(k)));
  return { ...base, ...lab.env, AVI_BACKUP_PASSPHRASE: TEST_PASSPHRASE, ...extra };
}

const live = new Set<ChildProcess>();
const exits = new WeakMap<ChildProcess, Promise<CliResult>>();

/** Starts the CLI; its output is collected from the first byte. Await `waitForExit(child)`. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  exits.set(
    child,
    new Promise<CliResult>((ok, fail) => {
      child.once('error', (e) => {
        live.delete(child);
        fail(e);
      });
      child.once('close', (code, signal) => {
        live.delete(child);
        ok({ code, signal, stdout, stderr });
      });
    }),
  );
  return child;
}

/** Resolves when the child exits; kills it and rejects (with its output so far) after timeoutMs. */
export async function waitForExit(child: ChildProcess, timeoutMs = 90_000): Promise<CliResult> {
  const exit = exits.get(child);
  if (!exit) throw new Error('waitForExit: not a child started by spawnCli');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      void exit.then((r) =>
        fail(new Error(`CLI (pid ${child.pid}) still running after ${timeoutMs} ms; killed.\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`)),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([exit, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the CLI to its end: `runCli(['migrate', ...], lab.cliEnv)`. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, opts: { timeoutMs?: number } = {}): Promise<CliResult> {
  return waitForExit(spawnCli(args, env), opts.timeoutMs);
}

/** Kills every CLI child still running (SIGKILL). Safe to call from afterAll/finally. */
export function killChildren(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

export function ec2For(lab: Pick<RunningLab, 'env' | 'profile'>): EC2Client {
  return new EC2Client({
    region: lab.profile.region,
    endpoint: lab.env['AWS_ENDPOINT_URL_EC2']!,
    credentials: { accessKeyId: lab.env['AWS_ACCESS_KEY_ID']!, secretAccessKey: lab.env['AWS_SECRET_ACCESS_KEY']! },
    maxAttempts: 1,
  });
}

/** The lock key a run against this lab uses: the cluster's identity, read through our own gateways. */
export async function lockTargetOf(lab: Pick<RunningLab, 'env' | 'profile'>): Promise<string> {
  const avi = createAviClient({
    controller: lab.env['AVI_CONTROLLER']!, username: lab.env['AVI_USERNAME']!, password: lab.env['AVI_PASSWORD']!,
    tenant: 'admin', caBundle: lab.env['AVI_ENCRYPT_CA_BUNDLE']!,
  });
  const kms = new KMSClient({
    region: lab.profile.region, endpoint: lab.env['AWS_ENDPOINT_URL_KMS']!, maxAttempts: 1,
    credentials: { accessKeyId: lab.env['AWS_ACCESS_KEY_ID']!, secretAccessKey: lab.env['AWS_SECRET_ACCESS_KEY']! },
  });
  return (await clusterIdentity({ cluster: avi, ec2: createAwsGateway({ ec2: ec2For(lab), kms }) }, lab.profile.region)).key;
}

export function mutatingCount(lab: Pick<RunningLab, 'requests'>): number {
  return lab.requests.list().filter((r) => r.mutating).length;
}

/** Polls `check` until it returns a value other than undefined/false; throws `what` after timeoutMs. */
export async function pollUntil<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 60_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Run folders under <stateDir>/runs, oldest first ([] before the first run). */
export function runDirs(stateDir: string): string[] {
  const runs = join(stateDir, 'runs');
  if (!existsSync(runs)) return [];
  return readdirSync(runs, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join(runs, e.name))
    .sort();
}

/** The standard migrate command line for a lab. */
export function migrateArgs(lab: Pick<TestLab, 'stateDir'>, ...more: string[]): string[] {
  return ['migrate', '--strategy', 'controller-swap', '--yes', '--state-dir', lab.stateDir, ...more];
}
