// After the last node: every new VM runs on a root encrypted with the key, the cluster lists
// exactly the new VMs' addresses and is READY, the Elastic IPs are on the new VMs, and the old VMs
// are stopped (or terminated) and say what replaced them.

import { TAG } from '../../aws/types.js';
import type { StepDeps } from '../deps.js';
import { check } from '../effect.js';
import type { Reads } from '../gateways.js';
import type { NewVmsData } from './context.js';

export async function newVmProblems(reads: Reads, data: NewVmsData): Promise<string[]> {
  const problems: string[] = [];
  for (const node of data.nodes) {
    if (!node.newInstanceId) {
      problems.push(`${node.ip}: no new VM recorded`);
      continue;
    }
    const vm = await reads.ec2.describeInstance(node.newInstanceId);
    const root = vm.blockDevices.find((b) => b.device === vm.rootDeviceName);
    const volume = root && (await reads.ec2.describeVolume(root.volumeId));
    if (vm.state !== 'running') problems.push(`${node.ip}: new VM ${vm.instanceId} is ${vm.state}`);
    if (!volume?.encrypted || volume.kmsKeyId !== data.keyArn) problems.push(`${node.ip}: new VM ${vm.instanceId} root is not encrypted with ${data.keyArn}`);
    for (const eip of node.elasticIps) {
      const now = await reads.ec2.describeAddress(eip.allocationId);
      if (now.instanceId !== vm.instanceId) problems.push(`${node.ip}: Elastic IP ${eip.publicIp} is on ${now.instanceId ?? 'nothing'}, not ${vm.instanceId}`);
    }
    const old = await reads.ec2.describeInstance(node.instanceId);
    const retired = data.terminateOld ? old.state === 'terminated' || old.state === 'shutting-down' : old.state === 'stopped';
    if (!retired) problems.push(`${node.ip}: old VM ${old.instanceId} is ${old.state}`);
    if (old.state !== 'terminated' && old.tags[TAG.replacedBy] !== vm.instanceId) problems.push(`${node.ip}: old VM ${old.instanceId} is not tagged as replaced`);
  }
  const listed = (await reads.cluster.getCluster()).nodes.map((n) => n.ip.addr).sort();
  const wanted = data.nodes.map((n) => n.newIp ?? '?').sort();
  if (listed.join() !== wanted.join()) problems.push(`the cluster lists ${listed.join(', ')}, not the new VMs ${wanted.join(', ')}`);
  const state = (await reads.cluster.getClusterRuntime()).cluster_state.state;
  if (state !== 'CLUSTER_UP_HA_ACTIVE') problems.push(`the cluster is ${state}, not CLUSTER_UP_HA_ACTIVE`);
  return problems;
}

export function verifyNewVms(deps: Pick<StepDeps, 'reads'>) {
  return check<NewVmsData, NewVmsData>(async ({ data }) => {
    const problems = await newVmProblems(deps.reads, data);
    if (problems.length) throw new Error(`verification failed: ${problems.join('; ')}`);
    return { verified: true };
  });
}
