// The fingerprint is the shape of the machine: steps, waits, gates, blocks, how they nest,
// which are conditional, which roll back, how many lanes. It is derived, never bumped by hand.

import { describe, expect, it } from '@jest/globals';
import { definition as swap } from '../../runbooks/controller-swap.js';
import { fingerprintOf } from '../../src/runbook/fingerprint.js';
import type { EachBlock, Entry, RunbookDefinition } from '../../src/runbook/language.js';
import { step } from '../../src/runbook/language.js';

type D = RunbookDefinition<unknown>;
const base = swap as unknown as D;
const nodesBlock = (d: D) => d.entries.find((e) => e.kind === 'each') as EachBlock<unknown>;
const withNodes = (d: D, change: (b: EachBlock<unknown>) => EachBlock<unknown>): D => ({
  ...d, entries: d.entries.map((e: Entry<unknown>) => (e.kind === 'each' ? change(e) : e)),
});

describe('fingerprint', () => {
  it('is stable and ignores titles and document numbers', () => {
    expect(fingerprintOf(base)).toBe(fingerprintOf(base));
    const retitled = withNodes(base, (b) => ({ ...b, title: 'other words', entries: b.entries.map((e) => ({ ...e, title: `${e.title}!`, doc: '99' })) }));
    expect(fingerprintOf(retitled)).toBe(fingerprintOf(base));
  });

  it('changes when a step is inserted at the head of the node block', () => {
    const inserted = withNodes(base, (b) => ({ ...b, entries: [step('drain-node', 'drain first'), ...b.entries] }));
    expect(fingerprintOf(inserted)).not.toBe(fingerprintOf(base));
  });

  it('changes with a step made conditional, a rollback step, or the lanes of a block', () => {
    const conditional = withNodes(base, (b) => ({ ...b, entries: b.entries.map((e, i) => (i === 0 ? { ...e, when: () => true } : e)) as Entry<unknown>[] }));
    const moreRollback = withNodes(base, (b) => ({ ...b, compensate: [...(b.compensate ?? []), step('page-oncall', 'page')] }));
    const fingerprints = new Set([
      fingerprintOf(base), fingerprintOf(conditional), fingerprintOf(moreRollback), fingerprintOf(base, { [nodesBlock(base).id]: 2 }),
    ]);
    expect(fingerprints.size).toBe(4);
  });
});
