// Draws a runbook from its definition: steps with their document numbers, loops, fan-out,
// gates and rollback edges, as text, as a Mermaid flowchart (GitHub renders it in the README),
// or as JSON. Nothing is run and nothing is connected.

import type { Entry, RunbookDefinition, StepSpec } from './language.js';

export interface DescribedEntry {
  kind: 'step' | 'wait' | 'gate' | 'each';
  id: string;
  title: string;
  doc?: string;
  awaits?: string;
  preflight?: boolean;
  downtime?: boolean;
  upAgain?: boolean;
  /** Runs only in some cases (a `when`); skipped items for a block (`skip`). */
  conditional?: boolean;
  collection?: string;
  concurrency?: number | 'from settings';
  entries?: DescribedEntry[];
  rollback?: DescribedEntry[];
}

export function describeJson<D>(def: RunbookDefinition<D>, fingerprint: string) {
  return { strategy: def.strategy, document: def.document, fingerprint, entries: def.entries.map(describeEntry) };
}

function describeEntry<D>(e: Entry<D>): DescribedEntry {
  if (e.kind === 'gate') return { kind: 'gate', id: e.id, title: e.title };
  if (e.kind === 'each') {
    return {
      kind: 'each', id: e.id, title: e.title, collection: e.collection,
      concurrency: typeof e.concurrency === 'function' ? 'from settings' : e.concurrency ?? 1,
      ...(e.doc ? { doc: e.doc } : {}), ...(e.skip ? { conditional: true } : {}),
      entries: e.entries.map(describeEntry),
      ...(e.compensate?.length ? { rollback: e.compensate.map(describeEntry) } : {}),
    };
  }
  const s: StepSpec<D> = e;
  return {
    kind: s.kind, id: s.id, title: s.title,
    ...(s.doc ? { doc: s.doc } : {}), ...(s.awaits ? { awaits: s.awaits } : {}), ...(s.preflight ? { preflight: true } : {}),
    ...(s.downtime ? { downtime: true } : {}), ...(s.upAgain ? { upAgain: true } : {}), ...(s.when ? { conditional: true } : {}),
  };
}

export function describeText<D>(def: RunbookDefinition<D>, fingerprint: string): string {
  const lines = [`${def.strategy}: "${def.document}" (shape ${fingerprint})`, ''];
  const walk = (entries: DescribedEntry[], depth: number) => {
    const pad = '  '.repeat(depth);
    for (const e of entries) {
      const doc = (e.doc ?? '').padStart(3);
      const marks = [e.preflight && 'before any change', e.conditional && 'only when it applies', e.downtime && 'takes it DOWN', e.upAgain && 'it is back'].filter(Boolean);
      const note = marks.length ? `  [${marks.join(', ')}]` : '';
      if (e.kind === 'gate') lines.push(`${doc} ${pad}APPROVAL ${e.id}: ${e.title}`);
      else if (e.kind === 'each') {
        lines.push(`${doc} ${pad}EACH ${e.collection} (${e.concurrency === 1 ? 'one at a time' : `${e.concurrency} at once`}): ${e.title}${e.conditional ? '  [already-done items passed over]' : ''}`);
        walk(e.entries ?? [], depth + 1);
        if (e.rollback) {
          lines.push(`    ${pad}  ROLLBACK of that item, when one of its steps fails:`);
          walk(e.rollback, depth + 2);
        }
      } else lines.push(`${doc} ${pad}${e.kind === 'wait' ? 'wait ' : ''}${e.id}: ${e.title}${note}`);
    }
  };
  walk(describeJson(def, fingerprint).entries, 1);
  lines.push('', 'The left column is the step number in the Avi document.');
  return lines.join('\n');
}

export function describeMermaid<D>(def: RunbookDefinition<D>): string {
  const out = ['flowchart TD', '  start([start])'];
  const id = (x: string) => x.replace(/[^A-Za-z0-9_]/g, '_');
  const label = (e: DescribedEntry) => `${e.doc ? `${e.doc}. ` : ''}${e.title}`.replace(/"/g, "'");
  let previous = 'start';
  const link = (to: string, how = '-->') => {
    out.push(`  ${previous} ${how} ${to}`);
    previous = to;
  };
  const chain = (entries: DescribedEntry[], indent: string) => {
    for (const e of entries) {
      const n = id(e.id);
      if (e.kind === 'gate') {
        out.push(`${indent}${n}{{"APPROVAL: ${label(e)}"}}`);
        link(n);
      } else if (e.kind === 'each') {
        out.push(`${indent}subgraph ${n}["each ${e.collection}: ${e.concurrency === 1 ? 'one at a time' : `${e.concurrency} at once`}"]`);
        chain(e.entries ?? [], `${indent}  `);
        out.push(`${indent}end`);
        const first = e.entries?.[0];
        if (first && previous !== id(first.id)) out.push(`  ${previous} -. next item .-> ${id(first.id)}`);
        if (e.rollback?.length) {
          out.push(`${indent}subgraph ${n}_rollback["rollback of that item"]`);
          const after = previous;
          const rb = e.rollback.map((r) => `${indent}  ${id(r.id)}${r.kind === 'wait' ? `(["${label(r)}"])` : `["${label(r)}"]`}`);
          out.push(...rb);
          e.rollback.slice(1).forEach((r, i) => out.push(`${indent}  ${id(e.rollback![i]!.id)} --> ${id(r.id)}`));
          out.push(`${indent}end`);
          out.push(`  ${n} -. a step fails .-> ${id(e.rollback[0]!.id)}`);
          previous = after;
        }
      } else {
        const shape = e.kind === 'wait' ? `(["${label(e)}"])` : `["${label(e)}${e.downtime ? ' (DOWN)' : ''}"]`;
        out.push(`${indent}${n}${shape}`);
        link(n, e.conditional ? '-. if it applies .->' : '-->');
      }
    }
  };
  chain(describeJson(def, '').entries, '  ');
  out.push('  done([done])');
  link('done');
  return out.join('\n');
}
