// Document steps 5-6, once every node is replaced and the cluster is READY: the Elastic IPs that
// were associated directly with an old VM move to its replacement (the cluster VIP is the
// Controller's own), then the old VMs are stopped, or terminated with --terminate-old, each tagged
// with the VM that replaced it.

import { TAG } from '../../aws/types.js';
import type { StepDeps } from '../deps.js';
import { action, wait } from '../effect.js';
import { WaitFailedError } from '../errors.js';
import { pollUntil } from '../wait.js';
import { markerKey } from '../controller/claim.js';
import { newInstanceOf, type NewVmNode, type NewVmsData, type NodeScope } from './context.js';

type Deps = Pick<StepDeps, 'reads' | 'writes' | 'sleep' | 'now' | 'pollIntervalMs'>;

export function moveAddresses(deps: Deps) {
  return action<NewVmsData, NewVmNode>(async ({ item }) => {
    const to = newInstanceOf(item);
    for (const eip of item.elasticIps) {
      const now = await deps.reads.ec2.describeAddress(eip.allocationId);
      if (now.instanceId !== to) await deps.writes.ec2.associateAddress(eip.allocationId, to);
    }
  }, async ({ item }, w) => {
    for (const eip of item.elasticIps) await w.ec2.associateAddress(eip.allocationId, newInstanceOf(item));
  });
}

const retiredState = (s: NodeScope) => (s.data.terminateOld ? 'terminated' : 'stopped');

export function retireOld(deps: Deps) {
  const tag = (s: NodeScope, w: Pick<StepDeps['writes'], 'ec2'>) =>
    w.ec2.tagResources([s.item.instanceId], {
      [TAG.replacedBy]: newInstanceOf(s.item), [TAG.runId]: s.runId, [TAG.role]: 'replaced-controller', [TAG.node]: s.item.ip,
    });
  return action<NewVmsData, NewVmNode>(async (s) => {
    const { state } = await deps.reads.ec2.describeInstance(s.item.instanceId);
    if (state !== 'terminated' && state !== 'shutting-down') await tag(s, deps.writes);
    if (s.data.terminateOld) {
      if (state === 'terminated' || state === 'shutting-down') return;
      // A terminated instance soon leaves EC2: this run's marker goes before it does.
      await deps.writes.ec2.untagResources([s.item.instanceId], [markerKey(s.runId)]);
      await deps.writes.ec2.terminateInstance(s.item.instanceId);
    } else if (state === 'running') {
      await deps.writes.ec2.stopInstance(s.item.instanceId);
    }
  }, async (s, w) => {
    await tag(s, w);
    if (s.data.terminateOld) {
      await w.ec2.untagResources([s.item.instanceId], [markerKey(s.runId)]);
      await w.ec2.terminateInstance(s.item.instanceId);
    }
    // The leader's old VM was stopped already, to hand leadership over.
    else if (s.item.role !== 'leader') await w.ec2.stopInstance(s.item.instanceId);
  });
}

export function oldRetired(deps: Deps) {
  return wait<NewVmsData, NewVmNode>(async (s, signal) => {
    const want = retiredState(s);
    await pollUntil(deps, s, `${s.item.instanceId} ${want}`, async () => {
      const { state } = await deps.reads.ec2.describeInstance(s.item.instanceId);
      if (want === 'stopped' && (state === 'terminated' || state === 'shutting-down')) {
        throw new WaitFailedError(`the old VM ${s.item.instanceId} of node ${s.item.ip} is ${state}, not stopped; nothing more to do for it`);
      }
      return { done: state === want, value: state };
    }, signal);
  });
}

/** The end of the run: this run's marker comes off the old VMs that are still there (terminated ones lost it already). */
export function releaseOldNodes(deps: Pick<StepDeps, 'reads' | 'writes'>) {
  return action<NewVmsData, NewVmsData>(async (s) => {
    const live: string[] = [];
    for (const n of s.data.nodes) {
      const { state } = await deps.reads.ec2.describeInstance(n.instanceId);
      if (state !== 'terminated' && state !== 'shutting-down') live.push(n.instanceId);
    }
    await deps.writes.ec2.untagResources(live, [markerKey(s.runId)]);
  }, async (s, w) => {
    if (!s.data.terminateOld) await w.ec2.untagResources(s.data.nodes.map((n) => n.instanceId), [markerKey(s.runId)]);
  });
}
