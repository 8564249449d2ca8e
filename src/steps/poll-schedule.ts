// When a wait looks next. A wait that knows how long its change usually takes (E, the documented
// duration, scaled in a rehearsal) looks rarely before E (at most --poll-interval's upper bound
// apart, and at E itself), then often: every 4% of the time waited so far, so a change is noticed
// within ~5% of the wait, backing off as an overdue wait drags on. Always within the bounds.

import type { StepDeps } from './deps.js';

export interface PollBounds {
  /** Never two looks closer than this... */
  minMs: number;
  /** ...nor further apart than this (--poll-interval MIN-MAX). */
  maxMs: number;
}

/** Near and past the expected finish, a look every this share of the time waited. */
export const NEAR_FINISH_SHARE = 0.04;

/** Without pollMinMs, every look is pollIntervalMs apart (a fixed interval). */
export function pollBounds(deps: Pick<StepDeps, 'pollIntervalMs' | 'pollMinMs'>): PollBounds {
  const maxMs = deps.pollIntervalMs;
  return { minMs: Math.min(deps.pollMinMs ?? maxMs, maxMs), maxMs };
}

const clamp = (n: number, b: PollBounds) => Math.min(b.maxMs, Math.max(b.minMs, n));

/**
 * The first look, `elapsed` ms after the change began: at once when nothing is expected or the
 * expected time has passed (a resumed wait); else at the expected finish, or after the upper bound.
 */
export function firstLookIn(elapsed: number, expected: number | undefined, b: PollBounds): number {
  if (expected === undefined || elapsed >= expected) return 0;
  return Math.min(expected - elapsed, b.maxMs);
}

/** The next look after one that did not see the change done, `elapsed` ms after it began. */
export function nextLookIn(elapsed: number, expected: number | undefined, b: PollBounds): number {
  if (expected !== undefined && elapsed < expected) return clamp(expected - elapsed, b);
  return clamp(NEAR_FINISH_SHARE * Math.max(elapsed, expected ?? 0), b);
}

// EC2: RequestLimitExceeded (Query API throttling); KMS and other JSON APIs: ThrottlingException;
// an HTTP 429 from the Controller. Each means "slow down", never "give up".
const THROTTLING = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'TooManyRequestsException']);

export function isThrottling(e: unknown): boolean {
  const { code, status } = (e ?? {}) as { code?: unknown; status?: unknown };
  return (typeof code === 'string' && THROTTLING.has(code)) || status === 429;
}
