// The shape of a runbook's machine, as a short hash: which steps, waits, gates and blocks, how
// they nest, which run only sometimes, which roll back, and how many lanes each block has.
// Titles and document numbers are not shape. A saved run is restored only by a runbook of the
// same shape; it is derived, never bumped by hand, so nobody can forget to bump it.

import { createHash } from 'node:crypto';
import type { Entry, RunbookDefinition } from './language.js';

type Shape = Array<string | Shape>;

function shapeOf<D>(entries: Entry<D>[], lanes: Record<string, number>): Shape {
  return entries.map((e): string | Shape => {
    if (e.kind === 'gate') return `gate:${e.id}`;
    if (e.kind === 'each') {
      const comp = (e.compensate ?? []).map((c) => `${c.kind}:${c.id}${c.when ? '?' : ''}`);
      return [`each:${e.id}:${e.collection}:${lanes[e.id] ?? 1}`, shapeOf(e.entries, lanes), ['compensate', ...comp]];
    }
    return `${e.kind}:${e.id}${e.when ? '?' : ''}`;
  });
}

export function fingerprintOf<D>(def: RunbookDefinition<D>, lanes: Record<string, number> = {}): string {
  const text = JSON.stringify([def.strategy, shapeOf(def.entries, lanes)]);
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
