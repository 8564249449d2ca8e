// Retrying with exponential backoff and jitter until a deadline: Controllers answer 503 or refuse
// connections for minutes while they boot or re-form a cluster (reference §1.5, §3.3).

import { AsyncLocalStorage } from 'node:async_hooks';
import pRetry, { AbortError } from 'p-retry';
import { AviError } from './types.js';

const insideLook = new AsyncLocalStorage<true>();

/**
 * Runs one look of a wait. Inside it a Controller that answers 503 or not at all is not retried
 * here: the call fails at once with `notYet`, and the wait's own schedule (which knows when the
 * change is expected) decides when to look again, instead of a backoff that knows nothing of it.
 */
export function lookOnce<T>(look: () => Promise<T>): Promise<T> {
  return insideLook.run(true, look);
}

/** A failure worth another attempt. `final` is what the caller sees if the deadline runs out. */
export class Transient extends Error {
  constructor(
    reason: string,
    readonly final: AviError,
  ) {
    super(reason);
    this.name = 'Transient';
  }
}

export interface RetryPolicy {
  deadlineMs: number;
  /** The longest gap between two attempts (default 15 s): a wait's look must not sleep past its own schedule. */
  maxGapMs?: number;
  onRetry?: (info: { attempt: number; reason: string }) => void;
}

/** First backoff scales with the deadline (1 s for the default 120 s) so short deadlines still retry. */
function minTimeoutFor(deadlineMs: number): number {
  return Math.min(1_000, Math.max(20, Math.floor(deadlineMs / 20)));
}

export async function withRetry<T>(attempt: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  if (insideLook.getStore()) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof Transient)) throw err;
      const f = err.final;
      throw new AviError(f.status, f.message, f.kind, f.operation, true);
    }
  }
  const started = performance.now();
  const maxGap = policy.maxGapMs ?? 15_000;
  let attempts = 0;
  try {
    return await pRetry(
      async () => {
        attempts++;
        try {
          return await attempt();
        } catch (err) {
          if (err instanceof Transient) throw err;
          // Everything else (4xx, TLS, auth, bugs) is final: AbortError rethrows the original as is.
          const isError = typeof (err as { message?: unknown } | null)?.message === 'string';
          throw new AbortError(isError ? (err as Error) : new Error(String(err)));
        }
      },
      {
        retries: Number.POSITIVE_INFINITY,
        maxRetryTime: policy.deadlineMs,
        factor: 2,
        minTimeout: Math.min(minTimeoutFor(policy.deadlineMs), maxGap),
        // Keeps polling at least every ~15 s (or maxGapMs) while a Controller reboots.
        maxTimeout: maxGap,
        randomize: true,
        shouldRetry: ({ error, attemptNumber }) => {
          policy.onRetry?.({ attempt: attemptNumber, reason: error.message });
          return true;
        },
      },
    );
  } catch (err) {
    if (!(err instanceof Transient)) throw err;
    if (attempts <= 1) throw err.final;
    const seconds = (performance.now() - started) / 1000;
    const took = seconds < 10 ? seconds.toFixed(1) : Math.round(seconds).toString();
    throw new AviError(err.final.status, `${err.final.message} (gave up after ${attempts} attempts in ${took} s)`, err.final.kind);
  }
}
