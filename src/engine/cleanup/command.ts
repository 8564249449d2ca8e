// `avi-encrypt cleanup --run ID`: deletes what a finished run kept (its old roots, its temporary
// snapshots, the old Controller VMs it stopped and took out of the cluster), once the run's own fleet report is green again, read live. Lists first and asks
// (or --yes; no terminal and no --yes is a refusal, as for resume), honours --older-than, holds the
// lock of the run's target while it deletes, and finds nothing the second time.

import type { Settings } from '../../runbook/settings.js';
import { findLeftovers, type Leftover } from '../../steps/cleanup/leftovers.js';
import { removeLeftover } from '../../steps/cleanup/remove.js';
import { createRecorder, type PlannedCall } from '../../steps/plan-recorder.js';
import { connectTarget, type Target } from '../../steps/target.js';
import { EXIT, UserFacingError, type ExitCode } from '../exit-codes.js';
import { readFleet } from '../fleet/read.js';
import { acquireLock } from '../lock.js';
import type { CommandIo } from '../migrate.js';
import { runbookFor } from '../registry.js';
import { locksDir } from '../run-folder.js';
import { loadRun } from '../run-load.js';
import type { RunMeta } from '../run-meta.js';

export interface CleanupCommand {
  stateDir: string;
  runId: string;
  yes: boolean;
  dryRun: boolean;
  olderThanMs?: number;
}

export async function cleanup(cmd: CleanupCommand, io: CommandIo): Promise<ExitCode> {
  const { meta } = await loadRun(cmd.stateDir, cmd.runId);
  if (meta.status !== 'done') {
    throw new UserFacingError(`run ${cmd.runId} is ${meta.status}, not finished: cleanup deletes only what a finished, verified run kept; finish it first (avi-encrypt resume ${cmd.runId})`, EXIT.usage);
  }
  const module = runbookFor(meta.settings.strategy);
  const settings: Settings = meta.settings;
  const target = await connectTarget(settings, await io.aviPassword(), cmd.dryRun ? { readOnly: true } : {});
  // Nothing an unverified run kept is deleted: its old roots may be all there is to go back to.
  const report = await readFleet([module], target.reads, settings);
  if (!report.ok) {
    const first = report.instances.find((i) => !i.ok);
    const why = first ? `${first.kind} ${first.name} (${first.instanceId}) is not encrypted with ${first.expected.arn ?? 'the expected key'}` : report.problems[0];
    throw new UserFacingError(`run ${cmd.runId} does not verify now (${why}); cleanup deletes nothing until avi-encrypt verify --run ${cmd.runId} is green`, EXIT.unverified);
  }
  const leftovers = await findLeftovers(target.reads, cmd.runId);
  const doable = leftovers.filter((l) => !l.keep);
  const finished = Date.parse(meta.verified?.at ?? meta.updatedAt);
  io.out.write(listing(cmd.runId, leftovers));
  if (doable.length === 0) {
    io.out.write(`nothing to delete for run ${cmd.runId}\n`);
    return EXIT.ok;
  }
  if (cmd.olderThanMs !== undefined && Date.now() - finished < cmd.olderThanMs) {
    io.out.write(`kept for now: run ${cmd.runId} finished ${ago(Date.now() - finished)} ago, --older-than asks for ${ago(cmd.olderThanMs)}; nothing was deleted\n`);
    return EXIT.ok;
  }
  if (cmd.dryRun) return dryRun(target, cmd.runId, doable, io);
  if (!cmd.yes && !io.interactive) {
    throw new UserFacingError(`cleanup deletes resources and stdin is not a terminal to confirm on; pass --yes (avi-encrypt cleanup --run ${cmd.runId} --yes)`, EXIT.usage);
  }
  if (!cmd.yes && !(await io.confirm(`Delete these ${doable.length} resources of run ${cmd.runId}${doable.some((l) => l.kind === 'instance') ? ' (the VMs are terminated)' : ''}? They cannot be recovered`))) {
    io.out.write('nothing was deleted\n');
    return EXIT.ok;
  }
  return remove(target, meta, { stateDir: cmd.stateDir, label: module.targetLabel(settings) }, doable, io);
}

/** "3 d 4 h", "12 min", "40 s": how long, for people. */
function ago(ms: number): string {
  const [d, h, m] = [Math.floor(ms / 86_400_000), Math.floor(ms / 3_600_000) % 24, Math.floor(ms / 60_000) % 60];
  if (d) return `${d} d${h ? ` ${h} h` : ''}`;
  if (h) return `${h} h${m ? ` ${m} min` : ''}`;
  return m ? `${m} min` : `${Math.floor(ms / 1000)} s`;
}

function listing(runId: string, leftovers: Leftover[]): string {
  if (leftovers.length === 0) return '';
  const lines = [`run ${runId} kept:`, ...leftovers.map((l) => `  ${l.kind.padEnd(8)} ${l.id}  ${l.what}${l.keep ? `  -- left alone: ${l.keep}` : ''}`)];
  return `${lines.join('\n')}\n`;
}

async function dryRun(target: Target, runId: string, doable: Leftover[], io: CommandIo): Promise<ExitCode> {
  const calls: PlannedCall[] = [];
  const recorder = createRecorder((c) => calls.push(c));
  for (const l of doable) await removeLeftover(target.reads, recorder, runId, l);
  io.out.write(`dry run: cleanup would call\n${calls.map((c) => `  ${c.service} ${c.operation} ${c.target}`).join('\n')}\nnothing was deleted\n`);
  return EXIT.ok;
}

async function remove(target: Target, meta: RunMeta, where: { stateDir: string; label: string }, doable: Leftover[], io: CommandIo): Promise<ExitCode> {
  const lock = await acquireLock({
    // The lock the run itself took: the same target identity, in the state dir the run lives in.
    dir: locksDir(where.stateDir), target: meta.target ?? where.label, runId: meta.runId,
    onTakeover: (stale) => io.err.write(`warning: taking over the lock of run ${stale.runId} (pid ${stale.pid} on ${stale.host} is gone)\n`),
  });
  let failed = 0;
  try {
    for (const l of doable) {
      io.signal.throwIfAborted();
      const outcome = await removeLeftover(target.reads, target.writes, meta.runId, l).catch((e: Error) => {
        failed += 1;
        return `not deleted: ${e.message.split('\n')[0]}`;
      });
      io.out.write(`  ${l.kind} ${l.id}: ${outcome}\n`);
    }
  } finally {
    await lock.release();
  }
  if (failed) {
    io.out.write(`${failed} of ${doable.length} not deleted; fix the cause, then run avi-encrypt cleanup --run ${meta.runId} again\n`);
    return EXIT.stepFailed;
  }
  io.out.write(`cleanup of run ${meta.runId} done: ${doable.length} deleted\n`);
  return EXIT.ok;
}
