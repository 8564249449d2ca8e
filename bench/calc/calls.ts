// API calls against the fewest that would do: every write the run made, one read per kind per step
// (a batched Describe over many ids, one Avi collection query), and for a step that polls, that
// many reads once per --poll-interval upper bound of its duration (the longest the user lets a wait
// go unlooked-at). Reads outside any step (login, lock, identity) count the same on both sides.

import type { LabRequest } from '../../src/lab/world/types.js';
import type { Invocation } from './windows.js';

/** What a read is of: the EC2/KMS operation (one call can name many ids), or the Avi collection (uuid.in takes many). */
export function readKind(r: Pick<LabRequest, 'service' | 'operation'>): string {
  if (r.service !== 'avi') return `${r.service} ${r.operation}`;
  const [method, path = ''] = r.operation.split(' ');
  // /api/virtualservice/<uuid> -> /api/virtualservice; /api/cloud/<uuid>/status -> /api/cloud/*/status
  const parts = path.split('/').map((p) => (/[0-9a-f]{8}-[0-9a-f]{4}-/i.test(p) ? '*' : p));
  while (parts.at(-1) === '*') parts.pop();
  return `${method} ${parts.join('/')}`;
}

export interface CallCount {
  actual: number;
  minimal: number;
}

/** Requests are attributed to a step by time: for runs that work on one item at a time. */
export function callCounts(invocations: Invocation[], requests: LabRequest[], pollMaxMs: number): CallCount {
  const at = (r: LabRequest) => Date.parse(r.at);
  const inStep = new Set<LabRequest>();
  let minimal = 0;
  for (const inv of invocations) {
    const mine = requests.filter((r) => at(r) >= inv.start && at(r) <= inv.end);
    mine.forEach((r) => inStep.add(r));
    const writes = mine.filter((r) => r.mutating).length;
    const kinds = new Set(mine.filter((r) => !r.mutating).map(readKind)).size;
    const looks = inv.polled ? Math.max(1, Math.ceil((inv.end - inv.start) / pollMaxMs)) : 1;
    minimal += writes + kinds * looks;
  }
  const outside = requests.filter((r) => !inStep.has(r)).length;
  return { actual: requests.length, minimal: minimal + outside };
}
