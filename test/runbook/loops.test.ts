// The language's loops: blocks in a row each run every item (a fresh cursor per block), blocks
// nest (rack -> server), items are passed over by `skip`, and outputs patch only their own item.

import { describe, expect, it } from '@jest/globals';
import { data, definition, each, key, run, step, steps, type Trace } from './fixture.js';

describe('each', () => {
  it('two blocks in a row over the same collection each run every item', async () => {
    const def = definition([
      each('servers', 'first pass', [step('a', 'a')], { key }),
      each('servers', 'second pass', [step('b', 'b')], { key, id: 'servers-again' }),
      step('end', 'end'),
    ]);
    const trace: Trace = { calls: [] };
    const out = await run(def, steps(['a', 'b', 'end'], trace), data());
    expect(out.status).toBe('done');
    expect(trace.calls).toEqual(['a@s0', 'a@s1', 'a@s2', 'b@s0', 'b@s1', 'b@s2', 'end']);
  });

  it('nests: every server of every rack, one rack at a time, the rack step around its servers', async () => {
    const def = definition([
      each('racks', 'each rack', [
        step('open-rack', 'open'),
        each('servers', 'each server of the rack', [step('work', 'work')], { key }),
        step('close-rack', 'close'),
      ], { key }),
    ]);
    const trace: Trace = { calls: [] };
    const out = await run(def, steps(['open-rack', 'work', 'close-rack'], trace), data(2, 2));
    expect(out.status).toBe('done');
    expect(trace.calls).toEqual([
      'open-rack@r0', 'work@r0/r0s0', 'work@r0/r0s1', 'close-rack@r0',
      'open-rack@r1', 'work@r1/r1s0', 'work@r1/r1s1', 'close-rack@r1',
    ]);
  });

  it('an output patches its own item only, by path, even nested', async () => {
    const def = definition([each('racks', 'racks', [each('servers', 'servers', [step('mark', 'mark')], { key })], { key })]);
    const trace: Trace = { calls: [] };
    const out = await run(def, steps(['mark'], trace, { mark: async (s) => ({ provisioned: key(s.item) !== 'r1s0' }) }), data(2, 2));
    expect(out.context.data.racks.map((r) => r.servers.map((x) => x.provisioned))).toEqual([[true, true], [false, true]]);
    expect(out.context.data.servers.every((x) => x.provisioned === undefined)).toBe(true);
  });

  it('skip passes items over; when passes steps over; an empty collection runs nothing', async () => {
    const def = definition([
      each('servers', 'servers', [step('a', 'a'), step('b', 'b', { when: ({ item }) => key(item) !== 's2' })], { key, skip: ({ item }) => key(item) === 's1' }),
      each('racks', 'racks', [step('never', 'never')], { key }),
    ]);
    const trace: Trace = { calls: [] };
    const out = await run(def, steps(['a', 'b', 'never'], trace), { ...data(0), racks: [] });
    expect(out.status).toBe('done');
    expect(trace.calls).toEqual(['a@s0', 'b@s0', 'a@s2']);
    expect(out.context.loops['run[0]/servers']?.items.map((i) => i.status)).toEqual(['done', 'skipped', 'done']);
  });

  it('a step id used twice is refused when the machine is built', async () => {
    await expect(run(definition([step('a', 'a'), step('a', 'again')]), {}, data())).rejects.toThrow(/step id a is used twice/);
  });
});
