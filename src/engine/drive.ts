// Drives one run to where it rests (done, failed, rolled back, waiting for an approval,
// interrupted) with everything durable around it: snapshot after every transition, journal,
// JSON log, progress, run.json, lock release, and an end-of-run report of every target.

import type { RunContext } from '../runbook/context.js';
import type { BuiltRunbook } from '../runbook/machine.js';
import type { AnyRunbookModule } from '../runbook/module.js';
import { TARGET_HELD } from '../steps/errors.js';
import type { Target } from '../steps/target.js';
import { buildRunbook, realSteps } from './build.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { verifyAtEnd } from './fleet/read.js';
import type { GateAsker } from './gates.js';
import { Journal } from './journal.js';
import type { Lock } from './lock.js';
import { closeLogger, createRunLogger } from './log.js';
import { createSnapshotWriter, type SnapshotWriter } from './persist.js';
import { createProgress } from './progress.js';
import type { Redactor } from './redact.js';
import { runMachine, type RunOutcome, type RunStart } from './run.js';
import { saveMeta, type RunMeta, type RunStatus } from './run-meta.js';
import type { RunFolder } from './run-folder.js';
import { realStepDeps } from './step-deps.js';
import { itemStates } from './targets-report.js';
import { waitSummary } from './wait-report.js';

export interface RunIo {
  out: NodeJS.WritableStream;
  /** stdout is a terminal: waits redraw one line in place. */
  tty: boolean;
  signal: AbortSignal;
  backupPassphrase: () => Promise<string>;
  nodePassword: () => Promise<string>;
}

export async function drive(opts: {
  module: AnyRunbookModule;
  meta: RunMeta;
  folder: RunFolder;
  start: RunStart<object>;
  target: Target;
  redactor: Redactor;
  lock: Lock;
  gates: GateAsker;
  io: RunIo;
  resumed: boolean;
}): Promise<ExitCode> {
  const { meta, folder, io, module } = opts;
  const journal = new Journal(folder.journal, opts.redactor);
  const logger = createRunLogger(folder.log, opts.redactor, meta.runId);
  const progress = createProgress({ out: io.out, tty: io.tty });
  const runId = meta.runId;
  // A resumed run starts clean: the last failures stay in the journal, not in run.json.
  const { failures: _previous, ...current } = meta;
  const settings = meta.settings;
  try {
    await saveMeta(folder.meta, { ...current, status: 'running', pid: process.pid });
    await journal.append({ runId, event: opts.resumed ? 'run-resumed' : 'run-started', detail: { strategy: meta.strategy, pid: process.pid } });
    logger.info(opts.resumed ? 'run resumed' : 'run started', { settings, targetVersion: opts.target.version, fingerprint: meta.fingerprint });
    for (const warning of opts.target.warnings) logger.warn('AWS SDK warning', { warning });
    progress.info(`${opts.resumed ? 'resuming' : 'starting'} run ${runId} (${meta.strategy}); state in ${folder.dir}`);

    const built = buildRunbook(module, settings);
    const deps = realStepDeps({
      reads: opts.target.reads, writes: opts.target.writes, filesDir: folder.backups, pollIntervalMs: settings.pollIntervalMs,
      ...(settings.pollMinMs === undefined ? {} : { pollMinMs: settings.pollMinMs }),
      backupPassphrase: io.backupPassphrase, nodePassword: io.nodePassword,
    });
    const outcome = await runMachine({
      runId, built, steps: realSteps(module, deps), start: opts.start, signal: io.signal,
      timeoutMs: (id) => built.steps.get(id)?.timeoutMs ?? settings.waitTimeoutMs, durationScale: settings.durationScale ?? 1,
      services: { journal, progress, snapshots: redacting(createSnapshotWriter(folder.snapshot), opts.redactor), gate: (r) => opts.gates(r) },
    });
    // Closed before the report so a redrawn wait line on a terminal does not swallow it.
    progress.close();
    const failures = outcome.failures.map((f) => opts.redactor.redact(f));
    // A finished run proves its end state: the runbook's fleet report, read live (what `verify` prints).
    const verified = outcome.status === 'done' ? await verifyAtEnd(module, opts.target.reads, settings) : undefined;
    await saveMeta(folder.meta, {
      ...current, status: outcome.status, pid: process.pid, ...(failures.length ? { failures } : {}),
      ...(verified ? { verified: { ok: verified.ok, at: new Date().toISOString() } } : {}),
    });
    await journal.append({ runId, event: END_EVENT[outcome.status], ...(failures[0] ? { step: failures[0].step, error: failures[0] } : {}) });
    logger.log(outcome.status === 'done' ? 'info' : 'warn', `run ${outcome.status}`, { failures, rolledBack: outcome.rolledBack, waiting: outcome.waiting });
    io.out.write(report(module, built, outcome, runId));
    if (verified) io.out.write(`${verified.lines.join('\n')}\n`);
    // Where the time went: every wait of the run (a resumed one included) against what it was expected to take.
    const waits = waitSummary(await Journal.read(folder.journal).catch(() => []));
    if (waits.length && outcome.status !== 'refused') io.out.write(`${waits.join('\n')}\n`);
    return verified && !verified.ok ? EXIT.unverified : exitFor(outcome);
  } finally {
    progress.close();
    await opts.lock.release();
    await closeLogger(logger);
  }
}

