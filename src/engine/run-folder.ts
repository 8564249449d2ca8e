// Where a run keeps its files. One folder per run under <stateDir>/runs, named so that
// a plain sort is chronological: `status` and `resume` pick the newest without reading them.
//
//   <stateDir>/runs/<runId>/run.json        settings and machine version (no secrets)
//                           snapshot.json   the persisted actor snapshot
//                           journal.jsonl   append-only history
//                           log.jsonl       detailed log
//                           backups/        Controller configuration exports
//   <stateDir>/locks/                       one lock file per Controller cluster

import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isCode } from './persist.js';

export interface RunFolder {
  dir: string;
  meta: string;
  snapshot: string;
  journal: string;
  log: string;
  backups: string;
}

const RUN_ID = /^\d{8}-\d{6}-[a-z0-9-]+-[0-9a-f]{4}$/;

export function runsDir(stateDir: string): string {
  return join(stateDir, 'runs');
}

export function locksDir(stateDir: string): string {
  return join(stateDir, 'locks');
}

export function runFolder(stateDir: string, runId: string): RunFolder {
  // The id becomes a path segment: refuse anything that could climb out of stateDir.
  if (!RUN_ID.test(runId)) throw new Error(`not a run id: ${JSON.stringify(runId)}`);
  const dir = join(runsDir(stateDir), runId);
  return {
    dir,
    meta: join(dir, 'run.json'),
    snapshot: join(dir, 'snapshot.json'),
    journal: join(dir, 'journal.jsonl'),
    log: join(dir, 'log.jsonl'),
    backups: join(dir, 'backups'),
  };
}

/** Creates the run folder and its backups folder, 0700 (backups hold configuration exports). */
export async function createRunFolder(stateDir: string, runId: string): Promise<RunFolder> {
  const folder = runFolder(stateDir, runId);
  await mkdir(runsDir(stateDir), { recursive: true, mode: 0o700 });
  // Not recursive: an existing folder means a run-id collision, which must not merge two runs.
  await mkdir(folder.dir, { mode: 0o700 });
  await mkdir(folder.backups, { mode: 0o700 });
  // mkdir's mode is filtered by the umask; 0700 is what we want whatever the umask.
  await chmod(folder.dir, 0o700);
  await chmod(folder.backups, 0o700);
  return folder;
}

/**
 * `20261127-093012-controller-swap-a1b2`: UTC time (sortable, no DST jumps), the
 * strategy, and a random suffix so two runs started in the same second differ.
 */
export function newRunId(strategy: string, now = new Date()): string {
  const iso = now.toISOString(); // 2026-11-27T09:30:12.345Z
  const stamp = `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
  const name = strategy.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
  return `${stamp}-${name}-${randomBytes(2).toString('hex')}`;
}

/** Run ids, newest first; [] when there is no state directory yet. */
export async function listRuns(stateDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(runsDir(stateDir), { withFileTypes: true });
  } catch (err) {
    if (isCode(err, 'ENOENT')) return [];
    throw err;
  }
  return entries
    .filter((e) => e.isDirectory() && RUN_ID.test(e.name))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
}
