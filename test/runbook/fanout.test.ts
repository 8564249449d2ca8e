// Fan-out: concurrency N works on up to N items at once, each with its own scope. A failure in
// one lane lets the others finish their item but start no new one; RESUME finishes the rest.

import { describe, expect, it } from '@jest/globals';
import type { StepRun } from '../../src/engine/run.js';
import { data, definition, each, key, run, step, type FixtureData } from './fixture.js';

const six = (): FixtureData => ({ ...data(0), servers: Array.from({ length: 6 }, (_, i) => ({ name: `s${i}` })) });

describe('fan-out', () => {
  it('concurrency 3 runs three items at once, never more, and every item once', async () => {
    let running = 0;
    let most = 0;
    const done: string[] = [];
    const work: StepRun<FixtureData> = async (s) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 15));
      running--;
      done.push(s.key);
      return { provisioned: true };
    };
    const def = definition([each('servers', 'servers', [step('work', 'work')], { key, concurrency: 3 })]);
    const out = await run(def, { work }, six());
    expect(out.status).toBe('done');
    expect(most).toBe(3);
    expect(done.sort()).toEqual(['s0', 's1', 's2', 's3', 's4', 's5']);
    expect(out.context.data.servers.every((x) => x.provisioned)).toBe(true);
  });

  it('a failing item halts the loop: lanes finish what they hold, claim nothing new; RESUME finishes', async () => {
    let broken = true;
    const started: string[] = [];
    const work: StepRun<FixtureData> = async (s) => {
      started.push(s.key);
      await new Promise((r) => setTimeout(r, s.key === 's1' ? 5 : 25));
      if (broken && s.key === 's1') throw new Error('s1 broke');
    };
    const def = definition([each('servers', 'servers', [step('work', 'work')], { key, concurrency: 3 })]);
    const first = await run(def, { work }, six(), { rollback: false });
    expect(first.status).toBe('failed');
    expect(started.sort()).toEqual(['s0', 's1', 's2']);
    expect(first.context.loops['run[0]/servers']?.items.map((i) => i.status)).toEqual(['done', 'failed', 'done', 'pending', 'pending', 'pending']);
    broken = false;
    started.length = 0;
    const again = await run(def, { work }, six(), { start: { snapshot: first.saved, events: [{ type: 'RESUME' }] } });
    expect(again.status).toBe('done');
    expect(started.sort()).toEqual(['s1', 's3', 's4', 's5']);
  });

  it('nested fan-out keeps each outer item\'s inner loop apart (2 racks at once, their servers one at a time)', async () => {
    const order: string[] = [];
    const work: StepRun<FixtureData> = async (s) => {
      order.push(`+${s.key}`);
      await new Promise((r) => setTimeout(r, 10));
      order.push(`-${s.key}`);
    };
    const def = definition([each('racks', 'racks', [each('servers', 'servers', [step('work', 'work')], { key })], { key, concurrency: 2 })]);
    const out = await run(def, { work }, data(2, 3));
    expect(out.status).toBe('done');
    // Within a rack, a server starts only after the previous one ended.
    for (const rack of ['r0', 'r1']) {
      const mine = order.filter((o) => o.slice(1).startsWith(`${rack}/`));
      expect(mine).toEqual(mine.map((_, i) => `${i % 2 ? '-' : '+'}${rack}/${rack}s${Math.floor(i / 2)}`));
    }
    // The racks overlap.
    expect(order.indexOf('+r1/r1s0')).toBeLessThan(order.indexOf('-r0/r0s2'));
  });
});
