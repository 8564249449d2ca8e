// After a group: every SE it has now runs on a root encrypted with the key (SE -> EC2 instance by
// management IP, as discovery maps them), none of the replaced SEs is left, and every virtual
// service of the group is OPER_UP.

import type { StepDeps } from '../deps.js';
import { check } from '../effect.js';
import { instanceRow, rowProblems } from '../fleet/report.js';
import type { Reads } from '../gateways.js';
import { required, type SeCloud, type SeData, type SeGroupItem } from './context.js';
import { mgmtIpOf } from './discover.js';

/** What is wrong with the group, one line per problem; empty when it is done. */
export async function groupProblems(reads: Reads, cloud: SeCloud, keyArn: string, group: SeGroupItem): Promise<string[]> {
  const problems: string[] = [];
  const ses = await reads.engines.listServiceEngines(group.uuid);
  const old = new Set(group.ses.map((s) => s.uuid));
  for (const se of ses.filter((s) => old.has(s.uuid))) problems.push(`${group.name}: old SE ${se.name} is still there`);
  const ips = ses.flatMap((se) => mgmtIpOf(se) ?? []);
  const instances = await reads.ec2.findInstancesByPrivateIp(ips, cloud.vpcId);
  for (const se of ses.filter((s) => !old.has(s.uuid))) {
    const instance = instances.find((i) => i.privateIp === mgmtIpOf(se));
    if (!instance?.blockDevices.some((b) => b.device === instance.rootDeviceName)) {
      problems.push(`${group.name}: SE ${se.name} (${mgmtIpOf(se) ?? 'no management IP'}) has no EC2 instance with a root volume`);
      continue;
    }
    // The fleet report's row: every volume of the SE, judged against the run's key.
    const row = await instanceRow(reads, instance, { kind: 'SE', name: se.name, group: group.name, expected: { arn: keyArn, from: `the run's key, set on cloud ${cloud.name}` } });
    problems.push(...rowProblems([row]).map((p) => `${group.name}: ${p}`));
  }
  for (const vs of await reads.engines.listVirtualServices(group.uuid)) {
    const state = vs.runtime?.oper_status?.state;
    if (state !== 'OPER_UP') problems.push(`${group.name}: virtual service ${vs.name} is ${state ?? 'in no known state'}`);
  }
  return problems;
}

export function verifyGroup(deps: Pick<StepDeps, 'reads'>) {
  return check<SeData, SeGroupItem>(async ({ data, item }) => {
    const problems = await groupProblems(deps.reads, required(data.cloud, 'the cloud'), required(data.keyArn, 'the key ARN'), item);
    if (problems.length) throw new Error(`verification failed: ${problems.join('; ')}`);
    return { verified: true };
  });
}
