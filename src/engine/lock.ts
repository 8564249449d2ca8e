// One run per Controller cluster at a time: two runs swapping nodes of the same cluster
// could take it below quorum. The lock is a file per target identity in the state directory;
// runs in other state dirs or on other hosts are kept out by the in-flight marker on EC2.

import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, open, stat, unlink } from 'node:fs/promises';
import { hostname, uptime } from 'node:os';
import { dirname, join } from 'node:path';
import { EXIT, UserFacingError } from './exit-codes.js';
import { fsyncDir, isCode, readJson, writeJsonAtomic } from './persist.js';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  runId: string;
  target: string;
}

export interface Lock {
  release(): Promise<void>;
  holder: LockHolder;
}

/** Thrown when a live run (or a run on another host) holds the lock. Exits with EXIT.locked. */
export class LockHeldError extends UserFacingError {
  constructor(readonly holder: LockHolder) {
    const h = holder;
    const remote = h.host !== hostname() ? '; it is held on another host, so it is never taken over automatically' : '';
    super(
      `another avi-encrypt run holds the lock for ${h.target}: run ${h.runId}, pid ${h.pid} on ${h.host} since ${h.startedAt}; wait for it or stop it${remote}`,
      EXIT.locked,
    );
    this.name = 'LockHeldError';
  }
}

/**
 * The lock is keyed on the target's identity (cluster UUID, account, region). Runs saved before
 * identities existed carry the Controller URL instead: that is normalised (case, trailing slash,
 * default port) so it still finds its lock.
 */
function normaliseTarget(target: string): string {
  if (!/^https?:\/\//i.test(target)) return target.trim();
  try {
    return new URL(target).origin;
  } catch {
    return target.trim();
  }
}

export function lockPath(dir: string, target: string): string {
  const digest = createHash('sha256').update(normaliseTarget(target)).digest('hex');
  return join(dir, `${digest.slice(0, 32)}.lock`);
}

export function readLock(dir: string, target: string): Promise<LockHolder | undefined> {
  return readJson<LockHolder>(lockPath(dir, target));
}

/**
 * True when the holder certainly no longer runs: same host and its pid is gone, or the
 * host rebooted since the lock was taken (the pid may now belong to another process).
 * A holder on another host is never judged stale: we cannot see its processes.
 */
export function isStale(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  const bootedAt = Date.now() - uptime() * 1000;
  if (Date.parse(holder.startedAt) < bootedAt) return true;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return isCode(err, 'ESRCH'); // EPERM: alive, owned by another user
  }
}

export async function acquireLock(opts: {
  dir: string;
  target: string;
  runId: string;
  onTakeover?: (stale: LockHolder) => void;
}): Promise<Lock> {
  await mkdir(opts.dir, { recursive: true, mode: 0o700 });
  const file = lockPath(opts.dir, opts.target);
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    runId: opts.runId,
    target: opts.target,
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await createExclusive(file, holder)) return makeLock(file, holder);
    const current = await readJson<LockHolder>(file);
    if (!current) continue; // released between our create and our read
    if (!isStale(current)) throw new LockHeldError(current);
    if (await takeOver(file, current, holder)) {
      opts.onTakeover?.(current);
      return makeLock(file, holder);
    }
    // Another process is taking over, or just did: look again.
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
  }
  throw new UserFacingError(`could not take the lock for ${opts.target}: another avi-encrypt is taking it at the same moment; run avi-encrypt status, then try again`, EXIT.locked);
}

/**
 * open(..., 'wx') on a temp file, then link() it to the lock name: link fails with
 * EEXIST like 'wx' does, but the lock appears with its content complete, so a crash
 * can never leave an empty lock file that blocks every later run.
 */
async function createExclusive(file: string, holder: LockHolder): Promise<boolean> {
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(JSON.stringify(holder, null, 2) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, file);
    return true;
  } catch (err) {
    if (isCode(err, 'EEXIST')) return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
    await fsyncDir(dirname(file)).catch(() => undefined);
  }
}

/** A takeover older than this was abandoned by a crashed taker; it takes milliseconds. */
const GUARD_STALE_MS = 30_000;

/**
 * Replace a stale lock with ours. Takers serialise on a guard file, and re-read the lock
 * under it: without that, two takers that both saw the stale holder could both "win",
 * the second overwriting the first's fresh lock.
 */
async function takeOver(file: string, stale: LockHolder, ours: LockHolder): Promise<boolean> {
  const guard = `${file}.takeover`;
  try {
    await (await open(guard, 'wx', 0o600)).close();
  } catch (err) {
    if (!isCode(err, 'EEXIST')) throw err;
    const age = await stat(guard).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > GUARD_STALE_MS) await unlink(guard).catch(() => undefined);
    return false;
  }
  try {
    const current = await readJson<LockHolder>(file);
    if (!current || !sameHolder(current, stale)) return false;
    await writeJsonAtomic(file, ours); // rename over it: the lock file is never absent
    return true;
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.pid === b.pid && a.host === b.host && a.runId === b.runId && a.startedAt === b.startedAt;
}

function makeLock(file: string, holder: LockHolder): Lock {
  return {
    holder,
    async release() {
      // Only delete our own lock: after a takeover the file belongs to someone else.
      const current = await readJson<LockHolder>(file).catch(() => undefined);
      if (current && sameHolder(current, holder)) await unlink(file).catch(() => undefined);
    },
  };
}
