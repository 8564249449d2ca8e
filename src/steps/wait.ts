// Polling until a real condition holds, against the deadline the language gives every step
// (kept in the run's state, so a resumed run keeps waiting for the same deadline). A wait that
// knows how long its change takes (the step's documented `expected` duration) looks rarely
// before then and often around it; throttling slows it down. poll-schedule.ts has the rule.

import { AviError } from '../avi/types.js';
import { lookOnce } from '../avi/retry.js';
import { WaitTimeoutError } from './errors.js';
import type { StepDeps } from './deps.js';
import type { Scope } from './effect.js';
import { firstLookIn, isThrottling, nextLookIn, pollBounds, type PollBounds } from './poll-schedule.js';

export interface Observation {
  done: boolean;
  /** What was seen, shown in progress ("CLUSTER_UP_HA_NOT_READY", "stopping"). */
  value: string;
}

/** Returns what it sees; throws WaitFailedError for a state that will not change by itself. */
export type Observe = () => Promise<Observation>;

export interface PollOptions {
  /** Epoch ms the awaited change began, when that was before this step (a delete made by an earlier step). */
  since?: number;
}

export async function pollUntil(
  deps: Pick<StepDeps, 'sleep' | 'now' | 'pollIntervalMs' | 'pollMinMs'>,
  scope: Pick<Scope<unknown, unknown>, 'deadline' | 'report'> & Partial<Pick<Scope<unknown, unknown>, 'startedAt' | 'expectedMs' | 'timed'>>,
  awaits: string,
  observe: Observe,
  signal: AbortSignal,
  opts: PollOptions = {},
): Promise<string> {
  const bounds: PollBounds = pollBounds(deps);
  const began = deps.now();
  const since = Math.min(opts.since ?? Infinity, scope.startedAt ?? began);
  const expected = scope.expectedMs;
  let looks = 0;
  let throttled = 0;
  let gap = firstLookIn(began - since, expected, bounds);
  for (;;) {
    const left = scope.deadline - deps.now();
    if (gap > 0) await deps.sleep(Math.max(0, Math.min(gap, left)), signal);
    signal.throwIfAborted();
    looks++;
    let seen: Observation;
    try {
      seen = await lookOnce(observe);
    } catch (e) {
      if (e instanceof AviError && e.notYet) {
        // Re-forming, failing over or booting: the Controller answers again in its own time.
        seen = { done: false, value: `Controller not answering yet (${e.message})` };
        scope.report(awaits, seen.value);
        if (scope.deadline - deps.now() <= 0) throw timedOut(awaits, seen);
        gap = nextLookIn(deps.now() - since, expected, bounds);
        continue;
      }
      if (!isThrottling(e)) throw e;
      // Refused for the request rate: look again later, each time twice as late (within the bounds).
      throttled++;
      gap = Math.min(bounds.maxMs, Math.max(gap, bounds.minMs) * 2);
      seen = { done: false, value: `throttled (${(e as { code?: string }).code ?? 'rate exceeded'}); looking again in ${Math.round(gap / 1000)} s` };
      scope.report(awaits, seen.value);
      if (scope.deadline - deps.now() <= 0) throw timedOut(awaits, seen);
      continue;
    }
    scope.report(awaits, seen.value);
    if (seen.done) {
      scope.timed?.({ awaits, ...(expected === undefined ? {} : { expectedMs: expected }), actualMs: deps.now() - since, looks, ...(throttled ? { throttled } : {}) });
      return seen.value;
    }
    if (scope.deadline - deps.now() <= 0) throw timedOut(awaits, seen);
    gap = nextLookIn(deps.now() - since, expected, bounds);
  }
}

function timedOut(awaits: string, seen: Observation): WaitTimeoutError {
  return new WaitTimeoutError(
    `timed out waiting for ${awaits} (last seen: ${seen.value}); check it, then run "avi-encrypt resume" to wait again`,
  );
}

/**
 * EC2 is eventually consistent: a resource this run has just created can answer NotFound for a
 * while (AWS: "Eventual consistency in the EC2 API"). A wait on it treats that as not there
 * yet, up to its deadline, instead of failing (and never creates it again: that is the
 * ClientToken's job).
 */
export function whileInvisible(observe: Observe): Observe {
  return async () => {
    try {
      return await observe();
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'string' && code.endsWith('.NotFound')) return { done: false, value: `not visible yet (${code})` };
      throw e;
    }
  };
}
