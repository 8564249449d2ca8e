// Putting a node back when its new VM does not join before its deadline: the old VM runs again
// (it was stopped only if it led), the cluster lists the old node in place of the new one (a removed
// follower was re-imaged to factory default, so it joins again with the initial admin password), the
// cluster is READY with it, and the new VM is terminated. Each step looks first, so a re-run acts once.

import { action, wait } from '../effect.js';
import { pollUntil } from '../wait.js';
import type { NewVmNode, NewVmsData } from './context.js';
import { replacementTags } from './launch.js';
import { changeMembership, modelCluster, waitClusterReady, type Deps } from './membership.js';

export function rollbackStartOld(deps: Deps) {
  return action<NewVmsData, NewVmNode>(async (s, signal) => {
    const id = s.item.instanceId;
    let started = false;
    await pollUntil(deps, s, `${id} running`, async () => {
      const { state } = await deps.reads.ec2.describeInstance(id);
      if (state === 'terminated' || state === 'shutting-down') throw new Error(`the old VM ${id} of node ${s.item.ip} is ${state}; it cannot be put back`);
      if (state === 'stopped' && !started) {
        await deps.writes.ec2.startInstance(id);
        started = true;
      }
      return { done: state === 'running', value: state };
    }, signal);
  }, async ({ item }, w) => {
    // From the model: only a node that led had its VM stopped.
    if (item.role === 'leader') await w.ec2.startInstance(item.instanceId);
  });
}

export function rollbackMembership(deps: Deps) {
  return action<NewVmsData, NewVmNode>(async (s, signal) => {
    const cluster = await deps.reads.cluster.getCluster();
    const listed = cluster.nodes.map((n) => n.ip.addr);
    const newIp = s.item.newIp;
    if (listed.includes(s.item.ip) && (!newIp || !listed.includes(newIp))) return { joined: false };
    await changeMembership(deps, s, newIp ?? '', s.item.ip, signal);
    return { joined: false };
  }, async (s, w) => {
    await w.cluster.putCluster(modelCluster(s.data, s.item, s.item.ip));
    return { joined: false };
  });
}

export function rollbackMembersReady(deps: Deps) {
  return wait<NewVmsData, NewVmNode>((s, signal) => waitClusterReady(deps, s, s.item.ip, s.item.newIp ?? '', signal));
}

/** Every live VM this run launched for the node goes; its tags stay, so the next launch takes the next token. */
export function rollbackTerminateNew(deps: Deps) {
  return action<NewVmsData, NewVmNode>(async (s) => {
    const mine = await deps.reads.ec2.findInstancesByTags(replacementTags(s.runId, s.item));
    for (const vm of mine.filter((i) => i.state !== 'terminated' && i.state !== 'shutting-down')) {
      await deps.writes.ec2.terminateInstance(vm.instanceId);
    }
  }, async ({ item }, w) => {
    if (item.newInstanceId) await w.ec2.terminateInstance(item.newInstanceId);
  });
}
