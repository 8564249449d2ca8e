// Document step 1: "Ensure that the SE-Group and AWS account has sufficient capacity (for VMs and
// management-IPs) to launch more SE VMs", checked before anything changes. The trap it guards:
// a disabled SE stays connected and still counts toward the group's max_se (reference §5.3,
// [D171-disable]), and scale-out deletes the old SEs only at the end.

import type { StepDeps } from '../deps.js';
import { check } from '../effect.js';
import { PreflightError } from '../errors.js';
import { required, type Capacity, type SeCloud, type SeData, type SeGroupItem } from './context.js';

/** New SEs the group's moved virtual services need, from its placement settings (the Controller may launch more under load). */
export function newSesNeeded(g: SeGroupItem): number {
  const moving = new Set(g.ses.flatMap((s) => s.vss.map((v) => v.uuid))).size;
  if (moving === 0) return 0;
  const { maxVsPerSe, perVs, encryptedEnabled, encryptedRoom } = g.limits;
  const placements = moving * perVs;
  // Each virtual service needs perVs distinct SEs; what the enabled encrypted SEs cannot take goes to new ones.
  return Math.max(Math.ceil(Math.max(0, placements - encryptedRoom) / maxVsPerSe), perVs - encryptedEnabled, 0);
}

export function capacityOf(g: SeGroupItem, scaleOut: boolean): Capacity {
  const { maxSe, seCount, vcpusPerSe } = g.limits;
  const newSes = newSesNeeded(g);
  // Scale-out: the old SEs are disabled, not deleted, until every SE has drained. Relaunch deletes them first.
  const peak = (scaleOut ? seCount : seCount - g.ses.length) + newSes;
  return { maxSe, seCount, newSes, peak, vcpus: newSes * vcpusPerSe };
}

function trap(g: SeGroupItem, c: Capacity, scaleOut: boolean): string {
  const counted = scaleOut
    ? `the group has ${c.seCount} SEs, and the ${g.ses.length} being replaced keep counting against max_se while they are disabled, until they are deleted at the end`
    : `the group keeps ${c.seCount - g.ses.length} SEs besides the ${g.ses.length} deleted`;
  return `SE group ${g.name} cannot launch the SEs its virtual services need: max_se is ${c.maxSe} and ${counted}; `
    + `its ${new Set(g.ses.flatMap((s) => s.vss.map((v) => v.uuid))).size} moved virtual services need ${c.newSes} new SE${c.newSes === 1 ? '' : 's'}, so max_se must be at least ${c.peak}: `
    + `raise it (Infrastructure > Service Engine Group > ${g.name} > Max Number of Service Engines, or PATCH /api/serviceenginegroup/${g.uuid} {"replace": {"max_se": ${c.peak}}}) and run again; nothing was changed`;
}

/** Why the group has no room for the SEs its virtual services need (max_se), or undefined. */
export function groupRoomProblem(g: SeGroupItem, scaleOut: boolean): string | undefined {
  const c = capacityOf(g, scaleOut);
  return g.ses.length > 0 && c.peak > c.maxSe ? trap(g, c, scaleOut) : undefined;
}

/** Free management addresses for `needed` new SEs: the problem (addresses short), and what was seen. */
export async function addressRoom(reads: Pick<StepDeps['reads'], 'ec2'>, cloud: SeCloud, needed: number): Promise<{ problem?: string; note: string }> {
  if (cloud.mgmtSubnets.length === 0) {
    return { note: `free management addresses not checked: cloud ${cloud.name}'s zones name no management subnet id (mgmt_network_uuid)` };
  }
  const subnets = await reads.ec2.describeSubnets(cloud.mgmtSubnets);
  const free = subnets.reduce((n, s) => n + s.availableIps, 0);
  const where = subnets.map((s) => `${s.subnetId} ${s.cidr} ${s.availableIps} free`).join(', ');
  if (free < needed) {
    return { problem: `the cloud's management subnets have ${free} free addresses (${where}) but the new SEs need ${needed}: free addresses there or add a management subnet to cloud ${cloud.name}'s zones; nothing was changed`, note: '' };
  }
  return { note: `management addresses: ${needed} needed, ${free} free (${where})` };
}

// EC2 has no readable instance quota: DescribeAccountAttributes max-instances "is no longer supported" (EC2 API reference).
export const quotaNote = (vcpus: number): string =>
  `EC2 quota not readable through the EC2 API: make sure the Service Quotas "Running On-Demand Standard instances" vCPU quota has room for ${vcpus} more vCPUs`;

export function checkCapacity(deps: Pick<StepDeps, 'reads'>, opts: { scaleOut: boolean }) {
  return check<SeData, SeData>(async ({ data }) => {
    const cloud = required(data.cloud, 'the cloud');
    const groups = data.groups.map((g) => ({ ...g, capacity: capacityOf(g, opts.scaleOut) }));
    for (const g of groups) {
      const problem = groupRoomProblem(g, opts.scaleOut);
      if (problem) throw new PreflightError(problem);
    }
    const addresses = await addressRoom(deps.reads, cloud, groups.reduce((n, g) => n + g.capacity.newSes, 0));
    if (addresses.problem) throw new PreflightError(addresses.problem);
    const notes = [addresses.note, quotaNote(groups.reduce((n, g) => n + g.capacity.vcpus, 0))];
    return { groups, capacityNotes: notes } satisfies Partial<SeData>;
  });
}
