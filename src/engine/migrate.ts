// `migrate` and `plan`: check, plan, confirm, lock, then drive a new run.

import { connect } from './connect.js';
import { drive, type RunIo } from './drive.js';
import { EXIT, UserFacingError, type ExitCode } from './exit-codes.js';
import { acquireLock, isStale, readLock } from './lock.js';
import { buildPlan } from './plan/plan.js';
import { renderPlan } from './plan/render.js';
import { Redactor } from './redact.js';
import { loadMeta, newMeta, saveMeta } from './run-meta.js';
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
  const password = await io.aviPassword();
  const redactor = new Redactor([password]);
  const gateways = await connect(settings, password);
  if (!opts.yes) {
    io.out.write(`${renderPlan(await buildPlan(settings, gateways, io.signal))}\n\n`);
    if (!(await io.confirm('Run this plan now?'))) {
      io.out.write('nothing was changed\n');
      return EXIT.ok;
    }
  }
  await refuseBesideUnfinished(settings);
  const runId = newRunId(settings.strategy);
  const lock = await acquireLock({
    dir: locksDir(settings.stateDir),
    target: settings.avi.controller,
    runId,
    onTakeover: (stale) => io.err.write(`warning: taking over the lock of run ${stale.runId} (pid ${stale.pid} on ${stale.host} is gone)\n`),
  });
  try {
    const folder = await createRunFolder(settings.stateDir, runId);
    const meta = newMeta(runId, settings, runbook.definition.version);
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

/** A second set of volumes next to an unfinished run is how resources get lost: resume it instead. */
async function refuseBesideUnfinished(settings: Settings): Promise<void> {
  for (const id of await listRuns(settings.stateDir)) {
    const meta = await loadMeta(runFolder(settings.stateDir, id).meta);
    if (!meta || meta.settings.avi.controller !== settings.avi.controller || !UNFINISHED.has(meta.status)) continue;
    // A run that is live right now is the lock's to refuse, naming its holder.
    const holder = await readLock(locksDir(settings.stateDir), settings.avi.controller);
    if (meta.status === 'running' && holder?.runId === id && !isStale(holder)) continue;
    throw new UserFacingError(
      `run ${id} for ${settings.avi.controller} is ${meta.status === 'running' ? 'unfinished (it crashed)' : meta.status}; finish it with avi-encrypt resume ${id}`,
      EXIT.usage,
    );
  }
}

const UNFINISHED = new Set(['running', 'failed', 'interrupted']);
