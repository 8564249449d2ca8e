// `lab up` / `lab down`: run the lab daemon in the background, one per folder. The folder's
// lab.pid says whether a lab lives there; profile.json appearing says it is ready.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fleetArgs, type FleetOptions } from './avi/fleet/options.js';
import type { LabProfile } from './server.js';

const LAB_FILES = ['lab.pid', 'profile.json', 'env'];

/** A lab command that cannot be done as asked (busy or missing folder): the CLI's usage error. */
export class LabUsageError extends Error {
  override readonly name = 'LabUsageError';
}

/** The lab folder must be a directory (or creatable as one). */
function checkDir(dir: string, mustExist: boolean): void {
  const kind = statSync(dir, { throwIfNoEntry: false });
  if (!kind) {
    if (mustExist) throw new LabUsageError(`no lab folder ${dir}: pass the --dir that "lab up" used`);
    return;
  }
  if (!kind.isDirectory()) throw new LabUsageError(`${dir} is a file, not a lab folder: pass the --dir that "lab up" used`);
}
const UP_DEADLINE_MS = 15_000;
const DOWN_DEADLINE_MS = 10_000;

export interface LabUpOptions {
  nodes: 1 | 3;
  timeScale: number;
  dir: string;
  pageSize?: number;
  /** Path of the IAM policy file (already checked by the caller; the daemon reads it again). */
  iamPolicy?: string;
  consistencyDelayMs?: number;
  fleet?: FleetOptions;
}

export async function labUp(opts: LabUpOptions): Promise<LabProfile> {
  const dir = resolve(opts.dir);
  checkDir(dir, false);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new LabUsageError(`cannot create the lab folder ${dir} (${(e as NodeJS.ErrnoException).code ?? 'error'}): pass another --dir`);
  }
  const running = livePid(dir);
  if (running !== undefined) throw new LabUsageError(`a lab is already running in ${dir} (pid ${running}): stop it with "avi-encrypt lab down --dir ${opts.dir}" or use another --dir`);
  clean(dir); // leftovers of a lab that died without cleaning up

  const logFd = openSync(join(dir, 'lab.log'), 'a');
  const args = ['--nodes', String(opts.nodes), '--time-scale', String(opts.timeScale), '--dir', dir, ...(opts.fleet ? fleetArgs(opts.fleet) : [])];
  if (opts.pageSize !== undefined) args.push('--page-size', String(opts.pageSize));
  if (opts.iamPolicy !== undefined) args.push('--iam-policy', resolve(opts.iamPolicy));
  if (opts.consistencyDelayMs !== undefined) args.push('--consistency-delay', String(opts.consistencyDelayMs));
  const child = spawn(process.execPath, [daemonPath(), ...args], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  child.unref();

  const deadline = Date.now() + UP_DEADLINE_MS;
  while (Date.now() < deadline) {
    const profile = readProfile(dir);
    if (profile && profile.pid === child.pid) return profile;
    if (exited !== undefined) throw new Error(`the lab daemon exited (code ${exited}) before it was ready: ${tail(dir)}`);
    await sleep(50);
  }
  if (child.pid) tryKill(child.pid, 'SIGTERM');
  throw new Error(`the lab did not come up within ${UP_DEADLINE_MS / 1000} s: ${tail(dir)}`);
}

export async function labDown(opts: { dir: string }): Promise<void> {
  const dir = resolve(opts.dir);
  checkDir(dir, true);
  const pid = livePid(dir);
  if (pid === undefined) {
    clean(dir);
    throw new LabUsageError(`no lab is running in ${dir}: nothing to stop (start one with "avi-encrypt lab up --dir ${opts.dir}")`);
  }
  tryKill(pid, 'SIGTERM');
  const deadline = Date.now() + DOWN_DEADLINE_MS;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
  if (alive(pid)) tryKill(pid, 'SIGKILL');
  clean(dir);
}

/** The daemon next to this module once compiled (dist/src/lab/); from sources, the compiled copy in dist/. */
function daemonPath(): string {
  const sibling = fileURLToPath(new URL('./daemon.js', import.meta.url));
  if (existsSync(sibling)) return sibling;
  const compiled = sibling.replace(/([\\/])src\1lab\1daemon\.js$/, '$1dist$1src$1lab$1daemon.js');
  if (existsSync(compiled)) return compiled;
  throw new Error(`lab daemon not found at ${sibling}; build first (npx tsc -p tsconfig.json)`);
}

export function livePid(dir: string): number | undefined {
  for (const read of [() => readFileSync(join(dir, 'lab.pid'), 'utf8'), () => String(readProfile(dir)?.pid ?? '')]) {
    let pid: number;
    try {
      pid = Number.parseInt(read().trim(), 10);
    } catch {
      continue;
    }
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) return pid;
  }
  return undefined;
}

export function readProfile(dir: string): LabProfile | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'profile.json'), 'utf8')) as LabProfile;
  } catch {
    return undefined; // absent, or being written
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function clean(dir: string): void {
  for (const f of LAB_FILES) rmSync(join(dir, f), { force: true });
}

function tail(dir: string): string {
  try {
    const lines = readFileSync(join(dir, 'lab.log'), 'utf8').trim().split('\n');
    return lines.slice(-3).join(' | ') || 'lab.log is empty';
  } catch {
    return 'no lab.log';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
