// Document step 1: an encrypted volume from the encrypted AMI's root snapshot, in each node's AZ.
// All of them exist and are `available` before the first node stops, so no node's downtime
// includes volume creation.

import { clientToken } from '../../aws/client-token.js';
import { TAG, type VolumeInfo } from '../../aws/types.js';
import { WaitFailedError } from '../errors.js';
import type { StepDeps } from '../deps.js';
import { pollUntil } from '../wait.js';
import type { ControllerContext, ControllerNode } from './context.js';

export const ROLE_NEW_ROOT = 'encrypted-root';
const UNUSABLE = new Set(['error', 'deleting', 'deleted']);

export function createVolumes(deps: StepDeps) {
  return async (ctx: ControllerContext, signal: AbortSignal): Promise<Partial<ControllerContext>> => {
    const nodes: ControllerNode[] = [];
    for (const node of ctx.nodes) {
      signal.throwIfAborted();
      nodes.push(node.alreadyEncrypted ? node : { ...node, newVolumeId: await volumeFor(deps, ctx, node) });
    }
    const ids = nodes.flatMap((n) => (n.newVolumeId ? [n.newVolumeId] : []));
    await pollUntil(deps, {
      stepId: 'create-volumes',
      awaits: 'encrypted volumes available',
      deadline: ctx.waitDeadline,
      intervalMs: ctx.pollIntervalMs,
      signal,
      observe: async () => {
        const volumes = await Promise.all(ids.map((id) => deps.aws.describeVolume(id)));
        const broken = volumes.find((v) => v.state === 'error');
        if (broken) {
          throw new WaitFailedError(
            `volume ${broken.volumeId} went to state error (is key ${ctx.keyArn} usable by EC2?); fix the key, then run "avi-encrypt resume" to create it again`,
          );
        }
        const waiting = volumes.filter((v) => v.state !== 'available');
        return { done: waiting.length === 0, value: waiting.length ? `${waiting.length} of ${ids.length} ${waiting[0]!.state}` : 'available' };
      },
    });
    return { nodes };
  };
}

/** Adopts this run's volume for the node if one exists; creates it otherwise. */
async function volumeFor(deps: StepDeps, ctx: ControllerContext, node: ControllerNode): Promise<string> {
  const tags = { [TAG.runId]: ctx.runId, [TAG.role]: ROLE_NEW_ROOT, [TAG.node]: node.ip };
  const existing = await deps.aws.findVolumesByTags(tags);
  const usable = existing.find((v) => !UNUSABLE.has(v.state));
  if (usable) return usable.volumeId;
  // A failed volume keeps its token: EC2 answers that token with the failed (or since deleted)
  // volume, so each attempt after a failure needs the next token.
  for (let attempt = existing.length; attempt < existing.length + MAX_ATTEMPTS; attempt++) {
    const created: VolumeInfo = await deps.aws.createVolume({
      snapshotId: requireValue(ctx.rootSnapshotId, 'rootSnapshotId'),
      availabilityZone: node.availabilityZone,
      kmsKeyId: requireValue(ctx.keyArn, 'keyArn'),
      volumeType: node.volumeType,
      ...(node.iops !== undefined ? { iops: node.iops } : {}),
      ...(node.throughput !== undefined ? { throughput: node.throughput } : {}),
      size: Math.max(node.size, ctx.rootSnapshotSize ?? 0),
      clientToken: clientToken(ctx.runId, `create-volume:${node.ip}:${attempt}`),
      tags: { ...tags, Name: `avi-encrypt root for Controller ${node.ip}` },
    });
    if (!UNUSABLE.has(created.state)) return created.volumeId;
  }
  throw new Error(`EC2 kept answering CreateVolume for node ${node.ip} with failed volumes; check key ${ctx.keyArn}`);
}

const MAX_ATTEMPTS = 5;

function requireValue<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`${name} is not known yet: the preflight steps did not run`);
  return value;
}
