// Polling until a real condition holds, against the deadline the language gives every step
// (kept in the run's state, so a resumed run keeps waiting for the same deadline).

import { WaitTimeoutError } from './errors.js';
import type { StepDeps } from './deps.js';
import type { Scope } from './effect.js';

export interface Observation {
  done: boolean;
  /** What was seen, shown in progress ("CLUSTER_UP_HA_NOT_READY", "stopping"). */
  value: string;
}

/** Returns what it sees; throws WaitFailedError for a state that will not change by itself. */
export type Observe = () => Promise<Observation>;

export async function pollUntil(
  deps: Pick<StepDeps, 'sleep' | 'now' | 'pollIntervalMs'>,
  scope: Pick<Scope<unknown, unknown>, 'deadline' | 'report'>,
  awaits: string,
  observe: Observe,
  signal: AbortSignal,
): Promise<string> {
  for (;;) {
    signal.throwIfAborted();
    const seen = await observe();
    scope.report(awaits, seen.value);
    if (seen.done) return seen.value;
    const left = scope.deadline - deps.now();
    if (left <= 0) {
      throw new WaitTimeoutError(
        `timed out waiting for ${awaits} (last seen: ${seen.value}); check it, then run "avi-encrypt resume" to wait again`,
      );
    }
    await deps.sleep(Math.min(deps.pollIntervalMs, left), signal);
  }
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
