// Document step 1: an encrypted volume from the encrypted AMI's root snapshot, in each node's AZ.
// All of them exist and are `available` before the first node stops, so no node's downtime
// includes volume creation.

import { clientToken } from '../../aws/client-token.js';
import { TAG, type CreateVolumeRequest, type Ec2Writes, type VolumeInfo } from '../../aws/types.js';
import { WaitFailedError } from '../errors.js';
import type { StepDeps } from '../deps.js';
import { action } from '../effect.js';
import { pollUntil } from '../wait.js';
import { requireValue, type ControllerData, type ControllerNode, type RunScope } from './context.js';

export const ROLE_NEW_ROOT = 'encrypted-root';
const UNUSABLE = new Set(['error', 'deleting', 'deleted']);
const MAX_ATTEMPTS = 5;

export function createVolumes(deps: Pick<StepDeps, 'reads' | 'writes' | 'sleep' | 'now' | 'pollIntervalMs'>) {
  const run = async (s: RunScope, signal: AbortSignal) => {
    const { data } = s;
    const nodes: ControllerNode[] = [];
    for (const node of data.nodes) {
      signal.throwIfAborted();
      nodes.push(node.alreadyEncrypted ? node : { ...node, newVolumeId: await volumeFor(deps, s, node) });
    }
    const ids = nodes.flatMap((n) => (n.newVolumeId ? [n.newVolumeId] : []));
    await pollUntil(deps, s, 'encrypted volumes available', async () => {
      // One call for all (volume-id filter); a volume this run just created may not be listed yet (eventual consistency).
      const volumes = await deps.reads.ec2.describeVolumes(ids);
      const unseen = ids.filter((id) => !volumes.some((v) => v.volumeId === id));
      if (unseen.length) return { done: false, value: `${unseen.length} of ${ids.length} not visible yet` };
      const broken = volumes.find((v) => v.state === 'error');
      if (broken) {
        throw new WaitFailedError(
          `volume ${broken.volumeId} went to state error (is key ${data.keyArn} usable by EC2?); fix the key, then run "avi-encrypt resume" to create it again`,
        );
      }
      // In use is past available: a re-run after its node took it (a resumed run) finds it attached.
      const waiting = volumes.filter((v) => v.state !== 'available' && v.state !== 'in-use');
      return { done: waiting.length === 0, value: waiting.length ? `${waiting.length} of ${ids.length} ${waiting[0]!.state}` : 'available' };
    }, signal);
    return { nodes };
  };
  const plan = async (s: RunScope, w: { ec2: Ec2Writes }) => {
    const nodes: ControllerNode[] = [];
    for (const node of s.data.nodes) {
      nodes.push(node.alreadyEncrypted ? node : { ...node, newVolumeId: (await w.ec2.createVolume(requestFor(s, node, 0))).volumeId });
    }
    return { nodes };
  };
  return action<ControllerData, ControllerData>(run, plan);
}

const tagsFor = (runId: string, node: ControllerNode) => ({ [TAG.runId]: runId, [TAG.role]: ROLE_NEW_ROOT, [TAG.node]: node.ip });

function requestFor(s: RunScope, node: ControllerNode, attempt: number): CreateVolumeRequest {
  return {
    snapshotId: requireValue(s.data.rootSnapshotId, 'rootSnapshotId'),
    availabilityZone: node.availabilityZone,
    kmsKeyId: requireValue(s.data.keyArn, 'keyArn'),
    volumeType: node.volumeType,
    ...(node.iops !== undefined ? { iops: node.iops } : {}),
    ...(node.throughput !== undefined ? { throughput: node.throughput } : {}),
    size: Math.max(node.size, s.data.rootSnapshotSize ?? 0),
    clientToken: clientToken(s.runId, `create-volume:${node.ip}:${attempt}`),
    tags: { ...tagsFor(s.runId, node), Name: `avi-encrypt root for Controller ${node.ip}` },
  };
}

/** Adopts this run's volume for the node if one exists; creates it otherwise. */
async function volumeFor(deps: Pick<StepDeps, 'reads' | 'writes'>, s: RunScope, node: ControllerNode): Promise<string> {
  const existing = await deps.reads.ec2.findVolumesByTags(tagsFor(s.runId, node));
  const usable = existing.find((v) => !UNUSABLE.has(v.state));
  if (usable) return usable.volumeId;
  // A failed volume keeps its token: EC2 answers that token with the failed (or since deleted)
  // volume, so each attempt after a failure needs the next token.
  for (let attempt = existing.length; attempt < existing.length + MAX_ATTEMPTS; attempt++) {
    const created: VolumeInfo = await deps.writes.ec2.createVolume(requestFor(s, node, attempt));
    if (!UNUSABLE.has(created.state)) return created.volumeId;
  }
  throw new Error(`EC2 kept answering CreateVolume for node ${node.ip} with failed volumes; check key ${s.data.keyArn}`);
}
