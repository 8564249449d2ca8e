// A runbook definition as an XState v5 machine. Every step is an invoked promise actor named by
// its id, so a real run, a plan and a test each provide the effects with machine.provide. Loops
// run in lanes (lanes.ts); each item keeps its own position, deadline start and failure in the
// context (context.ts), never in XState timers or in state names that depend on the data.
//
// How a run ends: every lane finishes (no item left, or its loop halted by a failure), blocks
// settle outwards, and the root block goes to `done` or to `halted`, a state that waits for
// RESUME. A gate that nobody approved waits in its own state for APPROVE. A run that waits for
// nothing and invokes nothing is quiescent: the engine saves it and stops.

import { assign, fromPromise, setup, type AnyEventObject, type AnyStateMachine } from 'xstate';
import { toRunError } from '../steps/run-error.js';
import { mergeIn, reopen, type ItemRun, type ItemStatus, type LoopState, type RunContext } from './context.js';
import { fingerprintOf } from './fingerprint.js';
import type { EachBlock, Entry, GateSpec, RunbookDefinition, StepSpec } from './language.js';
import { collectionOf, keyOf, lanesOf, locate, loopKeyOf, loopOf, pathOf, ROOT, viewOf, type Lane, type Located } from './lanes.js';

type Ctx = RunContext<unknown>;
type Args = { context: Ctx; event: AnyEventObject };
/** The parts of an XState state config this builder writes; checked by XState when the machine is made. */
interface StateConfig {
  id?: string;
  initial?: string;
  type?: 'parallel' | 'final';
  states?: Record<string, StateConfig>;
  entry?: unknown;
  invoke?: unknown;
  on?: Record<string, unknown>;
  always?: unknown;
  onDone?: unknown;
  tags?: string[];
  meta?: Record<string, unknown>;
}

export type RunEvent = { type: 'RESUME' } | { type: 'APPROVE'; by: string } | { type: 'ASK' };
export interface StepInput { lane: string; step: string }
export interface GateInput { lane: string; gate: string }
export interface GateAnswer { approved: boolean; by: string }

export interface BuildOptions {
  /** Lanes per block id, resolved from each block's concurrency and the run's settings. */
  lanes?: Record<string, number>;
  now?: () => number;
}

export interface BuiltRunbook<D> {
  machine: AnyStateMachine;
  /** Derived from the definition's shape: a saved run with another one cannot be restored. */
  fingerprint: string;
  /** Where an in-flight step is: its item, key and path, from the live context. */
  locate(ctx: RunContext<D>, lane: string): Located;
  steps: Map<string, StepSpec<D>>;
  gates: Map<string, GateSpec<D>>;
  initialContext(data: D, opts?: { rollback?: boolean }): RunContext<D>;
  /** The key a gate's approval is kept under, for the item a lane holds. */
  gateKey(ctx: RunContext<D>, lane: string, gate: string): string;
}

