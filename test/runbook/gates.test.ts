// Gates: an approval point that says what goes down and for how long. Unanswered, the run rests
// `waiting-approval`, saved; APPROVE continues it, ASK asks again; an approval is kept, so a
// resumed run does not ask twice for the same thing.

import { describe, expect, it } from '@jest/globals';
import type { GateRequest } from '../../src/engine/run.js';
import { data, definition, each, gate, key, run, step, steps, type FixtureData, type Trace } from './fixture.js';

const def = () => definition([
  step('prepare', 'prepare'),
  gate('servers-go-down', 'Servers go down in turn', ({ data: d }) => `${(d as FixtureData).servers.map(key).join(', ')} go down, 2 minutes each`),
  each('servers', 'servers', [step('restart', 'restart')], { key }),
]);
const IDS = ['prepare', 'restart'];

describe('gates', () => {
  it('unanswered, the run rests before the gate with nothing after it run, and says what would go down', async () => {
    const trace: Trace = { calls: [] };
    const asked: GateRequest[] = [];
    const out = await run(def(), steps(IDS, trace), data(), { gate: async (r) => (asked.push(r), { approved: false, by: 'no terminal' }) });
    expect(out.status).toBe('waiting-approval');
    expect(trace.calls).toEqual(['prepare']);
    expect(asked).toEqual([{ gate: 'servers-go-down', title: 'Servers go down in turn', impact: 's0, s1, s2 go down, 2 minutes each', key: 'servers-go-down' }]);
    expect(out.waiting).toEqual(asked);
  });

  it('APPROVE continues a resting run without asking; the approval and who gave it are kept', async () => {
    const trace: Trace = { calls: [] };
    const first = await run(def(), steps(IDS, trace), data(), { gate: async () => ({ approved: false, by: 'no terminal' }) });
    let asked = 0;
    const next = await run(def(), steps(IDS, trace), data(), {
      start: { snapshot: first.saved, events: [{ type: 'RESUME' }, { type: 'APPROVE', by: 'approve' }] },
      gate: async () => (asked++, { approved: false, by: 'must not be asked' }),
    });
    expect(next.status).toBe('done');
    expect(asked).toBe(0);
    expect(trace.calls).toEqual(['prepare', 'restart@s0', 'restart@s1', 'restart@s2']);
    expect(next.context.approvals).toEqual({ 'servers-go-down': 'approve' });
  });

  it('ASK asks again; a yes continues', async () => {
    const first = await run(def(), steps(IDS, { calls: [] }), data(), { gate: async () => ({ approved: false, by: 'declined' }) });
    const next = await run(def(), steps(IDS, { calls: [] }), data(), {
      start: { snapshot: first.saved, events: [{ type: 'ASK' }] },
      gate: async () => ({ approved: true, by: 'terminal' }),
    });
    expect(next.status).toBe('done');
    expect(next.context.approvals['servers-go-down']).toBe('terminal');
  });

  it('a gate inside a loop is asked per item; an approved item is not asked again when the run is resumed', async () => {
    const perItem = definition([each('servers', 'servers', [gate('down', 'This server goes down', ({ item }) => `${key(item)} for 1 minute`), step('restart', 'restart')], { key })]);
    const asked: string[] = [];
    const first = await run(perItem, steps(['restart'], { calls: [] }), data(), {
      gate: async (r) => (asked.push(r.key), { approved: r.key !== 'down@s1', by: 'terminal' }),
    });
    expect(first.status).toBe('waiting-approval');
    expect(first.waiting.map((w) => w.impact)).toEqual(['s1 for 1 minute']);
    const next = await run(perItem, steps(['restart'], { calls: [] }), data(), {
      start: { snapshot: first.saved, events: [{ type: 'APPROVE', by: '--yes' }] },
      gate: async (r) => (asked.push(r.key), { approved: true, by: 'terminal' }),
    });
    expect(next.status).toBe('done');
    expect(asked).toEqual(['down@s0', 'down@s1', 'down@s2']);
    expect(next.context.approvals).toEqual({ 'down@s0': 'terminal', 'down@s1': '--yes', 'down@s2': 'terminal' });
  });
});
