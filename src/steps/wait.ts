// Polling until a real condition holds, against a deadline kept in the run context so a
// resumed run keeps waiting for the same deadline instead of starting over.

import { WaitTimeoutError } from './errors.js';
import type { StepDeps } from './deps.js';

export interface Observation {
  done: boolean;
  /** What was seen, shown in progress ("CLUSTER_UP_HA_NOT_READY", "stopping"). */
  value: string;
}

export interface PollOptions {
  stepId: string;
  awaits: string;
  deadline: number | undefined;
  intervalMs: number;
  signal: AbortSignal;
  /** Returns what it sees; throws WaitFailedError for a state that will not change by itself. */
  observe: () => Promise<Observation>;
}

export async function pollUntil(deps: Pick<StepDeps, 'onWait' | 'sleep' | 'now'>, o: PollOptions): Promise<string> {
  const deadline = o.deadline ?? deps.now();
  for (;;) {
    o.signal.throwIfAborted();
    const seen = await o.observe();
    deps.onWait(o.stepId, o.awaits, seen.value);
    if (seen.done) return seen.value;
    if (deps.now() >= deadline) {
      throw new WaitTimeoutError(
        `timed out waiting for ${o.awaits} (last seen: ${seen.value}); check it, then run "avi-encrypt resume" to wait again`,
      );
    }
    await deps.sleep(Math.min(o.intervalMs, Math.max(0, deadline - deps.now())) || o.intervalMs, o.signal);
  }
}
