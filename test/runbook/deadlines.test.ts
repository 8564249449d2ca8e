// Every step gets a deadline from the language, per item, whatever its metadata: a polling step
// declared without `awaits` polls until its deadline. A crash keeps the deadline (the in-flight
// step restarts against it); RESUME after a failure gives a fresh one (the step is entered anew).

import { describe, expect, it } from '@jest/globals';
import { WaitTimeoutError } from '../../src/steps/errors.js';
import { pollUntil } from '../../src/steps/wait.js';
import type { StepRun } from '../../src/engine/run.js';
import { data, definition, each, key, run, step, type FixtureData } from './fixture.js';

const realDeps = { pollIntervalMs: 5, now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

describe('deadlines', () => {
  it('a polling step without awaits metadata waits until its deadline, not one look', async () => {
    let looks = 0;
    const poll: StepRun<FixtureData> = async (s, signal) => {
      await pollUntil(realDeps, s, 'ready', async () => ({ done: ++looks >= 4, value: `look ${looks}` }), signal);
    };
    const out = await run(definition([step('poll', 'poll, declared as a plain step')]), { poll }, data(), { timeoutMs: 5_000 });
    expect(out.status).toBe('done');
    expect(looks).toBe(4);
  });

  it('each item gets its own deadline, from when its step began', async () => {
    const seen: Array<{ key: string; deadline: number; at: number }> = [];
    const mark: StepRun<FixtureData> = async (s) => {
      seen.push({ key: s.key, deadline: s.deadline, at: Date.now() });
      await new Promise((r) => setTimeout(r, 20));
    };
    await run(definition([each('servers', 'servers', [step('mark', 'mark')], { key })]), { mark }, data(), { timeoutMs: 1_000 });
    expect(seen.map((x) => x.key)).toEqual(['s0', 's1', 's2']);
    for (const x of seen) expect(x.deadline - x.at).toBeGreaterThan(950);
    expect(seen[2]!.deadline - seen[0]!.deadline).toBeGreaterThanOrEqual(40);
  });

  it('a timed-out wait fails at its deadline; RESUME gives a fresh deadline, a crash restart keeps the old one', async () => {
    const deadlines: number[] = [];
    let ready = false;
    const waitStep: StepRun<FixtureData> = async (s, signal) => {
      deadlines.push(s.deadline);
      await pollUntil(realDeps, s, 'ready', async () => ({ done: ready, value: ready ? 'ready' : 'not yet' }), signal);
    };
    const def = definition([step('wait-ready', 'wait for ready')]);
    const failed = await run(def, { 'wait-ready': waitStep }, data(), { timeoutMs: 60 });
    expect(failed.status).toBe('failed');
    expect(failed.failures[0]).toMatchObject({ step: 'wait-ready', name: WaitTimeoutError.name });

    // A crash while the wait is in flight: stop mid-wait, restore the saved (in-flight) snapshot.
    const abort = new AbortController();
    let inFlight: unknown;
    const interrupted = run(def, { 'wait-ready': async (s, signal) => {
      deadlines.push(s.deadline);
      setTimeout(() => abort.abort(), 10);
      await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('stopped'))));
    } }, data(), { start: { snapshot: failed.saved, events: [{ type: 'RESUME' }] }, signal: abort.signal, timeoutMs: 60, onSnapshot: (s) => (inFlight = s) });
    expect((await interrupted).status).toBe('interrupted');
    await new Promise((r) => setTimeout(r, 30));
    ready = true;
    const crashed = await run(def, { 'wait-ready': waitStep }, data(), { start: { snapshot: inFlight }, timeoutMs: 60 });
    expect(crashed.status).toBe('done');

    const [first, resumed, restarted] = deadlines as [number, number, number];
    expect(resumed).toBeGreaterThan(first + 50); // fresh: entered again after the failure
    expect(restarted).toBe(resumed); // same deadline: the crash restart is the same entry
  });
});
