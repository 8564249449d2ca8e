// Turns a runbook definition into an XState v5 machine. Every step is an invoked promise
// actor named by its id, so the engine (real run, dry run, tests) swaps every effect with
// machine.provide({ actors }). Waits keep their deadline in context: XState `after` timers
// are lost on restore, in-flight invocations are re-run (engine-notes A1).

import { assign, fromPromise, setup, type AnyStateMachine } from 'xstate';
import type { NodeBlock, RunbookDefinition, StepSpec } from './runbook.js';

export interface PlainError {
  name: string;
  message: string;
  code?: string;
  step: string;
}

/** Fields the machine itself reads and writes; a runbook's context extends this. */
export interface RunbookContext {
  runId: string;
  nodes: unknown[];
  nodeIndex: number;
  waitTimeoutMs: number;
  /** Absolute deadline (epoch ms) of the wait in progress; survives a restart. */
  waitDeadline?: number;
  failure?: PlainError;
}

export interface StepInput<C> {
  ctx: C;
}

/** A step's effect: reads the context, returns the fields it changes. */
export type StepEffect<C> = (ctx: C, signal: AbortSignal) => Promise<Partial<C>>;

export function toPlainError(error: unknown, step: string): PlainError {
  const e = error as { name?: string; message?: string; code?: string };
  const plain: PlainError = { name: e?.name ?? 'Error', message: e?.message ?? String(error), step };
  if (typeof e?.code === 'string') plain.code = e.code;
  return plain;
}

type AnyConfig = Record<string, any>;
type Ctx<C> = { context: C };

/** The state a step is entered through: its decision state when it has a `when`. */
const headOf = <C>(s: StepSpec<C>): string => (s.when ? `#${s.id}?` : `#${s.id}`);
const nodeBlockId = <C>(block: NodeBlock<C>): string => `each-node:${block.steps[0]?.id ?? 'empty'}`;

export function buildMachine<C extends RunbookContext>(def: RunbookDefinition<C>): AnyStateMachine {
  const ids = new Set<string>();
  const actors: Record<string, ReturnType<typeof fromPromise<Partial<C>, StepInput<C>>>> = {};

  const stepStates = (steps: StepSpec<C>[], after: string, into: AnyConfig): void => {
    steps.forEach((s, i) => {
      if (ids.has(s.id)) throw new Error(`runbook ${def.strategy}: step id ${s.id} is used twice`);
      ids.add(s.id);
      actors[s.id] = fromPromise<Partial<C>, StepInput<C>>(async () => {
        throw new Error(`step ${s.id} has no effect provided`);
      });
      const next = i + 1 < steps.length ? headOf(steps[i + 1]!) : after;
      into[s.id] = stepState(s, next);
      if (s.when) {
        // A decision state in front of the step, so a skipped step is never invoked at all.
        const when = s.when;
        into[`${s.id}?`] = { id: `${s.id}?`, always: [{ guard: ({ context }: Ctx<C>) => when(context), target: `#${s.id}` }, { target: next }] };
      }
    });
  };

  const entryHead = (e: (typeof def.entries)[number]): string => (e.kind === 'each-node' ? `#${nodeBlockId(e)}` : headOf(e));
  const states: AnyConfig = {};
  def.entries.forEach((entry, i) => {
    const after = i + 1 < def.entries.length ? entryHead(def.entries[i + 1]!) : '#done';
    if (entry.kind === 'each-node') states[nodeBlockId(entry)] = nodeBlock(entry, after, stepStates);
    else stepStates([entry], after, states);
  });
  states.done = { id: 'done', type: 'final' };
  states.failed = { id: 'failed', type: 'final' };
  const first = def.entries[0];
  if (!first) throw new Error(`runbook ${def.strategy} has no steps`);

  return setup({ types: { context: {} as C, input: {} as C }, actors }).createMachine({
    id: def.strategy,
    context: ({ input }: { input: C }) => input,
    initial: entryHead(first).slice(1),
    states,
  } as never) as unknown as AnyStateMachine;
}

function stepState<C extends RunbookContext>(s: StepSpec<C>, next: string): AnyConfig {
  return {
    id: s.id,
    meta: { title: s.title, kind: s.kind, downtime: !!s.downtime, doc: s.doc, awaits: s.awaits },
    ...(s.awaits
      ? { entry: assign(({ context }: Ctx<C>) => ({ waitDeadline: context.waitDeadline ?? Date.now() + context.waitTimeoutMs }) as never) }
      : {}),
    invoke: {
      id: s.id,
      src: s.id,
      input: ({ context }: Ctx<C>) => ({ ctx: context }),
      onDone: {
        target: next,
        actions: assign(({ event }: { event: { output: Partial<C> } }) => ({ ...event.output, waitDeadline: undefined }) as never),
      },
      onError: {
        target: '#failed',
        actions: assign(({ event }: { event: { error: unknown } }) => ({ failure: toPlainError(event.error, s.id) }) as never),
      },
    },
  };
}

function nodeBlock<C extends RunbookContext>(
  block: NodeBlock<C>,
  after: string,
  stepStates: (steps: StepSpec<C>[], after: string, into: AnyConfig) => void,
): AnyConfig {
  const id = nodeBlockId(block);
  const first = block.steps[0];
  if (!first) throw new Error(`node block "${block.title}" has no steps`);
  const inner: AnyConfig = {};
  stepStates(block.steps, `#${id}.next-node`, inner);
  inner['node-start'] = {
    always: [
      { guard: ({ context }: Ctx<C>) => context.nodeIndex >= context.nodes.length, target: after },
      { guard: ({ context }: Ctx<C>) => !!block.skipNode?.(context, context.nodeIndex), target: 'next-node' },
      { target: headOf(first) },
    ],
  };
  inner['next-node'] = {
    always: [{ target: 'node-start', actions: assign(({ context }: Ctx<C>) => ({ nodeIndex: context.nodeIndex + 1 }) as never) }],
  };
  return { id, initial: 'node-start', states: inner };
}
