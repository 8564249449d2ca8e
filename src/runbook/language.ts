// The runbook language: plain data that reads like the Avi document. A runbook is a list of
// entries: steps and waits (each an effect provided by id), gates where a person approves, and
// `each` blocks over a collection in the data, which nest, fan out, and may roll an item back.
// src/runbook/machine.ts turns a definition into an XState machine; nothing here runs anything.

/** What a `when` or `skip` predicate sees: the data, and the item it is about. */
export interface View<D> {
  data: D;
  item: unknown;
}

export interface StepSpec<D> {
  kind: 'step' | 'wait';
  /** Stable id: the effect's name, the journal key, the plan key. Never rename a shipped id. */
  id: string;
  /** What the step does, in the document's words. */
  title: string;
  /** What a wait waits for ("cluster READY"). */
  awaits?: string;
  /** The document's step number ("3", "8"), shown in the plan and the drawing. */
  doc?: string;
  /** This step takes the item down (stops its VM, deletes it). */
  downtime?: boolean;
  /** After this step the item serves again. */
  upAgain?: boolean;
  /** Reads only, before anything changes: a failure here means "refused", not "failed half-way". */
  preflight?: boolean;
  /** Upper bound for this step; default: the run's wait timeout. */
  timeoutMs?: number;
  /**
   * What the step usually takes in the real world (ms; the documented figure, its source beside
   * it): a wait looks rarely before then and often around it. Scaled by the lab's time scale.
   */
  expected?: number | ((view: View<D>) => number);
  /** The step runs only when this holds; otherwise it is passed over (never invoked). */
  when?: (view: View<D>) => boolean;
}

export interface GateSpec<D> {
  kind: 'gate';
  id: string;
  title: string;
  /** What goes down and for about how long, from the data ("nodes 10.0.0.12, ... one at a time, 5-12 min each"). */
  impact: (view: View<D>) => string;
}

export interface EachBlock<D> {
  kind: 'each';
  /** Unique in the runbook; default: the collection name. */
  id: string;
  /** The array to walk, by name: in the data at the top level, in the enclosing item when nested. */
  collection: string;
  title: string;
  doc?: string;
  entries: Entry<D>[];
  /** Items worked on at once; a number, or from the run's settings. Default 1. */
  concurrency?: number | ((settings: Record<string, unknown>) => number);
  /** Names the item in progress, journal and plan (a node's IP); default its index. */
  key?: (item: unknown) => string;
  /** Items passed over entirely (already encrypted). */
  skip?: (view: View<D>) => boolean;
  /** Run, for the item, when one of the block's steps fails: put it back as it was. */
  compensate?: StepSpec<D>[];
}

export type Entry<D> = StepSpec<D> | GateSpec<D> | EachBlock<D>;

export interface RunbookDefinition<D> {
  strategy: string;
  /** The section of the Avi document this runbook follows. */
  document: string;
  entries: Entry<D>[];
}

type StepOptions<D> = Omit<StepSpec<D>, 'kind' | 'id' | 'title'>;
type EachOptions<D> = Partial<Pick<EachBlock<D>, 'id' | 'doc' | 'concurrency' | 'key' | 'skip' | 'compensate'>>;

export function step<D>(id: string, title: string, options: StepOptions<D> = {}): StepSpec<D> {
  return { kind: 'step', id, title, ...options };
}

export function wait<D>(id: string, awaits: string, options: Omit<StepOptions<D>, 'awaits'> = {}): StepSpec<D> {
  return { kind: 'wait', id, title: `wait for ${awaits}`, awaits, ...options };
}

export function gate<D>(id: string, title: string, impact: GateSpec<D>['impact']): GateSpec<D> {
  return { kind: 'gate', id, title, impact };
}

export function each<D>(collection: string, title: string, entries: Entry<D>[], options: EachOptions<D> = {}): EachBlock<D> {
  return { kind: 'each', collection, title, entries, ...options, id: options.id ?? collection };
}

/**
 * The builders bound to a data type and to the ids the runbook's effects provide, so a typo in
 * a step id is a type error. Gates and blocks have ids of their own (not effects).
 */
export function vocabulary<D, Id extends string>() {
  return {
    step: (id: Id, title: string, options: StepOptions<D> = {}) => step<D>(id, title, options),
    wait: (id: Id, awaits: string, options: Omit<StepOptions<D>, 'awaits'> = {}) => wait<D>(id, awaits, options),
    gate: (id: string, title: string, impact: GateSpec<D>['impact']) => gate<D>(id, title, impact),
    each: (collection: string, title: string, entries: Entry<D>[], options: EachOptions<D> = {}) => each<D>(collection, title, entries, options),
  };
}

/** Every step of a runbook (compensation included), in document order, with the block it sits in. */
export function stepsOf<D>(def: RunbookDefinition<D>): Array<StepSpec<D> & { block: string | undefined; compensation: boolean }> {
  const out: Array<StepSpec<D> & { block: string | undefined; compensation: boolean }> = [];
  const walk = (entries: Entry<D>[], block: string | undefined) => {
    for (const e of entries) {
      if (e.kind === 'each') {
        walk(e.entries, e.id);
        for (const c of e.compensate ?? []) out.push({ ...c, block: e.id, compensation: true });
      } else if (e.kind !== 'gate') {
        out.push({ ...e, block, compensation: false });
      }
    }
  };
  walk(def.entries, undefined);
  return out;
}

/** Every gate of a runbook, in document order. */
export function gatesOf<D>(def: RunbookDefinition<D>): GateSpec<D>[] {
  const out: GateSpec<D>[] = [];
  const walk = (entries: Entry<D>[]) => entries.forEach((e) => (e.kind === 'gate' ? out.push(e) : e.kind === 'each' ? walk(e.entries) : undefined));
  walk(def.entries);
  return out;
}
