// Lanes: an `each` block with concurrency N runs its items in N lanes, each a copy of the block's
// states that claims the next pending item. A nested block lives inside each lane of its parent,
// so its loop is found through the parent lane's current item. The whole runbook is the root
// block, with one item: the run.

import type { EachBlock, Entry, View } from './language.js';
import { getIn, type ItemRun, type LoopState, type Path, type RunContext } from './context.js';

export const ROOT = 'run';

export interface Lane {
  /** Unique state-id prefix: "run~0", "run~0/nodes~0", "run~0/groups~1/ses~0". */
  id: string;
  block: EachBlock<unknown>;
  /** null for the root lane, whose item is the run. */
  collection: string | null;
  parent: Lane | undefined;
}

export interface Located {
  path: Path;
  item: unknown;
  /** "10.10.1.12", "group-a/se-3"; "" for the run. */
  key: string;
  parents: unknown[];
  loopKey: string;
  index: number;
  run: ItemRun;
}

/** The lanes of a block inside a parent lane (none for the root). */
export function lanesOf<D>(block: EachBlock<D>, parent: Lane | undefined, count: number): Lane[] {
  return Array.from({ length: count }, (_, n) => ({
    id: `${parent ? `${parent.id}/` : ''}${block.id}~${n}`,
    block: block as EachBlock<unknown>,
    collection: parent ? block.collection : null,
    parent,
  }));
}

/** The key of the loop a lane claims from, given where its parent lanes are now. */
export function loopKeyOf(ctx: RunContext<unknown>, block: EachBlock<unknown>, parent: Lane | undefined): string {
  if (!parent) return ROOT;
  return `${loopKeyOf(ctx, parent.block, parent.parent)}[${ctx.lanes[parent.id] ?? '?'}]/${block.id}`;
}

export function pathOf(ctx: RunContext<unknown>, lane: Lane | undefined): Path {
  if (!lane || lane.collection === null) return [];
  return [...pathOf(ctx, lane.parent), lane.collection, ctx.lanes[lane.id] ?? -1];
}

export function loopOf(ctx: RunContext<unknown>, lane: Lane): LoopState | undefined {
  return ctx.loops[loopKeyOf(ctx, lane.block, lane.parent)];
}

/** The items of a block's collection where the parent lane is now ([the run] at the root). */
export function collectionOf(ctx: RunContext<unknown>, block: EachBlock<unknown>, parent: Lane | undefined): unknown[] {
  if (!parent) return [ctx.data];
  const items = getIn(ctx.data, [...pathOf(ctx, parent), block.collection]);
  if (!Array.isArray(items)) throw new Error(`each '${block.id}': ${block.collection} is not a list in the data (${typeof items})`);
  return items;
}

export function keyOf(block: EachBlock<unknown>, item: unknown, index: number): string {
  return block.key ? block.key(item) : String(index);
}

export function locate(ctx: RunContext<unknown>, lane: Lane): Located {
  const loopKey = loopKeyOf(ctx, lane.block, lane.parent);
  const index = ctx.lanes[lane.id] ?? -1;
  const run = ctx.loops[loopKey]?.items[index];
  if (!run) throw new Error(`lane ${lane.id} holds no item (loop ${loopKey}, index ${index})`);
  const path = pathOf(ctx, lane);
  const parents: unknown[] = [];
  const keys: string[] = [];
  for (let l = lane.parent; l && l.collection !== null; l = l.parent) {
    parents.unshift(getIn(ctx.data, pathOf(ctx, l)));
    const outer = loopOf(ctx, l)?.items[ctx.lanes[l.id] ?? -1];
    if (outer) keys.unshift(outer.key);
  }
  if (lane.collection !== null) keys.push(run.key);
  return { path, item: getIn(ctx.data, path), key: keys.join('/'), parents, loopKey, index, run };
}

export function viewOf<D>(ctx: RunContext<D>, lane: Lane): View<D> {
  return { data: ctx.data, item: getIn(ctx.data, pathOf(ctx as RunContext<unknown>, lane)) };
}

/** Entries of a block that a resumed item may be sent back to, by id. */
export function resumableIds<D>(entries: Entry<D>[], compensate: { id: string }[] = []): string[] {
  return [...entries.map((e) => e.id), ...compensate.map((c) => c.id)];
}
