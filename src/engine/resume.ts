// `resume [run-id]`: restore the saved actor and run the step that was in flight again.

import { connect } from './connect.js';
import { drive } from './drive.js';
import { EXIT, UserFacingError, type ExitCode } from './exit-codes.js';
import { Journal } from './journal.js';
import { acquireLock } from './lock.js';
import type { CommandIo } from './migrate.js';
import { readJson } from './persist.js';
import { Redactor } from './redact.js';
import { loadMeta, loadMetaOrSkip, RunFileError, unreadable, type RunMeta } from './run-meta.js';
import { listRuns, locksDir, runFolder, type RunFolder } from './run-folder.js';
import { runbookFor } from './runbooks.js';
import { isStrategy } from './settings.js';

export async function resume(opts: { stateDir: string; runId?: string; yes?: boolean; pollIntervalMs?: number }, io: CommandIo): Promise<ExitCode> {
  const all = opts.runId ? [] : await listRuns(opts.stateDir);
  if (!opts.runId && all.length === 0) throw new UserFacingError(`no runs in ${opts.stateDir}; start one with avi-encrypt migrate`, EXIT.usage);
  const runId = opts.runId ?? (await latestUnfinished(opts.stateDir, all));
  if (!runId) {
    io.out.write(`every run in ${opts.stateDir} has finished; nothing to resume\n`);
    return EXIT.ok;
  }
  let folder;
  try {
    folder = runFolder(opts.stateDir, runId);
  } catch {
    throw new UserFacingError(`${runId} is not a run id; avi-encrypt status lists the runs in ${opts.stateDir}`, EXIT.usage);
  }
  const meta = await loadMeta(folder.meta);
  if (!meta) throw new UserFacingError(`no run ${runId} in ${opts.stateDir}; avi-encrypt status lists the runs`, EXIT.usage);
  if (meta.status === 'done') {
    io.out.write(`run ${runId} already finished; nothing to resume\n`);
    return EXIT.ok;
  }
  if (!isStrategy(meta.settings.strategy)) throw new UserFacingError(`run ${runId} has an unknown strategy ${meta.settings.strategy}`, EXIT.usage);
  const runbook = runbookFor(meta.settings.strategy);
  if (meta.runbookVersion !== runbook.definition.version) {
    throw new UserFacingError(
      `run ${runId} was made by ${meta.strategy} runbook v${meta.runbookVersion}, this avi-encrypt has v${runbook.definition.version}; finish it with the version that started it`,
      EXIT.usage,
    );
  }
  const snapshot = await readSnapshot(folder, meta);
  // Resuming stops and starts production instances: the same consent as migrate.
  if (!opts.yes && !io.interactive) {
    throw new UserFacingError(`resume changes production and stdin is not a terminal to confirm on; pass --yes (avi-encrypt resume ${runId} --yes)`, EXIT.usage);
  }
  if (!opts.yes && !(await io.confirm(`Resume run ${runId} (${meta.strategy}, ${meta.settings.avi.controller}, ${meta.status})?`))) {
    io.out.write('nothing was changed\n');
    return EXIT.ok;
  }
  const settings = { ...meta.settings, ...(opts.pollIntervalMs ? { pollIntervalMs: opts.pollIntervalMs } : {}) };
  const lock = await acquireLock({
    dir: locksDir(settings.stateDir), target: meta.target ?? settings.avi.controller, runId,
    onTakeover: (stale) => io.err.write(`warning: taking over the lock of run ${stale.runId} (pid ${stale.pid} on ${stale.host} is gone)\n`),
  });
  try {
    const password = await io.aviPassword();
    const redactor = new Redactor([password]);
    const singleNode = snapshot.context?.nodes?.length === 1;
    const gateways = await connect(settings, password, {
      ...(singleNode
        ? { onUnreachable: (why: string) => io.err.write(`warning: ${why}; resuming anyway: the run may have left this 1-node Controller stopped\n`) }
        : {}),
    });
    const backupPassphrase = async () => {
      const p = await io.backupPassphrase();
      redactor.add(p);
      return p;
    };
    return await drive({
      meta: { ...meta, settings }, folder, gateways, redactor, lock, resumed: true,
      start: { snapshot: freshWait(snapshot as Record<string, unknown>, meta.status, settings.waitTimeoutMs, settings.pollIntervalMs) },
      io: { ...io, backupPassphrase },
    });
  } catch (e) {
    await lock.release();
    throw e;
  }
}

interface SavedSnapshot {
  value?: unknown;
  context?: { nodes?: unknown[] };
}

/** The saved actor, or a refusal that says what is missing and what to do: never a silent restart. */
async function readSnapshot(folder: RunFolder, meta: RunMeta): Promise<SavedSnapshot> {
  let saved: unknown;
  try {
    saved = await readJson<unknown>(folder.snapshot);
  } catch (e) {
    throw new RunFileError(folder.snapshot, unreadable(e), 'restore it from a backup; without it the run cannot be resumed');
  }
  if (saved === undefined) {
    const journal = await Journal.read(folder.journal).catch(() => []);
    const ran = journal.filter((e) => e.event === 'step-started').map((e) => e.step);
    const what = ran.length
      ? `steps ran (last: ${ran[ran.length - 1]}); restore snapshot.json from a backup, or clean up what carries the tag avi-encrypt:run-id=${meta.runId} and start a new run with avi-encrypt migrate`
      : `no step ran; start a new run with avi-encrypt migrate`;
    throw new UserFacingError(`run ${meta.runId} has no saved state (${folder.snapshot} is missing): ${what}`, EXIT.usage);
  }
  if (!saved || typeof saved !== 'object' || !('value' in saved) || !('context' in saved)) {
    throw new RunFileError(folder.snapshot, 'is not a saved run (no state or context)', 'restore it from a backup; without it the run cannot be resumed');
  }
  return saved as SavedSnapshot;
}

/**
 * After a failure (a wait that timed out, a key that had to be fixed) the wait starts over
 * with a full deadline; after a crash it keeps the deadline it had. The in-flight child
 * restarts from its own saved input, so that copy of the context is updated too.
 */
function freshWait(snapshot: Record<string, unknown>, status: string, waitTimeoutMs: number, pollIntervalMs: number): unknown {
  const copy = structuredClone(snapshot) as { context: Record<string, unknown>; children?: Record<string, { snapshot?: { input?: { ctx?: Record<string, unknown> } } }> };
  const patch = (ctx: Record<string, unknown>) => {
    ctx['pollIntervalMs'] = pollIntervalMs;
    if (status !== 'running' && typeof ctx['waitDeadline'] === 'number') ctx['waitDeadline'] = Date.now() + waitTimeoutMs;
  };
  patch(copy.context);
  for (const child of Object.values(copy.children ?? {})) {
    const ctx = child.snapshot?.input?.ctx;
    if (ctx) patch(ctx);
  }
  return copy;
}

async function latestUnfinished(stateDir: string, ids: string[]): Promise<string | undefined> {
  for (const id of ids) {
    const meta = await loadMetaOrSkip(runFolder(stateDir, id).meta);
    if (meta && meta.status !== 'done' && meta.status !== 'refused') return id;
  }
  return undefined;
}
