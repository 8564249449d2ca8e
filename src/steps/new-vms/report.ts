// How controller-new-vms shows its targets: the plan's node table, the end-of-run summary and the
// verify report, all from the runbook's data.

import type { Reads } from '../gateways.js';
import type { NewVmsData } from './context.js';
import { newVmProblems } from './verify.js';

export function newVmTargets(data: NewVmsData) {
  return data.nodes.map((n) => ({
    key: n.ip,
    detail: n,
    line: `${n.ip.padEnd(15)} ${n.role.padEnd(8)} ${n.instanceId}  ${n.subnetId} ${n.availabilityZone}  ${n.instanceType}  -> new VM from ${data.launchImageId ?? '?'}, root encrypted${n.elasticIps.length ? `; Elastic IP ${n.elasticIps.map((e) => e.publicIp).join(', ')} moves` : ''}`,
  }));
}

export function newVmSummary(data: NewVmsData): string[] {
  const old = data.terminateOld ? 'terminated' : 'stopped';
  return [
    `done: the Controller cluster runs on ${data.nodes.length} new VMs whose roots are encrypted with ${data.keyArn}`,
    ...data.nodes.map((n) => `  ${n.ip.padEnd(15)} ${n.instanceId} (${old})  ->  ${(n.newIp ?? '?').padEnd(15)} ${n.newInstanceId ?? '?'}`),
  ];
}

export async function verifyNewVmReport(reads: Reads, data: NewVmsData) {
  const problems = await newVmProblems(reads, data);
  return { ok: problems.length === 0, lines: problems.length ? problems : data.nodes.map((n) => `${n.newIp}: new VM ${n.newInstanceId}, root encrypted with ${data.keyArn}`) };
}
