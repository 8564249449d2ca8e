// The Service Engine runbooks' own preflight checks: the Avi user may write the cloud, SE groups
// and SEs; the Controller is 17.2.3 or later (cloud EBS encryption); and the document's step 1,
// "sufficient capacity (for VMs and management-IPs)": one line per SE group for max_se (disabled
// SEs count), one for the management subnets' free addresses, one for the EC2 quota (not readable
// through the EC2 API, so a reminder). The same functions decide the check-capacity step.

import type { Settings } from '../../runbook/settings.js';
import { versionCheck, writeAccessCheck } from '../avi-checks.js';
import { checked, fail, pass, skip, type CheckResult, type PreflightFound } from '../check-result.js';
import type { Reads } from '../gateways.js';
import { addressRoom, capacityOf, groupRoomProblem, quotaNote } from './capacity.js';
import type { SeData } from './context.js';

// UNVERIFIED: the privileges behind PUT /api/cloud, SE group reads and SE PATCH/DELETE.
const FLEET = { what: 'the cloud, SE groups and SEs', privileges: ['PERMISSION_CLOUD', 'PERMISSION_SERVICEENGINEGROUP', 'PERMISSION_SERVICEENGINE'] };

async function capacityRows(reads: Reads, data: SeData, scaleOut: boolean): Promise<CheckResult[]> {
  const groups = data.groups.filter((g) => g.ses.length > 0);
  const rows = groups.map((g) => {
    const c = capacityOf(g, scaleOut);
    const problem = groupRoomProblem(g, scaleOut);
    const id = `capacity:${g.name}`;
    const title = `SE group ${g.name} has room for its new SEs (max_se)`;
    const how = scaleOut ? `${c.seCount} now, the replaced ones counting until deleted` : `${c.seCount} now, ${g.ses.length} deleted first`;
    return problem ? fail(id, title, problem) : pass(id, title, `max_se ${c.maxSe}; at most ${c.peak} at once (${how}, ${c.newSes} new)`);
  });
  if (groups.length === 0) rows.push(pass('capacity', 'SE groups have room for their new SEs (max_se)', 'no SE to replace'));
  const needed = groups.reduce((n, g) => n + capacityOf(g, scaleOut).newSes, 0);
  const vcpus = groups.reduce((n, g) => n + capacityOf(g, scaleOut).vcpus, 0);
  const addressTitle = 'Free management addresses for the new SEs';
  rows.push(...await checked('addresses', addressTitle, async () => {
    const room = await addressRoom(reads, data.cloud!, needed);
    if (room.problem) return fail('addresses', addressTitle, room.problem);
    return data.cloud!.mgmtSubnets.length ? pass('addresses', addressTitle, room.note) : pass('addresses', addressTitle, `${needed} needed`, room.note);
  }));
  rows.push(pass('ec2-quota', 'EC2 quota for the new SEs', `${vcpus} more vCPUs at the most`, quotaNote(vcpus)));
  return rows;
}

export function seChecks(opts: { scaleOut: boolean }) {
  return async (reads: Reads, settings: Pick<Settings, 'avi'>, found: PreflightFound<SeData>): Promise<CheckResult[]> => {
    const data = found.data;
    // A plan refused at check-capacity still found every group: each one gets its line.
    const discovered = !!data?.cloud && (found.planMade || data.groups.length > 0);
    return [
      ...await checked('avi-write-access', `The Avi user may write ${FLEET.what}`, () => writeAccessCheck(reads, settings.avi.tenant, FLEET)),
      versionCheck(found.controllerVersion, '17.2.3'),
      ...(discovered
        ? await capacityRows(reads, data!, opts.scaleOut)
        : [skip('capacity', 'SE groups have room for their new SEs (max_se)', 'needs the SE groups (see "The plan")')]),
    ];
  };
}
