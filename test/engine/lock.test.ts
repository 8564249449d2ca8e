import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../src/engine/exit-codes.js';
import { acquireLock, LockHeldError, lockPath, readLock, type LockHolder } from '../../src/engine/lock.js';
import { writeJsonAtomic } from '../../src/engine/persist.js';

const TARGET = 'https://avi-ctrl.example.com';
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'avi-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

function holder(over: Partial<LockHolder>): LockHolder {
  return { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), runId: 'old-run', target: TARGET, ...over };
}

describe('acquireLock', () => {
  it('acquires, records the holder, and release removes the file', async () => {
    const lock = await acquireLock({ dir, target: TARGET, runId: 'run-1' });
    expect(lock.holder).toMatchObject({ pid: process.pid, host: hostname(), runId: 'run-1', target: TARGET });
    expect(await readLock(dir, TARGET)).toEqual(lock.holder);
    expect(await readdir(dir)).toEqual([lockPath(dir, TARGET).slice(dir.length + 1)]); // no temp files
    await lock.release();
    expect(await readLock(dir, TARGET)).toBeUndefined();
    await lock.release(); // idempotent
  });

  it('names the file by a hash of the normalised target', () => {
    expect(lockPath(dir, 'https://AVI-CTRL.example.com:443/')).toBe(lockPath(dir, TARGET));
    expect(lockPath(dir, 'https://other.example.com')).not.toBe(lockPath(dir, TARGET));
    expect(lockPath(dir, TARGET)).toMatch(/[0-9a-f]{32}\.lock$/);
  });

  it('refuses a second run with one line naming run, pid, host and start', async () => {
    const lock = await acquireLock({ dir, target: TARGET, runId: 'run-1' });
    const err = await acquireLock({ dir, target: TARGET, runId: 'run-2' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockHeldError);
    const held = err as LockHeldError;
    expect(held.holder).toEqual(lock.holder);
    expect(held.exitCode).toBe(EXIT.locked);
    expect(held.message).toBe(
      `another avi-encrypt run holds the lock for ${TARGET}: run run-1, pid ${process.pid} on ${hostname()} since ${lock.holder.startedAt}; wait for it or stop it`,
    );
    expect(held.message).not.toContain('\n');
    await lock.release();
  });

  it('takes over a lock whose process died on this host, and reports it', async () => {
    const stale = holder({ pid: await deadPid() });
    await writeJsonAtomic(lockPath(dir, TARGET), stale);
    const seen: LockHolder[] = [];
    const lock = await acquireLock({ dir, target: TARGET, runId: 'run-2', onTakeover: (h) => seen.push(h) });
    expect(seen).toEqual([stale]);
    expect(await readLock(dir, TARGET)).toEqual(lock.holder);
    await lock.release();
  });

  it('lets exactly one of several racing takers win', async () => {
    await writeJsonAtomic(lockPath(dir, TARGET), holder({ pid: await deadPid() }));
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => acquireLock({ dir, target: TARGET, runId: `run-${i}` })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(LockHeldError);
    const winner = (won[0] as PromiseFulfilledResult<{ holder: LockHolder }>).value.holder;
    expect(await readLock(dir, TARGET)).toEqual(winner);
  });

  it('never takes over a lock held on another host, and says so', async () => {
    const remote = holder({ host: 'bastion-2.example.com', pid: await deadPid() });
    await writeJsonAtomic(lockPath(dir, TARGET), remote);
    const err = await acquireLock({ dir, target: TARGET, runId: 'run-2' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockHeldError);
    expect((err as Error).message).toMatch(/on bastion-2\.example\.com since .*; wait for it or stop it; it is held on another host, so it is never taken over automatically$/);
    expect(await readLock(dir, TARGET)).toEqual(remote);
  });

  it('release leaves a lock that is no longer ours alone', async () => {
    const lock = await acquireLock({ dir, target: TARGET, runId: 'run-1' });
    const other = holder({ runId: 'run-9', pid: 4242 });
    await writeJsonAtomic(lockPath(dir, TARGET), other); // e.g. taken over meanwhile
    await lock.release();
    expect(await readLock(dir, TARGET)).toEqual(other);
  });
});