const END_EVENT: Record<RunStatus, Parameters<Journal['append']>[0]['event']> = {
  running: 'run-started', done: 'run-finished', failed: 'run-failed', refused: 'run-failed',
  'rolled-back': 'run-rolled-back', 'waiting-approval': 'run-waiting-approval', interrupted: 'run-interrupted',
};

function exitFor(outcome: RunOutcome<object>): ExitCode {
  switch (outcome.status) {
    case 'done': return EXIT.ok;
    case 'interrupted': return EXIT.interrupted;
    case 'rolled-back': return EXIT.rolledBack;
    case 'waiting-approval': return EXIT.waitingApproval;
    case 'refused': return outcome.failures.some((f) => f.code === TARGET_HELD) ? EXIT.locked : EXIT.preflight;
    default: return EXIT.stepFailed;
  }
}

/** What the SRE reads at the end: the outcome, the cause, where every target stands, what to do next. */
function report(module: AnyRunbookModule, built: BuiltRunbook<object>, outcome: RunOutcome<object>, runId: string): string {
  const first = outcome.failures[0];
  const where = (f: { step: string; item?: string }) => `${f.step}${f.item ? ` [${f.item}]` : ''}`;
  const states = () => itemStates(built, outcome.context as RunContext<object>).map((l) => `  ${l}`);
  const lines: string[] = [];
  switch (outcome.status) {
    case 'done':
      lines.push(...module.summary(outcome.context.data));
      break;
    case 'interrupted':
      lines.push(`interrupted; the run is saved: avi-encrypt resume ${runId}`);
      break;
    case 'refused':
      lines.push(`refused before any change: ${first?.message ?? 'unknown reason'}`);
      break;
    case 'waiting-approval':
      for (const w of outcome.waiting) lines.push(`waiting for approval: ${w.title}: ${w.impact}`);
      lines.push(`nothing goes down before it is approved: avi-encrypt approve ${runId} (or avi-encrypt resume ${runId} --yes)`);
      break;
    case 'rolled-back':
      lines.push(`run ${runId} rolled back ${outcome.rolledBack.join(', ')} after ${first ? `${where(first)} failed: ${first.message}` : 'a failure'}`, ...states());
      lines.push(`fix the cause, then: avi-encrypt resume ${runId} (the rolled-back targets are done again from their first step)`);
      break;
    default:
      lines.push(`run ${runId} failed at step ${first ? `${where(first)}: ${first.message}` : '(unknown)'}`);
      if (outcome.failures.length > 1) lines.push(...outcome.failures.slice(1).map((f) => `also failed: ${where(f)}: ${f.message}`));
      lines.push(...states(), `fix the cause, then: avi-encrypt resume ${runId}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The snapshot holds step errors and data: it goes through the same redaction as the journal. */
function redacting(writer: SnapshotWriter, redactor: Redactor): SnapshotWriter {
  return { write: (data) => writer.write(redactor.redact(data)), flush: () => writer.flush() };
}
