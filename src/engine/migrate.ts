// `migrate`: preflight (every check, and a saved plan's world), confirm, lock, then drive a new run.

import type { AnyRunbookModule } from '../runbook/module.js';
import type { Settings } from '../runbook/settings.js';
import { connectTarget } from '../steps/target.js';
import { buildRunbook } from './build.js';
import { drive, type RunIo } from './drive.js';
import { EXIT, UserFacingError, type ExitCode } from './exit-codes.js';
import { gateAsker } from './gates.js';
import { acquireLock, isStale, readLock } from './lock.js';
import type { MadePlan } from './plan/plan.js';
import { renderPlan } from './plan/render.js';
import { passPreflight, type PreflightIo } from './preflight/command.js';
import { renderChecklist } from './preflight/render.js';
import type { PreflightOutcome } from './preflight/run.js';
import type { SavedPlanInput } from './saved-plan/apply.js';
import { Redactor } from './redact.js';
import { runbookFor } from './registry.js';
import { loadMetaOrSkip, newMeta, saveMeta, type RunMeta } from './run-meta.js';
import { createRunFolder, listRuns, locksDir, newRunId, runFolder } from './run-folder.js';
import { toolVersion } from './version.js';

export interface CommandIo extends RunIo, PreflightIo {
  err: NodeJS.WritableStream;
  /** stdin is a terminal: a person can answer a confirmation. */
  interactive: boolean;
  confirm: (question: string) => Promise<boolean>;
}

/**
 * Without a terminal and without --yes, the run does what needs no approval and rests at the
 * first gate, saved (exit 7): nothing goes down before a person says so.
 */
export async function migrate(settings: Settings, opts: { yes: boolean; plan?: SavedPlanInput }, io: CommandIo): Promise<ExitCode> {
  const module = runbookFor(settings.strategy);
  // Local first: a failed run may have left the target unreachable (a stopped 1-node Controller),
  // so connecting would only say "unreachable" where the answer is "resume that run".
  await refuseBesideUnfinished(module, settings, (meta) => sameAddress(module.targetLabel(meta.settings), module.targetLabel(settings)));
  const password = await io.aviPassword();
  const redactor = new Redactor([password]);
  const target = await connectTarget(settings, password);
  const identity = await module.identity(target.reads, settings);
  // The same target under another address (VIP, node IP, DNS name) is the same target.
  await refuseBesideUnfinished(module, settings, (meta) => meta.target === identity);
  const runId = newRunId(settings.strategy);
  // The lock first: a run under way explains why checks fail (a node it stopped), so it is what is named.
  const lock = await acquireLock({
    dir: locksDir(settings.stateDir),
    target: identity,
    runId,
    onTakeover: (stale) => io.err.write(`warning: taking over the lock of run ${stale.runId} (pid ${stale.pid} on ${stale.host} is gone)\n`),
  });
  try {
    // Before anything changes: every check passes (or the one line naming the first failure, exit 3).
    const checked = await passPreflight(module, settings, password, io, opts.plan);
    const asked = !opts.yes && io.interactive;
    if (asked && !(await confirmPlan(checked, io))) {
      await lock.release();
      io.out.write('nothing was changed\n');
      return EXIT.ok;
    }
    if (!asked) io.out.write(`✓ preflight: ${checked.report.checks.length} checks passed (avi-encrypt preflight lists them)\n`);
    const folder = await createRunFolder(settings.stateDir, runId);
    const built = buildRunbook(module, settings);
    const made = newMeta(runId, settings, { fingerprint: built.fingerprint, toolVersion: toolVersion() }, identity);
    const meta = opts.plan ? { ...made, fromPlan: { file: opts.plan.file, world: opts.plan.saved.world.fingerprint, createdAt: opts.plan.saved.createdAt } } : made;
    await saveMeta(folder.meta, meta);
    return await drive({
      module, meta, folder, target, redactor, lock, resumed: false,
      gates: gateAsker({ yes: opts.yes, interactive: io.interactive, confirm: io.confirm, out: io.out }),
      start: { input: built.initialContext(module.initialData(settings), { rollback: settings.rollback }) },
      io: { ...io, backupPassphrase: secretsInto(redactor, io.backupPassphrase), nodePassword: secretsInto(redactor, io.nodePassword) },
    });
  } catch (e) {
    await lock.release();
    throw e;
  }
}

/** A secret asked for mid-run is scrubbed from everything written after. */
export function secretsInto(redactor: Redactor, ask: () => Promise<string>): () => Promise<string> {
  return async () => {
    const secret = await ask();
    redactor.add(secret);
    return secret;
  };
}

async function confirmPlan(checked: PreflightOutcome & { made: MadePlan }, io: CommandIo): Promise<boolean> {
  io.out.write(`${renderChecklist(checked.report)}\n\n${renderPlan(checked.made.plan)}\n\n`);
  return io.confirm('Run this plan now?');
}

const sameAddress = (a: string, b: string): boolean => a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();

/** A second run next to an unfinished one is how resources get lost: resume it instead. */
async function refuseBesideUnfinished(module: AnyRunbookModule, settings: Settings, same: (meta: RunMeta) => boolean): Promise<void> {
  for (const id of await listRuns(settings.stateDir)) {
    // A corrupt run folder is reported by `status`; it cannot tell us which target it was for.
    const meta = await loadMetaOrSkip(runFolder(settings.stateDir, id).meta);
    if (!meta || !UNFINISHED.has(meta.status) || !same(meta)) continue;
    // A run that is live right now is the lock's to refuse, naming its holder.
    const holder = meta.target ? await readLock(locksDir(settings.stateDir), meta.target) : undefined;
    if (meta.status === 'running' && holder?.runId === id && !isStale(holder)) continue;
    throw new UserFacingError(
      `run ${id} for this target (${module.targetLabel(meta.settings)}) did not finish (${HOW[meta.status] ?? meta.status}); finish it with avi-encrypt resume ${id}`,
      EXIT.usage,
    );
  }
}

const UNFINISHED = new Set(['running', 'failed', 'interrupted', 'rolled-back', 'waiting-approval']);
const HOW: Record<string, string> = {
  running: 'it crashed', failed: 'it failed', interrupted: 'it was interrupted', 'rolled-back': 'it was rolled back',
  'waiting-approval': 'it waits for an approval',
};
