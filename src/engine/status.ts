// `status [run-id]`: what runs exist, where each stands, and who holds the lock.

import { EXIT, UserFacingError, type ExitCode } from './exit-codes.js';
import { Journal } from './journal.js';
import { isStale, readLock } from './lock.js';
import { readJson } from './persist.js';
import { loadMeta, RunFileError, unreadable } from './run-meta.js';
import { listRuns, locksDir, runFolder, type RunFolder } from './run-folder.js';

interface RunLine {
  runId: string;
  status: string;
  strategy?: string;
  controller?: string;
  startedAt?: string;
  updatedAt?: string;
  at?: unknown;
  lastEvent?: string | null;
  failure?: string | null;
  /** Set when a file of the run cannot be read: which one and why. */
  corrupt?: string;
  folder: string;
}

export async function status(opts: { stateDir: string; runId?: string; json: boolean }, out: NodeJS.WritableStream): Promise<ExitCode> {
  const ids = opts.runId ? [opts.runId] : await listRuns(opts.stateDir);
  const runs: RunLine[] = [];
  for (const id of ids) {
    let folder;
    try {
      folder = runFolder(opts.stateDir, id);
    } catch {
      throw new UserFacingError(`${id} is not a run id`, EXIT.usage);
    }
    try {
      const line = await describeRun(opts.stateDir, id, folder);
      if (line) runs.push(line);
      else if (opts.runId) throw new UserFacingError(`no run ${id} in ${opts.stateDir}`, EXIT.usage);
    } catch (e) {
      // One unreadable run must not hide the others; asked for by id, it is the answer.
      if (!(e instanceof RunFileError) || opts.runId) throw e;
      runs.push({ runId: id, status: 'corrupt', corrupt: e.message, folder: folder.dir });
    }
  }
  if (opts.json) {
    out.write(`${JSON.stringify(runs, null, 2)}\n`);
    return EXIT.ok;
  }
  if (!runs.length) out.write(`no runs in ${opts.stateDir}\n`);
  for (const r of runs) {
    if (r.corrupt) {
      out.write(`${r.runId}  corrupt\n  ${r.corrupt}\n`);
      continue;
    }
    out.write(`${r.runId}  ${r.status}  ${r.strategy}  ${r.controller}\n`);
    out.write(`  started ${r.startedAt}, last: ${r.lastEvent ?? 'nothing yet'}\n`);
    if (r.failure) out.write(`  failure: ${r.failure}\n`);
    if (r.status !== 'done') out.write(`  resume: avi-encrypt resume ${r.runId} --state-dir ${opts.stateDir}\n`);
  }
  return EXIT.ok;
}

async function describeRun(stateDir: string, id: string, folder: RunFolder): Promise<RunLine | undefined> {
  const meta = await loadMeta(folder.meta);
  if (!meta) return undefined;
  let snapshot: { value?: unknown } | undefined;
  try {
    snapshot = await readJson<{ value?: unknown }>(folder.snapshot);
  } catch (e) {
    throw new RunFileError(folder.snapshot, unreadable(e), 'restore it from a backup; without it the run cannot be resumed');
  }
  let journal;
  try {
    journal = await Journal.read(folder.journal);
  } catch (e) {
    throw new RunFileError(folder.journal, unreadable(e), 'the journal is the run history: restore it from a backup');
  }
  const last = journal[journal.length - 1];
  const lock = await readLock(locksDir(stateDir), meta.target ?? meta.settings.avi.controller).catch(() => undefined);
  const live = meta.status === 'running' && lock?.runId === id && !isStale(lock);
  return {
    runId: id, strategy: meta.strategy, status: meta.status === 'running' && !live ? 'crashed (resumable)' : meta.status,
    controller: meta.settings.avi.controller, startedAt: meta.startedAt, updatedAt: meta.updatedAt,
    at: snapshot?.value ?? null, lastEvent: last ? `${last.at} ${last.event}${last.step ? ` ${last.step}` : ''}${last.node ? ` [${last.node}]` : ''}` : null,
    failure: meta.failure?.message ?? null, folder: folder.dir,
  };
}
