// Two runs on the same cluster double the volumes, whatever URL or state dir each was given.
// The local lock cannot see another host or state dir; EC2 tags are what every run sees. A run
// marks the node instances with its own key before its first change and removes it at the end;
// a run that finds another run's marker, or another run's unattached encrypted roots, refuses.

import { TAG, type InstanceInfo } from '../../aws/types.js';
import type { StepDeps } from '../deps.js';
import { action, type Scope } from '../effect.js';
import { ClaimConflictError } from '../errors.js';
import { ROLE_NEW_ROOT } from './volumes.js';

/** What a claim needs of a runbook's data: the nodes' instances (both Controller runbooks have them). */
export interface ClaimData {
  nodes: Array<{ ip: string; instanceId: string }>;
}
type RunScope<D extends ClaimData> = Scope<D, D>;

/** Contention (two runs marking at the same moment) is retried this often before refusing. */
const CLAIM_ATTEMPTS = 5;

export const markerKey = (runId: string): string => `${TAG.inFlightPrefix}${runId}`;

/** Run ids of the other runs whose marker is on these instances. */
function otherMarkers(instances: InstanceInfo[], runId: string): string[] {
  const keys = instances.flatMap((i) => Object.keys(i.tags));
  const ids = keys.filter((k) => k.startsWith(TAG.inFlightPrefix)).map((k) => k.slice(TAG.inFlightPrefix.length));
  return [...new Set(ids)].filter((id) => id !== runId).sort();
}

/**
 * Marks the node instances as this run's. Safe against a run starting at the same moment: a run
 * goes on only if, after writing its own marker, it sees no other. When runs see each other, the
 * smallest run id stays and waits for the others' markers to go; the others withdraw (and then
 * find its marker and refuse). A total order, not random pauses alone, so a busy machine whose
 * timers fire together cannot make every run withdraw every time.
 */
export function claimNodes<D extends ClaimData>(deps: Pick<StepDeps, 'reads' | 'writes' | 'sleep'>) {
  const run = async (s: RunScope<D>, signal: AbortSignal) => {
    const ids = s.data.nodes.map((n) => n.instanceId);
    const mine = markerKey(s.runId);
    const describe = () => Promise.all(ids.map((id) => deps.reads.ec2.describeInstance(id)));
    const read = async () => otherMarkers(await describe(), s.runId);
    const pause = () => deps.sleep(500 + Math.floor(Math.random() * 1500), signal);
    for (let attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
      signal.throwIfAborted();
      await refuseOthers(deps.reads, s.runId, s.data.nodes, await describe());
      await deps.writes.ec2.tagResources(ids, { [mine]: 'in-flight' });
      let contenders = await read();
      // The smallest id among the contenders stays: the others are withdrawing.
      for (let look = 0; look < CLAIM_ATTEMPTS && contenders.length && contenders.every((id) => id > s.runId); look++) {
        await pause();
        contenders = await read();
      }
      if (contenders.length === 0) return;
      await deps.writes.ec2.untagResources(ids, [mine]);
      await pause();
    }
    throw new ClaimConflictError(
      `another avi-encrypt run kept marking instances ${ids.join(', ')} at the same moment; run avi-encrypt status on every host that migrates this cluster, then try again`,
    );
  };
  return action<D, D>(run, async (s, w) => {
    await w.ec2.tagResources(s.data.nodes.map((n) => n.instanceId), { [markerKey(s.runId)]: 'in-flight' });
  });
}

/** Refuses (ClaimConflictError) when another run's marker, or its unattached encrypted roots, are on these nodes. */
export async function refuseOthers(reads: StepDeps['reads'], runId: string, nodes: Array<{ ip: string }>, instances: InstanceInfo[]): Promise<void> {
  const others = otherMarkers(instances, runId);
  if (others.length) {
    const ids = instances.map((i) => i.instanceId).join(', ');
    throw new ClaimConflictError(
      `run ${others.join(', ')} is unfinished on this cluster (marker ${markerKey(others[0]!)} on ${ids}); finish it with avi-encrypt resume ${others[0]} where it was started, or if it was abandoned remove that tag from the instances`,
    );
  }
  const ips = new Set(nodes.map((n) => n.ip));
  const leftovers = (await reads.ec2.findVolumesByTags({ [TAG.role]: ROLE_NEW_ROOT }))
    .filter((v) => v.tags[TAG.runId] !== runId && ips.has(v.tags[TAG.node] ?? '') && v.attachments.length === 0);
  if (leftovers.length) {
    const run = leftovers[0]!.tags[TAG.runId] ?? 'unknown';
    throw new ClaimConflictError(
      `run ${run} left encrypted root volumes ${leftovers.map((v) => v.volumeId).join(', ')} unattached for these nodes; finish it with avi-encrypt resume ${run}, or if it was abandoned delete those volumes`,
    );
  }
}

/** The end of the run: the cluster is no longer this run's. */
export function releaseNodes<D extends ClaimData>(deps: Pick<StepDeps, 'writes'>) {
  const release = async (s: RunScope<D>, w: Pick<StepDeps['writes'], 'ec2'>) => {
    await w.ec2.untagResources(s.data.nodes.map((n) => n.instanceId), [markerKey(s.runId)]);
  };
  return action<D, D>((s) => release(s, deps.writes), release);
}
