// Deletes one leftover of a run, looking first: what is gone already counts as done (a second
// cleanup, or one after a crash, finds nothing to do), and a volume attached again, or a VM that
// runs again or is a cluster member again, since the list was shown is left alone. With the plan's
// recorder as writes this is the dry run.

import { TAG } from '../../aws/types.js';
import type { Reads, Writes } from '../gateways.js';
import { clusterMembers, oldVmKept, type Leftover } from './leftovers.js';

export type Removal = 'deleted' | 'terminated' | 'already gone';

/** A rejection that says the resource is not there any more becomes undefined; any other is rethrown. */
const unlessGone = (code: string) => (e: { code?: string }): undefined => {
  if (e.code === code) return undefined;
  throw e;
};

export async function removeLeftover(reads: Pick<Reads, 'ec2' | 'cluster'>, writes: Pick<Writes, 'ec2'>, runId: string, l: Leftover): Promise<Removal> {
  if (l.kind === 'snapshot') return (await writes.ec2.deleteSnapshot(l.id).then(() => 'deleted' as const, unlessGone('InvalidSnapshot.NotFound'))) ?? 'already gone';
  if (l.kind === 'instance') return terminateOldVm(reads, writes, runId, l.id);
  const volume = await reads.ec2.describeVolume(l.id).catch(unlessGone('InvalidVolume.NotFound'));
  if (!volume || volume.state === 'deleting' || volume.state === 'deleted') return 'already gone';
  if (volume.tags[TAG.runId] !== runId) throw new Error(`volume ${l.id} is no longer tagged ${TAG.runId}=${runId}: left alone`);
  if (volume.state !== 'available') throw new Error(`volume ${l.id} is ${volume.state} now${volume.attachments[0] ? ` (attached to ${volume.attachments[0].instanceId})` : ''}: left alone`);
  await writes.ec2.deleteVolume(l.id);
  return 'deleted';
}

/** An old Controller VM is terminated only while it is still the run's, stopped, and not in the cluster, read again now. */
async function terminateOldVm(reads: Pick<Reads, 'ec2' | 'cluster'>, writes: Pick<Writes, 'ec2'>, runId: string, id: string): Promise<Removal> {
  const vm = await reads.ec2.describeInstance(id).catch(unlessGone('InvalidInstanceID.NotFound'));
  if (!vm || vm.state === 'terminated' || vm.state === 'shutting-down') return 'already gone';
  const keep = oldVmKept(vm, runId, await clusterMembers(reads));
  if (keep) throw new Error(`instance ${id}: ${keep}: left alone`);
  await writes.ec2.terminateInstance(id);
  return 'terminated';
}