export function buildMachine<D>(def: RunbookDefinition<D>, opts: BuildOptions = {}): BuiltRunbook<D> {
  const now = opts.now ?? Date.now;
  const lanesById = new Map<string, Lane>();
  const steps = new Map<string, StepSpec<D>>();
  const gates = new Map<string, GateSpec<D>>();
  const laneCount = (b: EachBlock<D>): number => {
    const n = opts.lanes?.[b.id] ?? (typeof b.concurrency === 'number' ? b.concurrency : 1);
    if (!Number.isInteger(n) || n < 1) throw new Error(`runbook ${def.strategy}: block ${b.id} needs a concurrency of 1 or more, got ${n}`);
    return n;
  };
  const lane = (id: string): Lane => {
    const l = lanesById.get(id);
    if (!l) throw new Error(`no lane ${id}`);
    return l;
  };
  const sid = (l: Lane, entry: string) => `${l.id}/${entry}`;
  const ref = (l: Lane, entry: string) => `#${sid(l, entry)}`;
  const laneRef = (l: Lane, what: string) => `#${l.id}:${what}`;
  const declare = <T extends { id: string }>(map: Map<string, T>, x: T, what: string) => {
    const seen = map.get(x.id);
    if (seen && seen !== x) throw new Error(`runbook ${def.strategy}: ${what} id ${x.id} is used twice`);
    map.set(x.id, x);
  };

  // ---- item bookkeeping (pure functions of the context, used by the actions below) ----
  const setItem = (ctx: Ctx, l: Lane, change: (i: ItemRun) => ItemRun): Partial<Ctx> => {
    const key = loopKeyOf(ctx, l.block, l.parent);
    const loop = ctx.loops[key];
    const index = ctx.lanes[l.id];
    if (!loop || index === null || index === undefined || !loop.items[index]) return {};
    const items = loop.items.map((it, i) => (i === index ? change(it) : it));
    return { loops: { ...ctx.loops, [key]: { ...loop, items } } };
  };
  const current = (ctx: Ctx, l: Lane): ItemRun | undefined => loopOf(ctx, l)?.items[ctx.lanes[l.id] ?? -1];
  const has = (loop: LoopState | undefined, ...s: ItemStatus[]) => !!loop?.items.some((i) => s.includes(i.status));
  const enter = (l: Lane, entry: string) =>
    assign(({ context }: Args) => setItem(context, l, (i) => ({ ...i, at: entry, startedAt: now() })));
  const keyNow = (ctx: Ctx, l: Lane) => (current(ctx, l) ? locate(ctx, l).key : '');

  const openLoop = (b: EachBlock<D>, parent: Lane | undefined) =>
    assign(({ context }: Args) => {
      const key = loopKeyOf(context, b as EachBlock<unknown>, parent);
      const lanes = { ...context.lanes };
      for (const [id, l] of lanesById) if (l.block === (b as EachBlock<unknown>) && l.parent === parent) lanes[id] = null;
      if (context.loops[key]?.open) return { lanes };
      const items = collectionOf(context, b as EachBlock<unknown>, parent).map((item, i): ItemRun => ({
        key: parent ? keyOf(b as EachBlock<unknown>, item, i) : '',
        status: 'pending',
      }));
      return { lanes, loops: { ...context.loops, [key]: { open: true, items } } };
    });

  // ---- states ----
  const head = (e: Entry<D>, l: Lane): string =>
    e.kind === 'gate' || (e.kind !== 'each' && e.when) ? `${ref(l, e.id)}?` : ref(l, e.id);

  function stepStates(s: StepSpec<D>, l: Lane, next: string, onError: string, into: Record<string, StateConfig>, rollback = false): void {
    declare(steps, s, 'step');
    into[s.id] = {
      id: sid(l, s.id),
      meta: { title: s.title, kind: s.kind, doc: s.doc, awaits: s.awaits, downtime: !!s.downtime },
      entry: enter(l, s.id),
      invoke: {
        id: sid(l, s.id),
        src: s.id,
        input: (): StepInput => ({ lane: l.id, step: s.id }),
        onDone: {
          target: next,
          actions: assign(({ context, event }: Args) =>
            event['output'] && typeof event['output'] === 'object' ? { data: mergeIn(context.data, pathOf(context, l), event['output'] as object) } : {},
          ),
        },
        onError: {
          target: onError,
          actions: assign(({ context, event }: Args) => {
            const failure = toRunError(event['error'], s.id, keyNow(context, l) || undefined);
            return setItem(context, l, (i) => (rollback ? { ...i, rollbackFailure: failure } : { ...i, failure }));
          }),
        },
      },
    };
    if (s.when) {
      const when = s.when;
      into[`${s.id}?`] = { id: `${sid(l, s.id)}?`, always: [{ guard: ({ context }: Args) => when(viewOf(context as RunContext<D>, l)), target: ref(l, s.id) }, { target: next }] };
    }
  }

  function gateStates(g: GateSpec<D>, l: Lane, next: string, into: Record<string, StateConfig>): void {
    declare(gates, g, 'gate');
    const approve = (by: (a: Args) => string) =>
      assign(({ context, event }: Args) => ({ approvals: { ...context.approvals, [gateKeyOf(context, l, g.id)]: by({ context, event }) } }));
    into[`${g.id}?`] = { id: `${sid(l, g.id)}?`, always: [{ guard: ({ context }: Args) => gateKeyOf(context, l, g.id) in context.approvals, target: next }, { target: ref(l, g.id) }] };
    into[g.id] = {
      id: sid(l, g.id),
      meta: { title: g.title, kind: 'gate' },
      entry: enter(l, g.id),
      invoke: {
        id: sid(l, g.id),
        src: 'gate',
        input: (): GateInput => ({ lane: l.id, gate: g.id }),
        onDone: [
          { guard: ({ event }: Args) => (event['output'] as GateAnswer | undefined)?.approved === true, target: next, actions: approve(({ event }) => (event['output'] as GateAnswer).by) },
          { target: `${ref(l, g.id)}:waiting` },
        ],
        onError: { target: laneRef(l, 'item-failed'), actions: assign(({ context, event }: Args) => setItem(context, l, (i) => ({ ...i, failure: toRunError(event['error'], g.id) }))) },
      },
    };
    into[`${g.id}:waiting`] = {
      id: `${sid(l, g.id)}:waiting`,
      tags: ['waiting-approval'],
      meta: { kind: 'gate-waiting', gate: g.id, lane: l.id },
      on: { APPROVE: { target: next, actions: approve(({ event }) => String(event['by'] ?? 'approve')) }, ASK: { target: ref(l, g.id) } },
    };
  }

  function chain(entries: Entry<D>[], l: Lane, end: string, into: Record<string, StateConfig>): void {
    entries.forEach((e, i) => {
      const next = i + 1 < entries.length ? head(entries[i + 1]!, l) : end;
      if (e.kind === 'each') into[e.id] = blockState(e, l, next);
      else if (e.kind === 'gate') gateStates(e, l, next, into);
      else stepStates(e, l, next, laneRef(l, 'item-failed'), into);
    });
  }

  function laneState(l: Lane): StateConfig {
    const b = l.block as EachBlock<D>;
    const first = b.entries[0];
    if (!first) throw new Error(`runbook ${def.strategy}: block ${b.id} has no entries`);
    const comp = b.compensate ?? [];
    const states: Record<string, StateConfig> = {};
    chain(b.entries, l, laneRef(l, 'item-done'), states);
    comp.forEach((c, i) => stepStates(c, l, i + 1 < comp.length ? head(comp[i + 1]!, l) : laneRef(l, 'rolled-back'), laneRef(l, 'rollback-failed'), states, true));
    const settle = (status: ItemStatus, resume: (i: ItemRun) => string | undefined) =>
      assign(({ context }: Args) =>
        setItem(context, l, (i) => {
          const { resumeAt: _r, ...rest } = i;
          const at = resume(i);
          return { ...rest, status, ...(at ? { resumeAt: at } : {}), ...(status === 'rolled-back' ? { compensating: false } : {}) };
        }),
      );
    const resumable = [...b.entries.map((e) => e.id), ...comp.map((c) => c.id)];
    states['claim'] = {
      id: `${l.id}:claim`,
      always: [
        { guard: ({ context }: Args) => has(loopOf(context, l), 'failed', 'rolled-back') || !has(loopOf(context, l), 'pending'), target: laneRef(l, 'finished') },
        { target: laneRef(l, 'dispatch'), actions: assign(({ context }: Args) => claimNext(context, l)) },
      ],
    };
    states['dispatch'] = {
      id: `${l.id}:dispatch`,
      always: [
        { guard: ({ context }: Args) => !current(context, l), target: laneRef(l, 'claim') },
        ...resumable.map((id) => ({ guard: ({ context }: Args) => current(context, l)?.resumeAt === id, target: ref(l, id) })),
        { target: head(first, l) },
      ],
    };
    states['item-done'] = { id: `${l.id}:item-done`, always: { target: laneRef(l, 'claim'), actions: settle('done', () => undefined) } };
    states['item-failed'] = {
      id: `${l.id}:item-failed`,
      always: [
        ...(comp[0]
          ? [{
            guard: ({ context }: Args) => context.rollback && !current(context, l)?.compensating,
            target: head(comp[0], l),
            actions: assign(({ context }: Args) => setItem(context, l, (i) => ({ ...i, compensating: true }))),
          }]
          : []),
        { target: laneRef(l, 'claim'), actions: settle('failed', (i) => i.at) },
      ],
    };
    // The item is back as it was: on resume its block starts again from the top, afresh.
    states['rolled-back'] = { id: `${l.id}:rolled-back`, always: { target: laneRef(l, 'claim'), actions: [assign(({ context }: Args) => closeInner(context, l)), settle('rolled-back', () => undefined)] } };
    states['rollback-failed'] = { id: `${l.id}:rollback-failed`, always: { target: laneRef(l, 'claim'), actions: settle('failed', (i) => i.at) } };
    states['finished'] = { id: `${l.id}:finished`, type: 'final' };
    return { initial: 'claim', states };
  }

  function blockState(b: EachBlock<D>, parent: Lane | undefined, next: string): StateConfig {
    const id = parent ? sid(parent, b.id) : ROOT;
    const lanes = lanesOf(b, parent, parent ? laneCount(b) : 1);
    for (const l of lanes) lanesById.set(l.id, l);
    const entry = parent ? [enter(parent, b.id), openLoop(b, parent)] : [openLoop(b, parent)];
    const loop = (ctx: Ctx) => ctx.loops[loopKeyOf(ctx, b as EachBlock<unknown>, parent)];
    const close = assign(({ context }: Args) => {
      const key = loopKeyOf(context, b as EachBlock<unknown>, parent);
      const l = context.loops[key];
      return l ? { loops: { ...context.loops, [key]: { ...l, open: false } } } : {};
    });
    const settled: unknown[] = parent
      ? [
          {
            guard: ({ context }: Args) => has(loop(context), 'failed'),
            target: laneRef(parent, 'item-failed'),
            actions: assign(({ context }: Args) => {
              const failed = loop(context)?.items.find((i) => i.status === 'failed');
              const failure = failed?.rollbackFailure ?? failed?.failure;
              return setItem(context, parent, (i) => ({ ...i, at: b.id, ...(failure ? { failure } : {}) }));
            }),
          },
          {
            guard: ({ context }: Args) => has(loop(context), 'rolled-back'),
            target: laneRef(parent, 'claim'),
            actions: assign(({ context }: Args) => setItem(context, parent, (i) => ({ ...i, status: 'rolled-back', at: b.id, resumeAt: b.id }))),
          },
          { target: next, actions: close },
        ]
      : [{ guard: ({ context }: Args) => has(loop(context), 'failed', 'rolled-back'), target: '#halted' }, { target: next, actions: close }];
    return {
      id,
      entry,
      initial: 'lanes',
      states: {
        lanes: { type: 'parallel', states: Object.fromEntries(lanes.map((l, n) => [`lane${n}`, laneState(l)])), onDone: `#${id}:settle` },
        settle: { id: `${id}:settle`, always: settled },
      },
    };
  }

  function claimNext(ctx: Ctx, l: Lane): Partial<Ctx> {
    const key = loopKeyOf(ctx, l.block, l.parent);
    const loop = ctx.loops[key];
    if (!loop) return { lanes: { ...ctx.lanes, [l.id]: null } };
    const all = collectionOf(ctx, l.block, l.parent);
    const items = [...loop.items];
    let claimed: number | null = null;
    for (let i = 0; i < items.length && claimed === null; i++) {
      if (items[i]!.status !== 'pending') continue;
      if (l.block.skip?.({ data: ctx.data, item: all[i] })) items[i] = { ...items[i]!, status: 'skipped' };
      else {
        items[i] = { ...items[i]!, status: 'active' };
        claimed = i;
      }
    }
    return { loops: { ...ctx.loops, [key]: { ...loop, items } }, lanes: { ...ctx.lanes, [l.id]: claimed } };
  }

  /** Loops nested under the lane's current item start afresh next time (its block restarts). */
  function closeInner(ctx: Ctx, l: Lane): Partial<Ctx> {
    const prefix = `${loopKeyOf(ctx, l.block, l.parent)}[${ctx.lanes[l.id]}]/`;
    const loops = Object.fromEntries(Object.entries(ctx.loops).map(([k, v]) => [k, k.startsWith(prefix) ? { ...v, open: false } : v]));
    return { loops };
  }

  function gateKeyOf(ctx: Ctx, l: Lane, gate: string): string {
    const key = keyNow(ctx, l);
    return key ? `${gate}@${key}` : gate;
  }

  const root: EachBlock<D> = { kind: 'each', id: ROOT, collection: '', title: def.document, entries: def.entries };
  const states: Record<string, StateConfig> = {
    [ROOT]: blockState(root, undefined, '#done'),
    done: { id: 'done', type: 'final' },
    halted: {
      id: 'halted',
      tags: ['halted'],
      on: { RESUME: { target: `#${ROOT}`, actions: assign(({ context }: Args) => ({ loops: reopen(context.loops) })) } },
    },
  };
  const placeholders = Object.fromEntries(
    [...steps.keys(), 'gate'].map((id) => [id, fromPromise<unknown, unknown>(async () => {
      throw new Error(`step ${id} has no effect provided`);
    })]),
  );
  // The generated config is checked by XState at creation; its generics cannot follow a config built from data.
  const config = { id: def.strategy, context: ({ input }: { input: Ctx }) => input, initial: ROOT, states };
  const built = setup({ types: { context: {} as Ctx, events: {} as RunEvent, input: {} as Ctx }, actors: placeholders });
  const machine: AnyStateMachine = built.createMachine(config as unknown as Parameters<typeof built.createMachine>[0]);

  const counts = Object.fromEntries([...lanesById.values()].map((l) => [l.block.id, 0]));
  for (const l of lanesById.values()) if (l.collection !== null) counts[l.block.id] = Math.max(counts[l.block.id] ?? 0, Number(l.id.slice(l.id.lastIndexOf('~') + 1)) + 1);
  return {
    machine,
    fingerprint: fingerprintOf(def, counts),
    locate: (ctx, id) => locate(ctx as Ctx, lane(id)),
    steps,
    gates,
    gateKey: (ctx, id, gate) => gateKeyOf(ctx as Ctx, lane(id), gate),
    initialContext: (data, o = {}) => ({ data, loops: {}, lanes: {}, approvals: {}, rollback: o.rollback ?? true }),
  };
}
