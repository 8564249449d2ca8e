// Rollback: a block's compensation runs for the item whose step failed; the run then rests
// `rolled-back` (or `failed` when the rollback itself fails, or with rollback off), saved, and
// RESUME continues: a rolled-back item starts its block again, a failed one its failed step.

import { describe, expect, it } from '@jest/globals';
import { data, definition, each, key, run, step, steps, type Trace } from './fixture.js';
import type { StepRun } from '../../src/engine/run.js';
import type { FixtureData } from './fixture.js';

const boom = (what: string): StepRun<FixtureData> => async () => {
  throw Object.assign(new Error(`${what} broke`), { code: 'Boom' });
};

const serversDef = () => definition([
  each('servers', 'servers', [step('a', 'a'), step('b', 'b')], {
    key, compensate: [step('undo-1', 'undo 1'), step('undo-2', 'undo 2')],
  }),
  step('end', 'end'),
]);
const IDS = ['a', 'b', 'undo-1', 'undo-2', 'end'];

describe('compensation', () => {
  it('a failing step rolls its item back, stops the loop there, and RESUME redoes that item from the top', async () => {
    const trace: Trace = { calls: [] };
    let failOn = 's1';
    const flaky: StepRun<FixtureData> = async (s) => {
      trace.calls.push(`b@${s.key}`);
      if (s.key === failOn) throw new Error(`b broke on ${s.key}`);
    };
    const first = await run(serversDef(), steps(IDS, trace, { b: flaky }), data());
    expect(first.status).toBe('rolled-back');
    expect(first.rolledBack).toEqual(['s1']);
    expect(first.failures).toEqual([expect.objectContaining({ step: 'b', item: 's1', message: 'b broke on s1' })]);
    expect(trace.calls).toEqual(['a@s0', 'b@s0', 'a@s1', 'b@s1', 'undo-1@s1', 'undo-2@s1']);
    expect(first.context.loops['run[0]/servers']?.items.map((i) => i.status)).toEqual(['done', 'rolled-back', 'pending']);

    failOn = 'none';
    trace.calls = [];
    const again = await run(serversDef(), steps(IDS, trace, { b: flaky }), data(), { start: { snapshot: first.saved, events: [{ type: 'RESUME' }] } });
    expect(again.status).toBe('done');
    expect(trace.calls).toEqual(['a@s1', 'b@s1', 'a@s2', 'b@s2', 'end']);
  });

  it('a rollback that fails leaves the run failed with its error; RESUME finishes the rollback, then a second RESUME redoes the item', async () => {
    const trace: Trace = { calls: [] };
    let undoBroken = true;
    const undo2: StepRun<FixtureData> = async (s) => {
      trace.calls.push(`undo-2@${s.key}`);
      if (undoBroken) throw new Error('undo 2 broke');
    };
    const first = await run(serversDef(), steps(IDS, trace, { b: boom('b'), 'undo-2': undo2 }), data());
    expect(first.status).toBe('failed');
    // The rollback's failure first (what needs fixing now), then what made it roll back.
    expect(first.failures).toEqual([
      expect.objectContaining({ step: 'undo-2', item: 's0', message: 'undo 2 broke' }),
      expect.objectContaining({ step: 'b', item: 's0', message: 'b broke', code: 'Boom' }),
    ]);
    expect(first.context.loops['run[0]/servers']?.items[0]).toMatchObject({ status: 'failed', compensating: true, resumeAt: 'undo-2' });

    undoBroken = false;
    trace.calls = [];
    const finish = await run(serversDef(), steps(IDS, trace, { b: boom('b'), 'undo-2': undo2 }), data(), { start: { snapshot: first.saved, events: [{ type: 'RESUME' }] } });
    expect(finish.status).toBe('rolled-back');
    expect(trace.calls).toEqual(['undo-2@s0']);

    trace.calls = [];
    const redo = await run(serversDef(), steps(IDS, trace), data(), { start: { snapshot: finish.saved, events: [{ type: 'RESUME' }] } });
    expect(redo.status).toBe('done');
    expect(trace.calls.slice(0, 2)).toEqual(['a@s0', 'b@s0']);
  });

  it('with rollback off the item is left as it failed, and RESUME re-runs only the failed step', async () => {
    const trace: Trace = { calls: [] };
    const first = await run(serversDef(), steps(IDS, trace, { b: boom('b') }), data(), { rollback: false });
    expect(first.status).toBe('failed');
    expect(trace.calls).toEqual(['a@s0']);
    trace.calls = [];
    const again = await run(serversDef(), steps(IDS, trace), data(), { start: { snapshot: first.saved, events: [{ type: 'RESUME' }] } });
    expect(again.status).toBe('done');
    expect(trace.calls[0]).toBe('b@s0');
  });

  it('a failure inside a nested block rolls back the enclosing item with its block; the inner loop starts afresh on resume', async () => {
    const def = definition([
      each('racks', 'racks', [step('open', 'open'), each('servers', 'servers', [step('work', 'work')], { key })], {
        key, compensate: [step('close', 'close again')],
      }),
    ]);
    const trace: Trace = { calls: [] };
    let broken = true;
    const work: StepRun<FixtureData> = async (s) => {
      trace.calls.push(`work@${s.key}`);
      if (broken && s.key === 'r0/r0s1') throw new Error('work broke');
    };
    const first = await run(def, steps(['open', 'work', 'close'], trace, { work }), data(2, 2));
    expect(first.status).toBe('rolled-back');
    expect(first.rolledBack).toEqual(['r0']);
    expect(first.failures[0]).toMatchObject({ step: 'work', item: 'r0/r0s1' });
    expect(trace.calls).toEqual(['open@r0', 'work@r0/r0s0', 'work@r0/r0s1', 'close@r0']);

    broken = false;
    trace.calls = [];
    const again = await run(def, steps(['open', 'work', 'close'], trace, { work }), data(2, 2), { start: { snapshot: first.saved, events: [{ type: 'RESUME' }] } });
    expect(again.status).toBe('done');
    expect(trace.calls).toEqual(['open@r0', 'work@r0/r0s0', 'work@r0/r0s1', 'open@r1', 'work@r1/r1s0', 'work@r1/r1s1']);
  });
});
