// Document steps 3-6 for one node: shut it down, detach the old root, attach the encrypted one
// at the same device, keep DeleteOnTermination, start it. Each action first looks at what is
// already true, so a step re-run after a crash does not act twice. The same pieces, pointed at
// the other volume, put a node back as it was (rollback.ts).

import { TAG } from '../../aws/types.js';
import { WaitFailedError } from '../errors.js';
import type { StepDeps } from '../deps.js';
import { action, wait } from '../effect.js';
import { pollUntil } from '../wait.js';
import { newVolumeOf, type ControllerData, type ControllerNode, type NodeScope } from './context.js';

type Deps = Pick<StepDeps, 'reads' | 'writes' | 'sleep' | 'now' | 'pollIntervalMs'>;
/** Which volume a step moves: the node's old root or its new encrypted one. */
export type VolumeOf = (node: ControllerNode) => string;
export const oldRoot: VolumeOf = (n) => n.oldVolumeId;
export const newRoot: VolumeOf = newVolumeOf;

export function stopNode(deps: Deps) {
  return action<ControllerData, ControllerNode>(
    async ({ item: node }) => {
      const instance = await deps.reads.ec2.describeInstance(node.instanceId);
      if (instance.state !== 'stopped' && instance.state !== 'stopping') await deps.writes.ec2.stopInstance(node.instanceId);
    },
    ({ item: node }, w) => w.ec2.stopInstance(node.instanceId),
  );
}

export function nodeStopped(deps: Deps) {
  return wait<ControllerData, ControllerNode>(async (s, signal) => {
    const node = s.item;
    await pollUntil(deps, s, `${node.instanceId} stopped`, async () => {
      const { state } = await deps.reads.ec2.describeInstance(node.instanceId);
      if (state === 'terminated' || state === 'shutting-down') {
        throw new WaitFailedError(`instance ${node.instanceId} (${node.ip}) is ${state}; it cannot be migrated`);
      }
      return { done: state === 'stopped', value: state };
    }, signal);
  });
}

export function detachRoot(deps: Deps, which: VolumeOf) {
  return action<ControllerData, ControllerNode>(
    async ({ item: node }) => {
      const volume = await deps.reads.ec2.describeVolume(which(node));
      const attached = volume.attachments.find((a) => a.instanceId === node.instanceId && a.state === 'attached');
      if (attached) await deps.writes.ec2.detachVolume(volume.volumeId, node.instanceId, attached.device);
    },
    ({ item: node }, w) => w.ec2.detachVolume(which(node), node.instanceId, node.rootDevice),
  );
}

export function rootDetached(deps: Deps, which: VolumeOf) {
  return wait<ControllerData, ControllerNode>(async (s, signal) => {
    const volumeId = which(s.item);
    await pollUntil(deps, s, `${volumeId} detached`, async () => {
      const volume = await deps.reads.ec2.describeVolume(volumeId);
      const mine = volume.attachments.find((a) => a.instanceId === s.item.instanceId);
      return { done: !mine, value: mine?.state ?? volume.state };
    }, signal);
  });
}

export function attachRoot(deps: Deps, which: VolumeOf) {
  return action<ControllerData, ControllerNode>(
    async ({ item: node }) => {
      const volume = await deps.reads.ec2.describeVolume(which(node));
      const already = volume.attachments.some((a) => a.instanceId === node.instanceId && a.device === node.rootDevice);
      if (!already) await deps.writes.ec2.attachVolume(volume.volumeId, node.instanceId, node.rootDevice);
    },
    ({ item: node }, w) => w.ec2.attachVolume(which(node), node.instanceId, node.rootDevice),
  );
}

