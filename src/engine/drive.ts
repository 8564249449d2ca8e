// Drives one run to its end (done, failed, interrupted) with everything durable around it:
// snapshot after every transition, journal, JSON log, progress, run.json, lock release.

import type { Lock } from './lock.js';
import type { Gateways } from './connect.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { Journal } from './journal.js';
import { closeLogger, createRunLogger } from './log.js';
import { createSnapshotWriter } from './persist.js';
import { createProgress } from './progress.js';
import type { Redactor } from './redact.js';
import { runMachine, type RunStart } from './run.js';
import { saveMeta, type RunMeta } from './run-meta.js';
import type { RunFolder } from './run-folder.js';
import { runbookFor } from './runbooks.js';
import { realStepDeps } from './step-deps.js';
import type { ControllerContext } from '../steps/controller/context.js';
import { stepsOf } from '../steps/runbook.js';

export interface RunIo {
  out: NodeJS.WritableStream;
  /** stdout is a terminal: waits redraw one line in place. */
  tty: boolean;
  signal: AbortSignal;
  backupPassphrase: () => Promise<string>;
}

export async function drive(opts: {
  meta: RunMeta;
  folder: RunFolder;
  start: RunStart<ControllerContext>;
  gateways: Gateways;
  redactor: Redactor;
  lock: Lock;
  io: RunIo;
  resumed: boolean;
}): Promise<ExitCode> {
  const { meta, folder, io } = opts;
  const runbook = runbookFor(meta.settings.strategy);
  const journal = new Journal(folder.journal, opts.redactor);
  const logger = createRunLogger(folder.log, opts.redactor, meta.runId);
  const progress = createProgress({ out: io.out, tty: io.tty });
  const runId = meta.runId;
  // A resumed run starts clean: the last failure stays in the journal, not in run.json.
  const { failure: _previous, ...current } = meta;
  try {
    await saveMeta(folder.meta, { ...current, status: 'running', pid: process.pid });
    await journal.append({ runId, event: opts.resumed ? 'run-resumed' : 'run-started', detail: { strategy: meta.strategy, pid: process.pid } });
    logger.info(opts.resumed ? 'run resumed' : 'run started', { settings: meta.settings, aviVersion: opts.gateways.aviVersion });
    for (const warning of opts.gateways.awsWarnings) logger.warn('AWS SDK warning', { warning });
    progress.info(`${opts.resumed ? 'resuming' : 'starting'} run ${runId} (${meta.strategy}); state in ${folder.dir}`);

    const deps = realStepDeps({
      gateways: opts.gateways, backupsDir: folder.backups, runId, backupPassphrase: io.backupPassphrase, progress, journal,
      onJournalError: (e) => logger.error('journal write failed', { error: e }),
    });
    const outcome = await runMachine({
      machine: runbook.machine,
      definition: runbook.definition,
      effects: runbook.effects(deps),
      start: opts.start,
      services: { journal, progress, snapshots: createSnapshotWriter(folder.snapshot) },
      signal: io.signal,
    });
    // Closed before the summary so a redrawn wait line on a terminal does not swallow it.
    progress.close();

    if (outcome.status === 'done') {
      await saveMeta(folder.meta, { ...current, status: 'done', pid: process.pid });
      await journal.append({ runId, event: 'run-finished' });
      logger.info('run finished', { nodes: outcome.context.nodes });
      io.out.write(summary(outcome.context));
      return EXIT.ok;
    }
    if (outcome.status === 'interrupted') {
      await saveMeta(folder.meta, { ...current, status: 'interrupted', pid: process.pid });
      await journal.append({ runId, event: 'run-interrupted' });
      logger.warn('run interrupted');
      io.out.write(`interrupted; the run is saved: avi-encrypt resume ${runId}\n`);
      return EXIT.interrupted;
    }
    const failure = outcome.failure && opts.redactor.redact(outcome.failure);
    const preflight = !!stepsOf(runbook.definition).find((s) => s.id === failure?.step)?.preflight;
    // Another run holds the cluster: refused before any change, like a held lock.
    const claimed = failure?.name === 'ClaimConflictError';
    await saveMeta(folder.meta, { ...current, status: preflight || claimed ? 'refused' : 'failed', pid: process.pid, ...(failure ? { failure } : {}) });
    await journal.append({ runId, event: 'run-failed', ...(failure ? { step: failure.step, error: failure } : {}) });
    logger.error('run failed', { failure });
    const message = failure?.message ?? 'unknown failure';
    if (claimed) {
      io.out.write(`refused before any change: ${message}\n`);
      return EXIT.locked;
    }
    if (preflight) {
      io.out.write(`refused before any change: ${message}\n`);
      return EXIT.preflight;
    }
    io.out.write(`run ${runId} failed at step ${failure?.step}: ${message}\nfix the cause, then: avi-encrypt resume ${runId}\n`);
    return EXIT.stepFailed;
  } finally {
    progress.close();
    await opts.lock.release();
    await closeLogger(logger);
  }
}

function summary(ctx: ControllerContext): string {
  const lines = [`done: every Controller root volume is encrypted with ${ctx.keyArn}`];
  for (const n of ctx.nodes) {
    lines.push(`  ${n.ip.padEnd(15)} ${n.instanceId}  ${n.rootDevice}  ${n.newVolumeId ?? n.oldVolumeId}${n.alreadyEncrypted ? ' (was already encrypted)' : `  (old root ${n.oldVolumeId} kept)`}`);
  }
  return `${lines.join('\n')}\n`;
}
