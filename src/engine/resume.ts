// `resume [run-id]` and `approve <run-id>`: restore the saved run and continue it. A step that
// was in flight runs again; a failed or rolled-back run gets RESUME (its failed items start
// again, with fresh deadlines); a gate that waits gets APPROVE or is asked again.

import type { RunEvent } from '../runbook/machine.js';
import { connectTarget } from '../steps/target.js';
import { buildRunbook } from './build.js';
import { drive } from './drive.js';
import { EXIT, UserFacingError, type ExitCode } from './exit-codes.js';
import { gateAsker } from './gates.js';
import { Journal } from './journal.js';
import { acquireLock } from './lock.js';
import { secretsInto, type CommandIo } from './migrate.js';
import { readJson } from './persist.js';
import { Redactor } from './redact.js';
import { runbookFor } from './registry.js';
import { loadRun } from './run-load.js';
import { loadMetaOrSkip, RunFileError, unreadable, type RunMeta } from './run-meta.js';
import { listRuns, locksDir, runFolder, type RunFolder } from './run-folder.js';
import { toolVersion } from './version.js';

export interface ResumeOptions {
  stateDir: string;
  runId?: string;
  yes?: boolean;
  /** `approve`: the run must be waiting at a gate, and the approval is the consent. */
  approve?: boolean;
  /** Today's --poll-interval bounds and duration scale, when the environment sets them. */
  pollIntervalMs?: number;
  pollMinMs?: number;
  durationScale?: number;
}

export async function resume(opts: ResumeOptions, io: CommandIo): Promise<ExitCode> {
  const all = opts.runId ? [] : await listRuns(opts.stateDir);
  if (!opts.runId && all.length === 0) throw new UserFacingError(`no runs in ${opts.stateDir}; start one with avi-encrypt migrate`, EXIT.usage);
  const runId = opts.runId ?? (await latestUnfinished(opts.stateDir, all));
  if (!runId) {
    io.out.write(`every run in ${opts.stateDir} has finished; nothing to resume\n`);
    return EXIT.ok;
  }
  const { folder, meta } = await loadRun(opts.stateDir, runId);
  if (meta.status === 'done') {
    io.out.write(`run ${runId} already finished; nothing to resume\n`);
    return EXIT.ok;
  }
  if (opts.approve && meta.status !== 'waiting-approval') {
    throw new UserFacingError(`run ${runId} is ${meta.status}, not waiting for an approval; continue it with avi-encrypt resume ${runId}`, EXIT.usage);
  }
  const module = runbookFor(meta.settings.strategy);
  const built = buildRunbook(module, meta.settings);
  refuseOtherShape(meta, built.fingerprint);
  const snapshot = await readSnapshot(folder, meta);
  // Resuming may stop and start production instances: the same consent as migrate.
  const consent = opts.yes || opts.approve;
  if (!consent && !io.interactive) {
    throw new UserFacingError(`resume changes production and stdin is not a terminal to confirm on; pass --yes (avi-encrypt resume ${runId} --yes)`, EXIT.usage);
  }
  if (!consent && !(await io.confirm(`Resume run ${runId} (${meta.strategy}, ${module.targetLabel(meta.settings)}, ${meta.status})?`))) {
    io.out.write('nothing was changed\n');
    return EXIT.ok;
  }
  const today = { pollIntervalMs: opts.pollIntervalMs, pollMinMs: opts.pollMinMs, durationScale: opts.durationScale };
  const settings = { ...meta.settings, ...Object.fromEntries(Object.entries(today).filter(([, v]) => v !== undefined)) };
  const lock = await acquireLock({
    dir: locksDir(settings.stateDir), target: meta.target ?? module.targetLabel(settings), runId,
    onTakeover: (stale) => io.err.write(`warning: taking over the lock of run ${stale.runId} (pid ${stale.pid} on ${stale.host} is gone)\n`),
  });
  try {
    const password = await io.aviPassword();
    const redactor = new Redactor([password]);
    // The run may have left its target unreachable for now (a stopped 1-node Controller): steps wait for it.
    const target = await connectTarget(settings, password, {
      onUnreachable: (why) => io.err.write(`warning: ${why}; resuming anyway: the run may have left it down\n`),
    });
    const by = opts.approve ? 'approve' : '--yes';
    const events: RunEvent[] = [{ type: 'RESUME' }, consent ? { type: 'APPROVE', by } : { type: 'ASK' }];
    return await drive({
      module, meta: { ...meta, settings }, folder, target, redactor, lock, resumed: true,
      gates: gateAsker({ yes: !!consent, interactive: io.interactive, confirm: io.confirm, out: io.out }),
      start: { snapshot, events },
      io: { ...io, backupPassphrase: secretsInto(redactor, io.backupPassphrase), nodePassword: secretsInto(redactor, io.nodePassword) },
    });
  } catch (e) {
    await lock.release();
    throw e;
  }
}

/** A saved run whose machine had another shape cannot be restored by this one: say which version made it. */
function refuseOtherShape(meta: RunMeta, fingerprint: string): void {
  if (meta.fingerprint === fingerprint) return;
  const made = meta.fingerprint
    ? `avi-encrypt ${meta.toolVersion ?? 'unknown'} (${meta.strategy} runbook shape ${meta.fingerprint})`
    : 'an older avi-encrypt (before runbook shapes were recorded)';
  throw new UserFacingError(
    `run ${meta.runId} was made by ${made}; this avi-encrypt ${toolVersion()} has shape ${fingerprint} and cannot restore it: finish it with the version that made it, or start a new run with avi-encrypt migrate`,
    EXIT.usage,
  );
}

/** The saved actor, or a refusal that says what is missing and what to do: never a silent restart. */
async function readSnapshot(folder: RunFolder, meta: RunMeta): Promise<object> {
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
  return saved;
}

async function latestUnfinished(stateDir: string, ids: string[]): Promise<string | undefined> {
  for (const id of ids) {
    const meta = await loadMetaOrSkip(runFolder(stateDir, id).meta);
    if (meta && meta.status !== 'done' && meta.status !== 'refused') return id;
  }
  return undefined;
}