export function rootAttached(deps: Deps, which: VolumeOf) {
  return wait<ControllerData, ControllerNode>(async (s, signal) => {
    const node = s.item;
    const volumeId = which(node);
    await pollUntil(deps, s, `${volumeId} attached at ${node.rootDevice}`, async () => {
      const volume = await deps.reads.ec2.describeVolume(volumeId);
      const a = volume.attachments.find((x) => x.instanceId === node.instanceId && x.device === node.rootDevice);
      return { done: a?.state === 'attached', value: a?.state ?? volume.state };
    }, signal);
  });
}

/** AttachVolume always sets DeleteOnTermination=false; the node keeps what its old root had. */
export function keepDeleteOnTermination(deps: Deps) {
  return action<ControllerData, ControllerNode>(
    async ({ item: node }) => {
      const instance = await deps.reads.ec2.describeInstance(node.instanceId);
      const root = instance.blockDevices.find((b) => b.device === node.rootDevice);
      if (root?.deleteOnTermination !== node.deleteOnTermination) {
        await deps.writes.ec2.setDeleteOnTermination(node.instanceId, node.rootDevice, node.deleteOnTermination);
      }
    },
    // From the model: the attachment starts with false, so only a node whose root had true needs the call.
    async ({ item: node }, w) => {
      if (node.deleteOnTermination) await w.ec2.setDeleteOnTermination(node.instanceId, node.rootDevice, true);
    },
  );
}

/**
 * Starts the node and waits until it runs. One step, not two: a start that falls back to
 * `stopped` (an unusable key) must be sent again when the run is resumed after the fix.
 * On its original (unencrypted) root, the rollback's start cannot fail for the key: the message
 * must not send the operator to the key then.
 */
export function startNode(deps: Deps, root: 'encrypted' | 'original' = 'encrypted') {
  return action<ControllerData, ControllerNode>(async (s, signal) => {
    const node = s.item;
    const before = await deps.reads.ec2.describeInstance(node.instanceId);
    if (before.state === 'stopped') await deps.writes.ec2.startInstance(node.instanceId);
    // A node already starting (a resumed step) has been through pending; one still stopping has not.
    let sawPending = before.state === 'pending' || before.state === 'running';
    let polls = 0;
    await pollUntil(deps, s, `${node.instanceId} running`, async () => {
      const now = await deps.reads.ec2.describeInstance(node.instanceId);
      polls += 1;
      if (now.state === 'pending') sawPending = true;
      // The first look may still show the previous stop's reason; a later one is this start's.
      const failedLaunch = now.stateReason?.code === 'Client.InternalError' && polls > 1;
      if (now.state === 'stopped' && (sawPending || failedLaunch)) {
        const fix = root === 'encrypted'
          ? `check that key ${s.data.keyArn} is Enabled and EC2 may use it`
          : 'it is on its original root: fix what the state reason says';
        throw new WaitFailedError(`instance ${node.instanceId} (${node.ip}) fell back to stopped (${stateReason(now.stateReason)}); ${fix}, then run "avi-encrypt resume"`);
      }
      return { done: now.state === 'running', value: now.state };
    }, signal);
  }, ({ item: node }, w) => w.ec2.startInstance(node.instanceId));
}

/** AWS's state reason message often repeats its code ("Client.InternalError: Client error on launch"): say it once. */
function stateReason(r: { code?: string; message?: string } | undefined): string {
  if (!r) return 'no reason given';
  return r.message?.startsWith(`${r.code ?? ''}:`) ? r.message : `${r.code}: ${r.message}`;
}

/** The old root is kept, tagged with what replaced it; nothing is deleted. */
export function tagOldRoot(deps: Deps) {
  const tag = (s: NodeScope, w: Pick<StepDeps['writes'], 'ec2'>) =>
    w.ec2.tagResources([s.item.oldVolumeId], {
      [TAG.replacedBy]: newVolumeOf(s.item),
      [TAG.runId]: s.runId,
      [TAG.role]: 'replaced-root',
      [TAG.node]: s.item.ip,
    });
  return action<ControllerData, ControllerNode>((s) => tag(s, deps.writes), tag);
}
