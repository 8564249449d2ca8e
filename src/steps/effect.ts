// What a step's effect is, for every runbook: it sees one item (a node, an SE group, an SE, or the
// run itself) and returns the fields of that item it changed. Three kinds, so a plan can treat
// each safely: a check only reads (it runs for real in a plan), an action also says from the
// runbook's own model what it would change (a plan records that instead of running it), and a
// wait polls a condition (a plan shows what it waits for).

import type { Writes } from './gateways.js';

export interface Scope<D, I = D> {
  runId: string;
  /** The runbook's data as it stands now. */
  data: D;
  /** The item this step works on; the data itself outside any `each`. */
  item: I;
  /** The item's key path, e.g. "10.10.1.12" or "group-a/se-3"; "" for the run. */
  key: string;
  /** Enclosing items, outermost first (the SE group of an SE). */
  parents: unknown[];
  /** Epoch ms: a wait in this step gives up here. Fresh when a failed step is resumed. */
  deadline: number;
  /** Epoch ms the step began (kept across a crash restart, like the deadline). */
  startedAt?: number;
  /** What the step is expected to take (its documented duration, scaled in a rehearsal): waits poll by it. */
  expectedMs?: number;
  /** Tells progress and the journal what a wait sees ("waiting for cluster READY: CLUSTER_UP_HA_NOT_READY"). */
  report(awaits: string, seen: string): void;
  /** Tells the journal how long a wait took against what was expected. */
  timed?(timing: WaitTiming): void;
}

/** One finished wait: what it awaited, what it was expected to take and took (ms), and how often it looked. */
export interface WaitTiming {
  awaits: string;
  expectedMs?: number;
  actualMs: number;
  looks: number;
  /** Looks refused for the request rate. */
  throttled?: number;
}

/** The fields of the item that changed; nothing when the step only acted on the world. */
export type ItemPatch<I> = Partial<I> | void;

export type Run<D, I> = (scope: Scope<D, I>, signal: AbortSignal) => Promise<ItemPatch<I>>;

export interface CheckEffect<D, I> {
  kind: 'check';
  run: Run<D, I>;
}

export interface ActionEffect<D, I> {
  kind: 'action';
  run: Run<D, I>;
  /** What the action changes, from the runbook's model alone: writes go to the plan's recorder. */
  plan(scope: Scope<D, I>, writes: Writes): Promise<ItemPatch<I>> | ItemPatch<I>;
}

export interface WaitEffect<D, I> {
  kind: 'wait';
  run: Run<D, I>;
}

// `any` item: a runbook's effect table mixes items of several types (nodes, groups, SEs).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Effect<D, I = any> = CheckEffect<D, I> | ActionEffect<D, I> | WaitEffect<D, I>;

export const check = <D, I>(run: Run<D, I>): CheckEffect<D, I> => ({ kind: 'check', run });
export const action = <D, I>(run: Run<D, I>, plan: ActionEffect<D, I>['plan']): ActionEffect<D, I> => ({ kind: 'action', run, plan });
export const wait = <D, I>(run: Run<D, I>): WaitEffect<D, I> => ({ kind: 'wait', run });
