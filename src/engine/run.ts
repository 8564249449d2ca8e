// Runs a runbook machine as an actor: provides every step's effect, wraps each in journal
// and progress, persists the snapshot after every transition, and stops cleanly on abort.
// The snapshot of a failed run is the one with the failed step in flight, so `resume`
// restores it and that step runs again, exactly as after a crash.

import { createActor, fromPromise, waitFor, type AnyStateMachine } from 'xstate';
import type { PlainError, RunbookContext, StepEffect, StepInput } from '../steps/machine.js';
import { stepsOf, type RunbookDefinition } from '../steps/runbook.js';
import type { Journal } from './journal.js';
import type { SnapshotWriter } from './persist.js';
import type { Progress } from './progress.js';

export interface RunServices {
  journal?: Journal;
  progress: Progress;
  snapshots?: SnapshotWriter;
  /** Called before and after every step (the plan uses it to attribute calls). */
  onStep?: (event: 'start' | 'end', id: string, node: string | undefined) => void;
}

export interface RunOutcome<C> {
  status: 'done' | 'failed' | 'interrupted';
  context: C;
  failure?: PlainError;
}

export type RunStart<C> = { input: C } | { snapshot: unknown };

export async function runMachine<C extends RunbookContext & { nodes: Array<{ ip: string }> }>(opts: {
  machine: AnyStateMachine;
  definition: RunbookDefinition<C>;
  effects: Record<string, StepEffect<C>>;
  start: RunStart<C>;
  services: RunServices;
  signal: AbortSignal;
}): Promise<RunOutcome<C>> {
  const { services } = opts;
  const specs = new Map(stepsOf(opts.definition).map((s) => [s.id, s]));
  const actors = Object.fromEntries(
    Object.entries(opts.effects).map(([id, effect]) => [
      id,
      fromPromise<Partial<C>, StepInput<C>>(async ({ input, signal }) => {
        // Let the transition's snapshot reach the disk before the step's first effect.
        await Promise.resolve();
        await services.snapshots?.flush();
        const spec = specs.get(id);
        const ctx = input.ctx;
        const node = spec?.perNode ? ctx.nodes[ctx.nodeIndex]?.ip : undefined;
        services.onStep?.('start', id, node);
        services.progress.stepStarted(id, spec?.title ?? id, node);
        await services.journal?.append({ runId: ctx.runId, event: 'step-started', step: id, ...(node ? { node } : {}) });
        try {
          const output = await effect(ctx, signal);
          await services.journal?.append({ runId: ctx.runId, event: 'step-finished', step: id, ...(node ? { node } : {}) });
          services.progress.stepFinished(id);
          return output;
        } catch (error) {
          if (!signal.aborted) {
            const e = error as Error & { code?: string };
            services.progress.stepFailed(id, e.message);
            await services.journal?.append({
              runId: ctx.runId, event: 'step-failed', step: id, ...(node ? { node } : {}),
              error: { name: e.name, message: e.message, ...(e.code ? { code: e.code } : {}) },
            });
          }
          throw error;
        } finally {
          services.onStep?.('end', id, node);
        }
      }),
    ]),
  );

  const machine = opts.machine.provide({ actors } as never);
  const actor = 'input' in opts.start
    ? createActor(machine, { input: opts.start.input })
    : createActor(machine, { snapshot: opts.start.snapshot as never });
  let stopped = false;
  actor.subscribe({
    next: (s) => {
      // A failed run keeps the snapshot with the failed step in flight: resume re-runs it.
      if (!stopped && s.value !== 'failed') void services.snapshots?.write(actor.getPersistedSnapshot()).catch(() => undefined);
    },
    error: () => undefined,
  });

  const aborted = new Promise<'aborted'>((resolve) => {
    if (opts.signal.aborted) resolve('aborted');
    opts.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  actor.start();
  const end = await Promise.race([waitFor(actor, (s) => s.status !== 'active', { timeout: Infinity }), aborted]);
  if (end === 'aborted') {
    stopped = true;
    const context = actor.getSnapshot().context as C;
    actor.stop();
    await services.snapshots?.flush();
    return { status: 'interrupted', context };
  }
  stopped = true;
  await services.snapshots?.flush();
  const context = end.context as C;
  if (end.status === 'error') {
    return { status: 'failed', context, failure: { name: 'Error', message: String(end.error), step: '(engine)' } };
  }
  return end.value === 'done' ? { status: 'done', context } : { status: 'failed', context, ...(context.failure ? { failure: context.failure } : {}) };
}
