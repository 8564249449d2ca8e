// Adaptive waits: a wait that knows its expected duration looks rarely before it (at most the
// upper bound apart) and often after it (every 4% of the time waited), within the bounds;
// throttling doubles the gap; the finished wait reports expected, actual and looks.
import { describe, expect, it } from '@jest/globals';
import { AwsError } from '../../src/aws/types.js';
import { AviError } from '../../src/avi/types.js';
import type { WaitTiming } from '../../src/steps/effect.js';
import { firstLookIn, isThrottling, nextLookIn } from '../../src/steps/poll-schedule.js';
import { pollUntil, type Observation } from '../../src/steps/wait.js';
import { signal } from './helpers.js';

const B = { minMs: 1_000, maxMs: 60_000 };

describe('the poll schedule', () => {
  it('first look: at the expected finish, or after the upper bound; at once when nothing is expected or it is already due', () => {
    expect(firstLookIn(0, 30_000, B)).toBe(30_000);
    expect(firstLookIn(0, 300_000, B)).toBe(60_000);
    expect(firstLookIn(10_000, 30_000, B)).toBe(20_000);
    expect(firstLookIn(40_000, 30_000, B)).toBe(0);
    expect(firstLookIn(0, undefined, B)).toBe(0);
  });

  it('then: straight to the expected finish before it; every 4% of the time waited after it, within the bounds', () => {
    expect(nextLookIn(240_000, 300_000, B)).toBe(60_000);
    expect(nextLookIn(290_000, 300_000, B)).toBe(10_000);
    expect(nextLookIn(300_000, 300_000, B)).toBe(12_000);
    expect(nextLookIn(600_000, 300_000, B)).toBe(24_000);
    expect(nextLookIn(30_000, 30_000, B)).toBe(1_200);
    expect(nextLookIn(5_000, 5_000, B)).toBe(1_000); // never below the lower bound
    expect(nextLookIn(3_600_000, 300_000, B)).toBe(60_000); // nor above the upper one
    expect(nextLookIn(30_000, 30_000, { minMs: 10_000, maxMs: 10_000 })).toBe(10_000); // a fixed interval
  });

  it('throttling: EC2 RequestLimitExceeded, KMS ThrottlingException, a Controller 429; not other failures', () => {
    expect(isThrottling(new AwsError('RequestLimitExceeded', 'DescribeInstances failed', 'DescribeInstances'))).toBe(true);
    expect(isThrottling(new AwsError('ThrottlingException', 'DescribeKey failed', 'DescribeKey'))).toBe(true);
    expect(isThrottling(new AviError(429, 'too many requests', 'http'))).toBe(true);
    expect(isThrottling(new AwsError('IncorrectState', 'no', 'StopInstances'))).toBe(false);
    expect(isThrottling(new AviError(503, 'unavailable', 'http'))).toBe(false);
  });
});

/** A wait on a fake clock: `answers` are what each look sees (an Error is thrown). */
function waitFor(answers: Array<Observation | Error>, opts: { expectedMs?: number; startedAt?: number; since?: number; deadlineIn?: number } = {}) {
  const clock = { t: 1_000_000, sleeps: [] as number[] };
  const deps = { pollIntervalMs: B.maxMs, pollMinMs: B.minMs, now: () => clock.t, sleep: async (ms: number) => { clock.sleeps.push(ms); clock.t += ms; } };
  const reports: string[] = [];
  const timings: WaitTiming[] = [];
  const scope = {
    deadline: clock.t + (opts.deadlineIn ?? 3_600_000), startedAt: opts.startedAt ?? clock.t, ...(opts.expectedMs === undefined ? {} : { expectedMs: opts.expectedMs }),
    report: (_: string, seen: string) => void reports.push(seen), timed: (t: WaitTiming) => void timings.push(t),
  };
  let i = 0;
  const observe = async () => {
    const a = answers[Math.min(i++, answers.length - 1)]!;
    if (a instanceof Error) throw a;
    return a;
  };
  const done = pollUntil(deps, scope, 'ready', observe, signal(), opts.since === undefined ? {} : { since: opts.since });
  return { done, clock, reports, timings };
}
const no = (value = 'not yet'): Observation => ({ done: false, value });
const yes: Observation = { done: true, value: 'ready' };

