// Runs a runbook machine as an actor: provides every step's effect (wrapped in journal and
// progress, with the item it works on and its deadline resolved from the live state), asks the
// gates, persists the snapshot after every transition, and returns when the run is done,
// halted (failed or rolled back), waiting for an approval, or interrupted.

import { createActor, fromPromise, type AnyActorRef, type AnyMachineSnapshot } from 'xstate';
import { unsettled, type RunContext } from '../runbook/context.js';
import type { BuiltRunbook, GateAnswer, GateInput, RunEvent, StepInput } from '../runbook/machine.js';
import type { Scope } from '../steps/effect.js';
import { TARGET_HELD } from '../steps/errors.js';
import { toRunError, type RunError } from '../steps/run-error.js';
import type { Journal } from './journal.js';
import type { SnapshotWriter } from './persist.js';
import type { Progress } from './progress.js';

/** A step as the engine runs it: the effect's run function, or its plan stand-in. */
export type StepRun<D> = (scope: Scope<D, unknown>, signal: AbortSignal) => Promise<object | void>;

export interface GateRequest {
  gate: string;
  title: string;
  /** What goes down, for about how long. */
  impact: string;
  /** The approval's key (gate id, with the item when the gate is in a loop). */
  key: string;
}

export interface RunServices {
  journal?: Journal;
  progress: Progress;
  snapshots?: SnapshotWriter;
  /** Decides a gate: approve it now (a person said yes, or --yes), or leave it waiting. */
  gate(request: GateRequest): Promise<GateAnswer>;
  /** Called before and after every step (the plan uses it to attribute calls). */
  onStep?: (event: 'start' | 'end', step: string, item: string) => void;
}

export type RunStatus = 'done' | 'failed' | 'refused' | 'rolled-back' | 'waiting-approval' | 'interrupted';

export interface RunOutcome<D> {
  status: RunStatus;
  context: RunContext<D>;
  /** Items that failed (their error, or their rollback's), and items put back. */
  failures: RunError[];
  rolledBack: string[];
  /** Gates waiting for an approval. */
  waiting: GateRequest[];
}

export type RunStart<D> = { input: RunContext<D> } | { snapshot: unknown; events?: RunEvent[] };

export async function runMachine<D>(opts: {
  runId: string;
  built: BuiltRunbook<D>;
  steps: Record<string, StepRun<D>>;
  /** A step's upper bound, from today's settings: a resumed run gets today's. */
  timeoutMs: (step: string) => number;
  /** Multiplies every step's expected duration: 1 in the real world, the lab's time scale in a rehearsal. */
  durationScale?: number;
  start: RunStart<D>;
  services: RunServices;
  signal: AbortSignal;
}): Promise<RunOutcome<D>> {
  const { built, services, runId } = opts;
  let actor: AnyActorRef | undefined;
  const live = (): RunContext<D> => (actor!.getSnapshot() as AnyMachineSnapshot).context as RunContext<D>;
  const lastWait = new Map<string, string>();

  const stepActor = (id: string, run: StepRun<D>) =>
    fromPromise<object, StepInput>(async ({ input, signal }) => {
      // Let the transition's snapshot reach the disk before the step's first effect.
      await Promise.resolve();
      await services.snapshots?.flush();
      const ctx = live();
      const at = built.locate(ctx, input.lane);
      const spec = built.steps.get(id);
      const invocation = at.key ? `${id}@${at.key}` : id;
      const item = at.key || undefined;
      services.onStep?.('start', id, at.key);
      services.progress.stepStarted(invocation, spec?.title ?? id, item);
      await services.journal?.append({ runId, event: 'step-started', step: id, ...(item ? { item } : {}) });
      const startedAt = at.run.startedAt ?? Date.now();
      const expected = typeof spec?.expected === 'function' ? spec.expected({ data: ctx.data, item: at.item }) : spec?.expected;
      const scope: Scope<D, unknown> = {
        runId, data: ctx.data, item: at.item, key: at.key, parents: at.parents,
        deadline: startedAt + opts.timeoutMs(id),
        startedAt,
        ...(expected === undefined ? {} : { expectedMs: Math.round(expected * (opts.durationScale ?? 1)) }),
        timed(timing) {
          void services.journal?.append({ runId, event: 'wait-timed', step: id, ...(item ? { item } : {}), detail: { ...timing } }).catch(() => undefined);
        },
        report(awaits, seen) {
          services.progress.waiting(invocation, awaits, seen);
          if (lastWait.get(invocation) === seen) return;
          lastWait.set(invocation, seen);
          // A journal write failing mid-wait is not allowed to end the run mid-migration.
          void services.journal?.append({ runId, event: 'wait', step: id, ...(item ? { item } : {}), detail: { awaits, value: seen } }).catch(() => undefined);
        },
      };
      try {
        const out = await run(scope, signal);
        await services.journal?.append({ runId, event: 'step-finished', step: id, ...(item ? { item } : {}) });
        services.progress.stepFinished(invocation);
        return out ?? {};
      } catch (error) {
        if (!signal.aborted) {
          const e = toRunError(error, id, item);
          services.progress.stepFailed(invocation, e.message);
          await services.journal?.append({ runId, event: 'step-failed', step: id, ...(item ? { item } : {}), error: e });
        }
        throw error;
      } finally {
        services.onStep?.('end', id, at.key);
      }
    });

  const gateActor = fromPromise<GateAnswer, GateInput>(async ({ input }) => {
    await Promise.resolve();
    await services.snapshots?.flush();
    const request = gateRequest(built, live(), input.lane, input.gate);
    await services.journal?.append({ runId, event: 'gate-asked', step: input.gate, detail: { key: request.key, impact: request.impact } });
    const answer = await services.gate(request);
    await services.journal?.append({ runId, event: answer.approved ? 'gate-approved' : 'gate-waiting', step: input.gate, detail: { key: request.key, by: answer.by } });
    return answer;
  });

  const actors = { ...Object.fromEntries(Object.entries(opts.steps).map(([id, run]) => [id, stepActor(id, run)])), gate: gateActor };
  const machine = built.machine.provide({ actors } as never);
  actor = 'input' in opts.start
    ? createActor(machine, { input: opts.start.input })
    : createActor(machine, { snapshot: opts.start.snapshot as never });

  let stopped = false;
  // Until the resume events are all sent, a resting snapshot is the one they are about to move.
  let starting = true;
  const ended = new Promise<AnyMachineSnapshot | 'aborted'>((resolve, reject) => {
    const settle = (s: AnyMachineSnapshot) => {
      if (s.status === 'error') reject(new Error(`the runbook machine stopped with an error: ${String(s.error)}`));
      if (starting) return;
      if (s.status === 'done' || (s.status === 'active' && Object.keys(s.children).length === 0)) resolve(s);
    };
    actor!.subscribe({
      next: (s) => {
        if (!stopped) void services.snapshots?.write(actor!.getPersistedSnapshot()).catch(() => undefined);
        settle(s as AnyMachineSnapshot);
      },
      error: (e) => reject(e instanceof Error ? e : new Error(String(e))),
    });
    if (opts.signal.aborted) resolve('aborted');
    opts.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
    actor!.start();
    // A restored run may already rest (halted, or at a gate): the events below move it, or nothing will.
    for (const event of 'events' in opts.start ? opts.start.events ?? [] : []) actor!.send(event);
    starting = false;
    settle(actor!.getSnapshot() as AnyMachineSnapshot);
  });

  const end = await ended;
  stopped = true;
  if (end === 'aborted') {
    const context = live();
    actor.stop();
    await services.snapshots?.flush();
    return { status: 'interrupted', context, failures: [], rolledBack: [], waiting: [] };
  }
  await services.snapshots?.write(actor.getPersistedSnapshot());
  await services.snapshots?.flush();
  actor.stop();
  return outcomeOf(built, end);
}

