// Deletes one leftover of a run, looking first: what is gone already counts as done (a second
// cleanup, or one after a crash, finds nothing to do), and a volume that was attached again since
// the list was shown is left alone. With the plan's recorder as writes this is the dry run.

import { TAG } from '../../aws/types.js';
import type { Reads, Writes } from '../gateways.js';
import type { Leftover } from './leftovers.js';

export type Removal = 'deleted' | 'already gone';

const gone = (e: { code?: string }, code: string): Removal => {
  if (e.code === code) return 'already gone';
  throw e;
};

export async function removeLeftover(reads: Pick<Reads, 'ec2'>, writes: Pick<Writes, 'ec2'>, runId: string, l: Leftover): Promise<Removal> {
  if (l.kind === 'snapshot') return writes.ec2.deleteSnapshot(l.id).then(() => 'deleted' as const, (e: { code?: string }) => gone(e, 'InvalidSnapshot.NotFound'));
  const volume = await reads.ec2.describeVolume(l.id).catch((e: { code?: string }) => {
    if (e.code === 'InvalidVolume.NotFound') return undefined;
    throw e;
  });
  if (!volume || volume.state === 'deleting' || volume.state === 'deleted') return 'already gone';
  if (volume.tags[TAG.runId] !== runId) throw new Error(`volume ${l.id} is no longer tagged ${TAG.runId}=${runId}: left alone`);
  if (volume.state !== 'available') throw new Error(`volume ${l.id} is ${volume.state} now${volume.attachments[0] ? ` (attached to ${volume.attachments[0].instanceId})` : ''}: left alone`);
  await writes.ec2.deleteVolume(l.id);
  return 'deleted';
}
