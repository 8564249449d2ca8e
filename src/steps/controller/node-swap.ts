// Document steps 3-6 for one node: shut it down, detach the old root, attach the encrypted
// one at the same device, keep DeleteOnTermination, start it. Each action first looks at
// what is already true, so a step re-run after a crash does not act twice.

import { TAG } from '../../aws/types.js';
import { WaitFailedError } from '../errors.js';
import type { StepDeps } from '../deps.js';
import { pollUntil } from '../wait.js';
import { currentNode, type ControllerContext } from './context.js';

type Effect = (ctx: ControllerContext, signal: AbortSignal) => Promise<Partial<ControllerContext>>;

const waitFor = (deps: StepDeps, stepId: string, awaits: string, ctx: ControllerContext, signal: AbortSignal) =>
  (observe: () => Promise<{ done: boolean; value: string }>) =>
    pollUntil(deps, { stepId, awaits, deadline: ctx.waitDeadline, intervalMs: ctx.pollIntervalMs, signal, observe });

export function stopNode(deps: StepDeps): Effect {
  return async (ctx) => {
    const node = currentNode(ctx);
    const instance = await deps.aws.describeInstance(node.instanceId);
    if (instance.state !== 'stopped' && instance.state !== 'stopping') await deps.aws.stopInstance(node.instanceId);
    return {};
  };
}

export function nodeStopped(deps: StepDeps): Effect {
  return async (ctx, signal) => {
    const node = currentNode(ctx);
    await waitFor(deps, 'node-stopped', `${node.instanceId} stopped`, ctx, signal)(async () => {
      const { state } = await deps.aws.describeInstance(node.instanceId);
      if (state === 'terminated' || state === 'shutting-down') {
        throw new WaitFailedError(`instance ${node.instanceId} (${node.ip}) is ${state}; it cannot be migrated`);
      }
      return { done: state === 'stopped', value: state };
    });
    return {};
  };
}

export function detachOldRoot(deps: StepDeps): Effect {
  return async (ctx) => {
    const node = currentNode(ctx);
    const old = await deps.aws.describeVolume(node.oldVolumeId);
    const attached = old.attachments.find((a) => a.instanceId === node.instanceId && a.state === 'attached');
    if (attached) await deps.aws.detachVolume(node.oldVolumeId, node.instanceId, attached.device);
    return {};
  };
}

export function oldRootDetached(deps: StepDeps): Effect {
  return async (ctx, signal) => {
    const node = currentNode(ctx);
    await waitFor(deps, 'old-root-detached', `${node.oldVolumeId} detached`, ctx, signal)(async () => {
      const old = await deps.aws.describeVolume(node.oldVolumeId);
      return { done: old.state === 'available', value: old.attachments[0]?.state ?? old.state };
    });
    return {};
  };
}

export function attachNewRoot(deps: StepDeps): Effect {
  return async (ctx) => {
    const node = currentNode(ctx);
    const volumeId = newVolumeOf(node);
    const fresh = await deps.aws.describeVolume(volumeId);
    const already = fresh.attachments.some((a) => a.instanceId === node.instanceId && a.device === node.rootDevice);
    if (!already) await deps.aws.attachVolume(volumeId, node.instanceId, node.rootDevice);
    return {};
  };
}

export function newRootAttached(deps: StepDeps): Effect {
  return async (ctx, signal) => {
    const node = currentNode(ctx);
    const volumeId = newVolumeOf(node);
    await waitFor(deps, 'new-root-attached', `${volumeId} attached at ${node.rootDevice}`, ctx, signal)(async () => {
      const fresh = await deps.aws.describeVolume(volumeId);
      const a = fresh.attachments.find((x) => x.instanceId === node.instanceId && x.device === node.rootDevice);
      return { done: a?.state === 'attached', value: a?.state ?? fresh.state };
    });
    return {};
  };
}

/** AttachVolume always sets DeleteOnTermination=false; the node keeps what its old root had. */
export function keepDeleteOnTermination(deps: StepDeps): Effect {
  return async (ctx) => {
    const node = currentNode(ctx);
    const instance = await deps.aws.describeInstance(node.instanceId);
    const root = instance.blockDevices.find((b) => b.device === node.rootDevice);
    if (root?.deleteOnTermination !== node.deleteOnTermination) {
      await deps.aws.setDeleteOnTermination(node.instanceId, node.rootDevice, node.deleteOnTermination);
    }
    return {};
  };
}

/**
 * Starts the node and waits until it runs. One step, not two: a start that falls back to
 * `stopped` (an unusable key) must be sent again when the run is resumed after the fix.
 */
export function startNode(deps: StepDeps): Effect {
  return async (ctx, signal) => {
    const node = currentNode(ctx);
    const before = await deps.aws.describeInstance(node.instanceId);
    if (before.state === 'stopped') await deps.aws.startInstance(node.instanceId);
    // A node already starting (a resumed step) has been through pending; one still stopping has not.
    let sawPending = before.state === 'pending' || before.state === 'running';
    let polls = 0;
    await waitFor(deps, 'start-node', `${node.instanceId} running`, ctx, signal)(async () => {
      const now = await deps.aws.describeInstance(node.instanceId);
      polls += 1;
      if (now.state === 'pending') sawPending = true;
      // The first look may still show the previous stop's reason; a later one is this start's.
      const failedLaunch = now.stateReason?.code === 'Client.InternalError' && polls > 1;
      if (now.state === 'stopped' && (sawPending || failedLaunch)) {
        const reason = now.stateReason ? `${now.stateReason.code}: ${now.stateReason.message}` : 'no reason given';
        throw new WaitFailedError(
          `instance ${node.instanceId} (${node.ip}) fell back to stopped (${reason}); check that key ${ctx.keyArn} is Enabled and EC2 may use it, then run "avi-encrypt resume"`,
        );
      }
      return { done: now.state === 'running', value: now.state };
    });
    return {};
  };
}

/** The old root is kept, tagged with what replaced it; nothing is deleted. */
export function tagOldRoot(deps: StepDeps): Effect {
  return async (ctx) => {
    const node = currentNode(ctx);
    await deps.aws.tagResources([node.oldVolumeId], {
      [TAG.replacedBy]: newVolumeOf(node),
      [TAG.runId]: ctx.runId,
      [TAG.role]: 'replaced-root',
      [TAG.node]: node.ip,
    });
    return {};
  };
}

function newVolumeOf(node: { newVolumeId?: string; ip: string }): string {
  if (!node.newVolumeId) throw new Error(`no encrypted volume recorded for node ${node.ip}`);
  return node.newVolumeId;
}