function gateRequest<D>(built: BuiltRunbook<D>, ctx: RunContext<D>, lane: string, gate: string): GateRequest {
  const spec = built.gates.get(gate);
  const at = built.locate(ctx, lane);
  return {
    gate,
    title: spec?.title ?? gate,
    impact: spec ? spec.impact({ data: ctx.data, item: at.item }) : '',
    key: built.gateKey(ctx, lane, gate),
  };
}

function outcomeOf<D>(built: BuiltRunbook<D>, s: AnyMachineSnapshot): RunOutcome<D> {
  const context = s.context as RunContext<D>;
  if (s.status === 'done') return { status: 'done', context, failures: [], rolledBack: [], waiting: [] };
  const halted = unsettled(context);
  const failed = halted.filter((h) => h.item.status === 'failed');
  // Only the innermost failures: an enclosing item failed because its block did.
  const failures = failed.flatMap((h) => [h.item.rollbackFailure, h.item.failure].filter((e): e is RunError => !!e));
  const innermost = dedupe(failures);
  const rolledBack = halted.filter((h) => h.item.status === 'rolled-back' && h.item.key).map((h) => h.item.key);
  const waiting = Object.values(s.getMeta() as Record<string, { kind?: string; gate?: string; lane?: string }>)
    .filter((m) => m?.kind === 'gate-waiting' && m.gate && m.lane)
    .map((m) => gateRequest(built, context, m.lane!, m.gate!));
  if (innermost.length) {
    const refused = innermost.every((f) => built.steps.get(f.step)?.preflight || f.code === TARGET_HELD);
    const status = refused ? 'refused' : 'failed';
    return { status, context, failures: innermost, rolledBack, waiting };
  }
  if (rolledBack.length) {
    // What made each item roll back: kept on the item for the report.
    const causes = dedupe(halted.flatMap((h) => (h.item.status === 'rolled-back' && h.item.failure ? [h.item.failure] : [])));
    return { status: 'rolled-back', context, failures: causes, rolledBack, waiting };
  }
  if (waiting.length) return { status: 'waiting-approval', context, failures: [], rolledBack, waiting };
  // Resting with nothing failed, put back or waiting would be an engine bug: never report it as done.
  const stuck = toRunError(new Error(`the run stopped in ${JSON.stringify(s.value)} with nothing failed or waiting`), '(engine)');
  return { status: 'failed', context, failures: [stuck], rolledBack, waiting };
}

/** The same failure recorded on an item and on each enclosing item is reported once. */
function dedupe(failures: RunError[]): RunError[] {
  const seen = new Set<string>();
  return failures.filter((f) => {
    const k = `${f.step}|${f.item ?? ''}|${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
