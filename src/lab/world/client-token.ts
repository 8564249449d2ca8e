// ClientToken idempotency (EC2 API "Ensuring idempotency"): the same token with the same parameters
// answers with what the first request made; with other parameters, IdempotentParameterMismatch.

import type { LabWorld } from './world.js';
import { AwsFault } from '../aws/fault.js';

/** JSON with object keys sorted at every depth, so parameter order never matters. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function idempotent<T>(
  world: LabWorld,
  action: string,
  token: string | undefined,
  asked: unknown,
  replay: (ids: string[]) => T,
  create: () => { result: T; ids: string[] },
): T {
  if (token === undefined) return create().result;
  const key = `${action}:${token}`;
  const fingerprint = canonical(asked);
  const earlier = world.clientTokens.get(key);
  if (earlier) {
    if (earlier.fingerprint !== fingerprint) {
      throw new AwsFault('IdempotentParameterMismatch',
        `The client token '${token}' was used with different parameters in a previous request.`);
    }
    return replay(earlier.ids);
  }
  const made = create();
  world.clientTokens.set(key, { fingerprint, ids: made.ids });
  return made.result;
}
