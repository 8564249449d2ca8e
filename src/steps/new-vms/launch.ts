// Document steps 1-2: a new Controller VM per node, launched like the old one (subnet, security
// groups, type, instance profile, tags) with its root encrypted with the key, and running. Each
// launch first looks for this run's tagged VM for the node, so a re-run adopts it; the ClientToken
// (run, node, attempt) makes a launch re-sent after a crash answer with the same VM.

import { clientToken } from '../../aws/client-token.js';
import type { LaunchRequest } from '../../aws/launch-types.js';
import { TAG, type InstanceInfo } from '../../aws/types.js';
import type { StepDeps } from '../deps.js';
import { action } from '../effect.js';
import { WaitFailedError } from '../errors.js';
import { pollUntil } from '../wait.js';
import { requireValue, type NewVmNode, type NewVmsData, type NodeScope } from './context.js';

export const ROLE_REPLACEMENT = 'controller-replacement';
const GONE = new Set(['shutting-down', 'terminated']);
const MAX_ATTEMPTS = 5;

type Deps = Pick<StepDeps, 'reads' | 'writes' | 'sleep' | 'now' | 'pollIntervalMs'>;

export const replacementTags = (runId: string, node: NewVmNode) => ({ [TAG.runId]: runId, [TAG.role]: ROLE_REPLACEMENT, [TAG.node]: node.ip });

export function launchRequest(s: NodeScope, attempt: number): LaunchRequest {
  const { data, item: node } = s;
  const req: LaunchRequest = {
    imageId: requireValue(data.launchImageId, 'launchImageId'),
    instanceType: node.instanceType,
    subnetId: node.subnetId,
    securityGroupIds: node.securityGroupIds,
    root: {
      device: requireValue(data.launchRootDevice, 'launchRootDevice'),
      kmsKeyId: requireValue(data.keyArn, 'keyArn'),
      deleteOnTermination: node.deleteOnTermination,
      volumeType: node.volumeType,
      volumeSize: Math.max(node.size, data.launchSnapshotSize ?? 0),
      ...(node.iops !== undefined ? { iops: node.iops } : {}),
      ...(node.throughput !== undefined ? { throughput: node.throughput } : {}),
    },
    clientToken: clientToken(s.runId, `launch:${node.ip}:${attempt}`),
    tags: { ...node.userTags, ...replacementTags(s.runId, node), [TAG.replaces]: node.instanceId },
    volumeTags: { [TAG.runId]: s.runId, [TAG.role]: 'replacement-root', [TAG.node]: node.ip },
  };
  if (node.iamInstanceProfileArn) req.iamInstanceProfileArn = node.iamInstanceProfileArn;
  return req;
}

/** This run's live VM for the node, or a new one. A terminated one keeps its token: the next attempt gets the next. */
async function adoptOrLaunch(deps: Deps, s: NodeScope): Promise<InstanceInfo> {
  const mine = await deps.reads.ec2.findInstancesByTags(replacementTags(s.runId, s.item));
  const live = mine.find((i) => !GONE.has(i.state));
  if (live) return live;
  for (let attempt = mine.length; attempt < mine.length + MAX_ATTEMPTS; attempt++) {
    try {
      const launched = await deps.writes.ec2.runInstance(launchRequest(s, attempt));
      if (!GONE.has(launched.state)) return launched;
    } catch (e) {
      // The token's instance was terminated (a rolled-back launch no longer listed): the next token is free.
      if ((e as { code?: string }).code !== 'IdempotentInstanceTerminated') throw e;
    }
  }
  throw new Error(`EC2 kept answering RunInstances for node ${s.item.ip} with terminated instances`);
}

/**
 * Launches (or adopts) the node's new VM and waits until it runs with its root encrypted with the
 * key. One step, not two: a launch that ends terminated (an unusable key) is launched anew on resume.
 */
export function launchReplacement(deps: Deps) {
  return action<NewVmsData, NewVmNode>(async (s, signal) => {
    const vm = await adoptOrLaunch(deps, s);
    const keyArn = s.data.keyArn;
    let privateIp = vm.privateIp;
    let started = false;
    await pollUntil(deps, s, `${vm.instanceId} running`, async () => {
      const now = await deps.reads.ec2.describeInstance(vm.instanceId);
      privateIp = now.privateIp ?? privateIp;
      const reason = now.stateReason ? `${now.stateReason.code}: ${now.stateReason.message}` : 'no reason given';
      if (GONE.has(now.state) || (now.state === 'stopped' && started)) {
        throw new WaitFailedError(
          `the new VM ${vm.instanceId} for node ${s.item.ip} ended ${now.state} (${reason}); check that key ${keyArn} is Enabled and EC2 may use it, then run "avi-encrypt resume" to launch it again`,
        );
      }
      // This run's VM, stopped since (by hand, say): started again rather than replaced.
      if (now.state === 'stopped') {
        await deps.writes.ec2.startInstance(vm.instanceId);
        started = true;
        return { done: false, value: 'stopped: starting it' };
      }
      if (now.state !== 'running') return { done: false, value: now.state };
      const root = now.blockDevices.find((b) => b.device === now.rootDeviceName);
      const volume = root && (await deps.reads.ec2.describeVolume(root.volumeId));
      if (!volume?.encrypted || volume.kmsKeyId !== keyArn) {
        throw new WaitFailedError(`the new VM ${vm.instanceId} for node ${s.item.ip} runs on root ${root?.volumeId ?? '(none)'}, which is not encrypted with ${keyArn}; terminate it, then resume`);
      }
      return { done: true, value: `running, root ${volume.volumeId} encrypted` };
    }, signal);
    if (!privateIp) throw new Error(`EC2 reports no private IP for the new VM ${vm.instanceId}`);
    return { newInstanceId: vm.instanceId, newIp: privateIp };
  }, async (s, w) => {
    // In a plan a VM launched earlier in the same plan (the launches block) is not launched twice.
    if (s.item.newInstanceId) return;
    const vm = await w.ec2.runInstance(launchRequest(s, 0));
    return { newInstanceId: vm.instanceId, newIp: vm.privateIp ?? '' };
  });
}
