// `migrate` and `plan`: check, plan, confirm, lock, then drive a new run.

import { connect, type Gateways } from './connect.js';
import { drive, type RunIo } from './drive.js';
import { EXIT, UserFacingError, type ExitCode } from './exit-codes.js';
import { acquireLock, isStale, readLock } from './lock.js';
import { buildPlan } from './plan/plan.js';
import { renderPlan } from './plan/render.js';
import { Redactor } from './redact.js';
import { loadMetaOrSkip, newMeta, saveMeta, type RunMeta } from './run-meta.js';
import { createRunFolder, listRuns, locksDir, newRunId, runFolder } from './run-folder.js';
import { runbookFor } from './runbooks.js';
import type { Settings } from './settings.js';

export interface CommandIo extends RunIo {
  err: NodeJS.WritableStream;
  /** stdin is a terminal: a person can answer a confirmation. */
  interactive: boolean;
  aviPassword: () => Promise<string>;
  confirm: (question: string) => Promise<boolean>;
}

export async function plan(settings: Settings, json: boolean, io: CommandIo): Promise<ExitCode> {
  runbookFor(settings.strategy);
  const gateways = await connect(settings, await io.aviPassword());
  const p = await buildPlan(settings, gateways, io.signal);
  io.out.write(json ? `${JSON.stringify(p, null, 2)}\n` : `${renderPlan(p)}\n`);
  return EXIT.ok;
}

export async function migrate(settings: Settings, opts: { yes: boolean }, io: CommandIo): Promise<ExitCode> {
  const runbook = runbookFor(settings.strategy);
  if (!opts.yes && !io.interactive) {
    throw new UserFacingError('migrate changes production and stdin is not a terminal to confirm on; pass --yes', EXIT.usage);
  }
  // Local first: a failed 1-node run may have left the only Controller stopped, so connecting
  // would only say "unreachable" where the answer is "resume that run".
  await refuseBesideUnfinished(settings, (meta) => sameAddress(meta.settings.avi.controller, settings.avi.controller));
  const password = await io.aviPassword();
  const redactor = new Redactor([password]);
  const gateways = await connect(settings, password);
  const target = await runbook.identity(gateways, settings);
  // The same cluster under another address (VIP, node IP, DNS name) is the same cluster.
  await refuseBesideUnfinished(settings, (meta) => meta.target === target);
  if (!opts.yes && !(await confirmPlan(settings, gateways, io))) {
    io.out.write('nothing was changed\n');
    return EXIT.ok;
  }
  const runId = newRunId(settings.strategy);
  const lock = await acquireLock({
    dir: locksDir(settings.stateDir),
    target,
    runId,
    onTakeover: (stale) => io.err.write(`warning: taking over the lock of run ${stale.runId} (pid ${stale.pid} on ${stale.host} is gone)\n`),
  });
  try {
    const folder = await createRunFolder(settings.stateDir, runId);
    const meta = newMeta(runId, settings, runbook.definition.version, target);
    await saveMeta(folder.meta, meta);
    const backupPassphrase = async () => {
      const p = await io.backupPassphrase();
      redactor.add(p);
      return p;
    };
    return await drive({
      meta, folder, gateways, redactor, lock, resumed: false,
      start: { input: runbook.initialContext(runId, settings) },
      io: { ...io, backupPassphrase },
    });
  } catch (e) {
    await lock.release();
    throw e;
  }
}

async function confirmPlan(settings: Settings, gateways: Gateways, io: CommandIo): Promise<boolean> {
  io.out.write(`${renderPlan(await buildPlan(settings, gateways, io.signal))}\n\n`);
  return io.confirm('Run this plan now?');
}

const sameAddress = (a: string, b: string): boolean => {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return a === b;
  }
};

/** A second set of volumes next to an unfinished run is how resources get lost: resume it instead. */
async function refuseBesideUnfinished(settings: Settings, same: (meta: RunMeta) => boolean): Promise<void> {
  for (const id of await listRuns(settings.stateDir)) {
    // A corrupt run folder is reported by `status`; it cannot tell us which cluster it was for.
    const meta = await loadMetaOrSkip(runFolder(settings.stateDir, id).meta);
    if (!meta || !same(meta) || !UNFINISHED.has(meta.status)) continue;
    // A run that is live right now is the lock's to refuse, naming its holder.
    const holder = meta.target ? await readLock(locksDir(settings.stateDir), meta.target) : undefined;
    if (meta.status === 'running' && holder?.runId === id && !isStale(holder)) continue;
    throw new UserFacingError(
      `run ${id} for this Controller cluster (${meta.settings.avi.controller}) did not finish (${HOW[meta.status] ?? meta.status}); finish it with avi-encrypt resume ${id}`,
      EXIT.usage,
    );
  }
}

const UNFINISHED = new Set(['running', 'failed', 'interrupted']);
const HOW: Record<string, string> = { running: 'it crashed', failed: 'it failed', interrupted: 'it was interrupted' };
