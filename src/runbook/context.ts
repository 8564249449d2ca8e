// The state a run keeps besides the runbook's own data: per loop, where each item stands (so
// nested and concurrent loops never share a cursor), which item each lane holds, and the
// approvals given. Plain JSON, persisted with the machine after every transition.

import type { RunError } from '../steps/run-error.js';

export type ItemStatus = 'pending' | 'active' | 'done' | 'skipped' | 'failed' | 'rolled-back';

export interface ItemRun {
  /** The item's name in progress and journal ("10.10.1.12"); its index when the block names none. */
  key: string;
  status: ItemStatus;
  /** The entry (step, gate or nested block id) the item is at, or failed at. */
  at?: string;
  /** When the current step began: its deadline is this plus its timeout (kept across a crash). */
  startedAt?: number;
  /** Where the item starts again when the run is resumed; none = the block's first entry. */
  resumeAt?: string;
  /** Rolling back: `at` is a compensation step. */
  compensating?: boolean;
  failure?: RunError;
  rollbackFailure?: RunError;
}

export interface LoopState {
  /** Entered and not finished: entering it again continues it instead of starting afresh. */
  open: boolean;
  items: ItemRun[];
}

export interface RunContext<D> {
  data: D;
  /** By loop key: "run", "run[0]/nodes", "run[0]/groups[2]/ses". */
  loops: Record<string, LoopState>;
  /** By lane id: the index of the item the lane works on, null when idle. */
  lanes: Record<string, number | null>;
  /** By gate key: how it was approved (terminal, --yes, approve). */
  approvals: Record<string, string>;
  /** Roll an item back when its block fails; off with --no-rollback. */
  rollback: boolean;
}

export type Path = Array<string | number>;

export function getIn(value: unknown, path: Path): unknown {
  let v = value;
  for (const p of path) v = v === null || v === undefined ? undefined : (v as Record<string | number, unknown>)[p];
  return v;
}

/** A copy of `value` with the object at `path` merged with `patch`; everything else shared. */
export function mergeIn<T>(value: T, path: Path, patch: object): T {
  if (path.length === 0) return { ...(value as object), ...patch } as T;
  const [head, ...rest] = path as [string | number, ...Path];
  const here = (value as Record<string | number, unknown>)[head];
  const next = mergeIn(here, rest, patch);
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? next : v)) as T;
  return { ...(value as object), [head]: next } as T;
}

/** `resume`: failed and rolled-back items are pending again, to start where each says. */
export function reopen(loops: Record<string, LoopState>): Record<string, LoopState> {
  const out: Record<string, LoopState> = {};
  for (const [key, loop] of Object.entries(loops)) {
    out[key] = {
      ...loop,
      items: loop.items.map((i) => {
        if (i.status !== 'failed' && i.status !== 'rolled-back') return i;
        const { failure: _f, rollbackFailure: _r, ...rest } = i;
        return { ...rest, status: 'pending' as const };
      }),
    };
  }
  return out;
}

/**
 * Every item that failed or was rolled back, with its loop: what a halted run reports. Closed
 * loops do not count: an enclosing item rolled back closes the loops inside it.
 */
export function unsettled(ctx: Pick<RunContext<unknown>, 'loops'>): Array<{ loop: string; item: ItemRun }> {
  return Object.entries(ctx.loops).filter(([, l]) => l.open).flatMap(([loop, l]) =>
    l.items.filter((i) => i.status === 'failed' || i.status === 'rolled-back').map((item) => ({ loop, item })),
  );
}
