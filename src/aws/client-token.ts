import { createHash } from 'node:crypto';

const PREFIX = 'avi-encrypt-';

/**
 * Idempotency token for one step of one run. EC2 accepts up to 64 ASCII characters; hashing keeps
 * arbitrary run ids and step names inside that limit, and the same (run, step) always yields the
 * same token, so a resumed step cannot create a second resource where EC2 honours ClientToken.
 */
export function clientToken(runId: string, step: string): string {
  if (!runId || !step) throw new Error('clientToken needs a run id and a step name');
  // NUL separator: ("ab", "c") and ("a", "bc") must not collide.
  const digest = createHash('sha256').update(`${runId}\0${step}`).digest('hex');
  return PREFIX + digest.slice(0, 48);
}
