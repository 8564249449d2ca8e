// How controller-new-vms shows its targets: the plan's node table and the end-of-run summary, from
// the runbook's data (its verify report is the Controllers' fleet report: ../controller/fleet.ts).

import type { NewVmsData } from './context.js';

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
