// `status [run-id]`: what runs exist, where each stands, and who holds the lock.

import { EXIT, UserFacingError, type ExitCode } from './exit-codes.js';
import { Journal } from './journal.js';
import { isStale, readLock } from './lock.js';
import { readJson } from './persist.js';
import { loadMeta } from './run-meta.js';
import { listRuns, locksDir, runFolder } from './run-folder.js';

export async function status(opts: { stateDir: string; runId?: string; json: boolean }, out: NodeJS.WritableStream): Promise<ExitCode> {
  const ids = opts.runId ? [opts.runId] : await listRuns(opts.stateDir);
  const runs = [];
  for (const id of ids) {
    let folder;
    try {
      folder = runFolder(opts.stateDir, id);
    } catch {
      throw new UserFacingError(`${id} is not a run id`, EXIT.usage);
    }
    const meta = await loadMeta(folder.meta);
    if (!meta) {
      if (opts.runId) throw new UserFacingError(`no run ${id} in ${opts.stateDir}`, EXIT.usage);
      continue;
    }
    const snapshot = await readJson<{ value?: unknown }>(folder.snapshot);
    const journal = await Journal.read(folder.journal);
    const last = journal[journal.length - 1];
    const lock = await readLock(locksDir(opts.stateDir), meta.settings.avi.controller);
    const live = meta.status === 'running' && lock?.runId === id && !isStale(lock);
    runs.push({
      runId: id, strategy: meta.strategy, status: meta.status === 'running' && !live ? 'crashed (resumable)' : meta.status,
      controller: meta.settings.avi.controller, startedAt: meta.startedAt, updatedAt: meta.updatedAt,
      at: snapshot?.value ?? null, lastEvent: last ? `${last.at} ${last.event}${last.step ? ` ${last.step}` : ''}${last.node ? ` [${last.node}]` : ''}` : null,
      failure: meta.failure?.message ?? null, folder: folder.dir,
    });
  }
  if (opts.json) {
    out.write(`${JSON.stringify(runs, null, 2)}\n`);
    return EXIT.ok;
  }
  if (!runs.length) out.write(`no runs in ${opts.stateDir}\n`);
  for (const r of runs) {
    out.write(`${r.runId}  ${r.status}  ${r.strategy}  ${r.controller}\n`);
    out.write(`  started ${r.startedAt}, last: ${r.lastEvent ?? 'nothing yet'}\n`);
    if (r.failure) out.write(`  failure: ${r.failure}\n`);
    if (r.status !== 'done') out.write(`  resume: avi-encrypt resume ${r.runId} --state-dir ${opts.stateDir}\n`);
  }
  return EXIT.ok;
}