describe('an adaptive wait', () => {
  it('done when expected: one look, after sleeping the expected time; its timing is reported', async () => {
    const w = waitFor([yes], { expectedMs: 30_000 });
    await w.done;
    expect(w.clock.sleeps).toEqual([30_000]);
    expect(w.timings).toEqual([{ awaits: 'ready', expectedMs: 30_000, actualMs: 30_000, looks: 1 }]);
  });

  it('a long wait looks every upper bound until due, then every 4% of the time waited', async () => {
    const w = waitFor([no(), no(), no(), no(), no(), no(), yes], { expectedMs: 300_000 });
    await w.done;
    expect(w.clock.sleeps).toEqual([60_000, 60_000, 60_000, 60_000, 60_000, 12_000, 12_480]);
    expect(w.timings[0]).toMatchObject({ actualMs: 324_480, looks: 7 });
  });

  it('a resumed wait, or one whose change began before it (since), looks at once', async () => {
    const resumed = waitFor([yes], { expectedMs: 30_000, startedAt: 1_000_000 - 45_000 });
    await resumed.done;
    expect(resumed.clock.sleeps).toEqual([]);
    const deleted = waitFor([no(), yes], { expectedMs: 30_000, since: 1_000_000 - 29_000 });
    await deleted.done;
    expect(deleted.clock.sleeps).toEqual([1_000, 1_200]);
  });

  it('throttled looks back off, doubling the gap within the bounds, and the wait goes on', async () => {
    const throttle = new AwsError('RequestLimitExceeded', 'DescribeInstances failed: RequestLimitExceeded', 'DescribeInstances');
    const w = waitFor([no(), throttle, throttle, throttle, yes], { expectedMs: 30_000 });
    await w.done;
    expect(w.clock.sleeps).toEqual([30_000, 1_200, 2_400, 4_800, 9_600]);
    expect(w.reports.filter((r) => r.startsWith('throttled (RequestLimitExceeded)'))).toHaveLength(3);
    expect(w.timings[0]).toMatchObject({ looks: 5, throttled: 3 });
  });

  it('any other failure ends the wait at once', async () => {
    const w = waitFor([no(), new AwsError('UnauthorizedOperation', 'no', 'DescribeInstances')], { expectedMs: 5_000 });
    await expect(w.done).rejects.toMatchObject({ code: 'UnauthorizedOperation' });
  });

  it('throttled until the deadline: times out like any wait', async () => {
    const throttle = new AviError(429, 'slow down', 'http');
    const w = waitFor([throttle], { expectedMs: 5_000, deadlineIn: 20_000 });
    await expect(w.done).rejects.toThrow(/timed out waiting for ready \(last seen: throttled/);
  });

  it('a Controller not answering yet (503 inside a look) is "not yet": the next look keeps the wait\'s own schedule', async () => {
    const busy = new AviError(503, 'HTTP 503 on GET /api/cluster/runtime', 'unreachable', 'GET /api/cluster/runtime', true);
    const w = waitFor([no(), busy, busy, yes], { expectedMs: 30_000 });
    await w.done;
    expect(w.clock.sleeps).toEqual([30_000, 1_200, 1_248, 1_297.92]); // 4% of the time waited, as for any look
    expect(w.reports.filter((r) => r.startsWith('Controller not answering yet'))).toHaveLength(2);
    // The same 503 outside a look (a failure the client already retried to its deadline) ends the wait.
    const spent = waitFor([no(), new AviError(503, 'gave up after 9 attempts', 'unreachable')], { expectedMs: 5_000 });
    await expect(spent.done).rejects.toThrow(/gave up/);
  });

  it('not answering until the deadline: times out naming it', async () => {
    const busy = new AviError(503, 'HTTP 503', 'unreachable', undefined, true);
    const w = waitFor([busy], { expectedMs: 5_000, deadlineIn: 20_000 });
    await expect(w.done).rejects.toThrow(/timed out waiting for ready \(last seen: Controller not answering yet/);
  });
});
