// Durable JSON files for run state. A crash at any instant leaves either the old or the
// new file on disk, never a partial one: write a temp file in the same directory, fsync
// it, rename it over the target (atomic within one filesystem), then fsync the directory
// so the rename itself survives a power loss.

import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** Per-path promise chains: writes to one file run one at a time, in call order. */
const chains = new Map<string, Promise<void>>();

function serialise(path: string, task: () => Promise<void>): Promise<void> {
  const key = resolve(path);
  const run = (chains.get(key) ?? Promise.resolve()).then(task);
  const tail = run.catch(() => undefined);
  chains.set(key, tail);
  // Drop the entry once idle so long runs do not accumulate one per file ever written.
  void tail.then(() => {
    if (chains.get(key) === tail) chains.delete(key);
  });
  return run;
}

/** fsync a directory so a rename or a new entry in it is durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch (err) {
    // Some platforms and filesystems refuse fsync on a directory; the rename is still atomic.
    if (!isCode(err, 'EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP')) throw err;
  } finally {
    await fh.close();
  }
}

async function writeNow(path: string, text: string, mode: number): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dir);
}

/**
 * Atomically replace `path` with `data` as pretty JSON. Calls for the same path are
 * serialised, so the last call's data is what ends up on disk.
 */
export function writeJsonAtomic(path: string, data: unknown, mode = 0o600): Promise<void> {
  let text: string;
  try {
    text = toJsonText(path, data);
  } catch (err) {
    return Promise.reject(err);
  }
  return serialise(path, () => writeNow(path, text, mode));
}

function toJsonText(path: string, data: unknown): string {
  const text = JSON.stringify(data, null, 2);
  if (text === undefined) throw new TypeError(`cannot write ${path}: value is not JSON-serialisable`);
  return text + '\n';
}

/** Parsed JSON from `path`; undefined if the file does not exist. */
export async function readJson<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isCode(err, 'ENOENT')) return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`${path} is corrupt (not valid JSON: ${why}); restore it from a backup or remove it`);
  }
}

export interface SnapshotWriter {
  /** Resolves once `data`, or newer data written after it, is durable on disk. */
  write(data: unknown): Promise<void>;
  /** Resolves once every write so far is durable; retries a failed latest write once more. */
  flush(): Promise<void>;
}

/**
 * A writer for a file that is rewritten on every state change (the actor snapshot).
 * Bursts coalesce: while a write is in flight only the latest pending data is kept,
 * so a burst of N snapshots costs at most two disk writes and the newest always wins.
 */
export function createSnapshotWriter(path: string): SnapshotWriter {
  // Holds JSON text, not the object: serialised at write() time so later mutation of
  // the caller's object cannot change what gets written, and bad data fails its own call.
  let pending: { text: string } | undefined;
  let tail: Promise<void> = Promise.resolve();

  const enqueue = (): Promise<void> => {
    const step = tail.then(async () => {
      const next = pending;
      if (!next) return; // an earlier step already wrote this data or newer
      pending = undefined;
      try {
        await serialise(path, () => writeNow(path, next.text, 0o600));
      } catch (err) {
        // Keep the data for the next step unless newer data arrived meanwhile.
        pending ??= next;
        throw err;
      }
    });
    tail = step.catch(() => undefined);
    return step;
  };

  return {
    write(data) {
      try {
        pending = { text: toJsonText(path, data) };
      } catch (err) {
        return Promise.reject(err);
      }
      return enqueue();
    },
    flush: enqueue,
  };
}

export function isCode(err: unknown, ...codes: string[]): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && codes.includes(code);
}
