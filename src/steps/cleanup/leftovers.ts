// What a run kept for after it is verified (the document's swap path, step 9: "delete the old
// unencrypted snapshots and volumes"), found by the run's own tags only: avi-encrypt:run-id=<run>
// and a role that says "kept, to delete once verified". Nothing without both tags is ever listed.

import { TAG, type Tags } from '../../aws/types.js';
import type { Reads } from '../gateways.js';

/** The roles a run gives what it keeps: the old roots it replaced, the temporary snapshots it made. */
export const KEPT_ROLES = { volume: 'replaced-root', snapshot: 'temporary-snapshot' } as const;

export interface Leftover {
  kind: 'volume' | 'snapshot';
  id: string;
  /** What it is, for the list the SRE approves ("old root of 10.10.1.11, replaced by vol-0abc"). */
  what: string;
  /** Listed but not deleted, and why (attached again, still in use). */
  keep?: string;
}

const runTags = (runId: string, role: string): Tags => ({ [TAG.runId]: runId, [TAG.role]: role });

export async function findLeftovers(reads: Pick<Reads, 'ec2'>, runId: string): Promise<Leftover[]> {
  const out: Leftover[] = [];
  for (const v of await reads.ec2.findVolumesByTags(runTags(runId, KEPT_ROLES.volume))) {
    const by = v.tags[TAG.replacedBy];
    const node = v.tags[TAG.node] ? ` of ${v.tags[TAG.node]}` : '';
    const what = `old root${node}${by ? `, replaced by ${by}` : ''} (${v.size} GiB, ${v.encrypted ? 'encrypted' : 'unencrypted'})`;
    const attached = v.attachments.find((a) => a.state !== 'detached');
    const keep = !by ? `it has no ${TAG.replacedBy} tag` : attached ? `it is attached to ${attached.instanceId} at ${attached.device} again` : v.state !== 'available' ? `it is ${v.state}` : undefined;
    out.push({ kind: 'volume', id: v.volumeId, what, ...(keep ? { keep } : {}) });
  }
  for (const s of await reads.ec2.findSnapshotsByTags(runTags(runId, KEPT_ROLES.snapshot))) {
    const keep = s.state === 'pending' ? 'it is still pending' : undefined;
    out.push({ kind: 'snapshot', id: s.snapshotId, what: `temporary snapshot (${s.volumeSize} GiB)`, ...(keep ? { keep } : {}) });
  }
  return out;
}
