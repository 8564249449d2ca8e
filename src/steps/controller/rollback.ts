// Putting a node back as it was when its swap fails (a start that falls back to stopped, a
// node that never reaches cluster READY): its original root at the same device, with the
// original DeleteOnTermination, started, and back in the cluster. Each step looks first: a
// node whose old root is still attached and running needs nothing, and a re-run acts once.

import type { StepDeps } from '../deps.js';
import { action, wait } from '../effect.js';
import { pollUntil } from '../wait.js';
import type { ControllerData, ControllerNode } from './context.js';

type Deps = Pick<StepDeps, 'reads' | 'writes' | 'sleep' | 'now' | 'pollIntervalMs'>;

/** The node still runs on its old root: the swap never touched it, there is nothing to undo. */
async function untouched(deps: Deps, node: ControllerNode): Promise<{ yes: boolean; state: string }> {
  const instance = await deps.reads.ec2.describeInstance(node.instanceId);
  const root = instance.blockDevices.find((b) => b.device === node.rootDevice)?.volumeId;
  return { yes: root === node.oldVolumeId && (instance.state === 'running' || instance.state === 'pending'), state: instance.state };
}

export function rollbackStopNode(deps: Deps) {
  return action<ControllerData, ControllerNode>(
    async (s, signal) => {
      const node = s.item;
      // EC2 refuses to stop an instance that never reached running (IncorrectInstanceState), as one
      // whose start timed out may be: wait for its start to end, in running or back in stopped.
      let now = await untouched(deps, node);
      if (now.state === 'pending' && !now.yes) {
        await pollUntil(deps, s, `${node.instanceId} out of pending`, async () => {
          now = await untouched(deps, node);
          return { done: now.state !== 'pending' || now.yes, value: now.state };
        }, signal);
      }
      if (now.yes || now.state === 'stopped' || now.state === 'stopping') return;
      await deps.writes.ec2.stopInstance(node.instanceId);
    },
    ({ item: node }, w) => w.ec2.stopInstance(node.instanceId),
  );
}

export function rollbackNodeStopped(deps: Deps) {
  return wait<ControllerData, ControllerNode>(async (s, signal) => {
    const node = s.item;
    await pollUntil(deps, s, `${node.instanceId} stopped (or untouched)`, async () => {
      const now = await untouched(deps, node);
      return { done: now.yes || now.state === 'stopped', value: now.yes ? 'untouched, running on its old root' : now.state };
    }, signal);
  });
}
