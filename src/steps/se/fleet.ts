// The SE runbooks' fleet report: every SE of the AWS clouds in the region (or of --cloud and its
// --se-group groups) with its volumes, against the key of its cloud's ebs_encryption (a blank master
// key is alias/aws/ebs). SE to instance by management IP in the cloud's VPC, as discovery maps them.
// Also the keys the clouds depend on (ebs_encryption, s3_encryption), for doctor. Reads only.

import type { Cloud } from '../../avi/types.js';
import type { Settings } from '../../runbook/settings.js';
import { cloudKey, keyArns } from '../fleet/expected-key.js';
import { fleetReport, instanceRow, type ExpectedKey, type FleetReport, type InstanceRow, type KeyUse } from '../fleet/report.js';
import type { Reads } from '../gateways.js';
import { mgmtIpOf } from './discover.js';
import type { SeSettings } from './settings.js';

type Scope = Pick<Settings<Partial<SeSettings>>, 'aws' | 'runbook'>;

export async function seFleet(reads: Reads, settings: Scope): Promise<FleetReport> {
  const { cloud: only, seGroups = [] } = settings.runbook ?? {};
  const arnOf = keyArns(reads);
  const clouds = (await reads.cloud.listClouds()).filter((c) => c.vtype === 'CLOUD_AWS' && (!only || c.name === only));
  const out = { subjects: [] as string[], rows: [] as InstanceRow[], uses: [] as KeyUse[], problems: [] as string[] };
  if (only && clouds.length === 0) out.problems.push(`cloud ${only} is not an AWS cloud of this Controller`);
  for (const cloud of clouds) {
    const region = cloud.aws_configuration?.region;
    if (region && region !== settings.aws.region) {
      out.subjects.push(`cloud ${cloud.name}: not covered, it is in ${region} (verify it with --region ${region})`);
      continue;
    }
    const aws = cloud.aws_configuration ?? {};
    const ebs = await cloudKey(arnOf, aws.ebs_encryption, `cloud ${cloud.name} ebs_encryption`, 'ebs');
    const s3 = await cloudKey(arnOf, aws.s3_encryption, `cloud ${cloud.name} s3_encryption`, 's3');
    for (const [kind, k, field] of [['cloud-ebs', ebs, 'ebs_encryption'], ['cloud-s3', s3, 's3_encryption']] as const) {
      if (k.ref) out.uses.push({ keyRef: k.arn ?? k.ref, kind, what: `cloud ${cloud.name} aws_configuration.${field}`, cloud: cloud.name });
    }
    if (!ebs.arn) out.problems.push(ebs.ref ? `${ebs.from}: KMS does not know ${ebs.ref}` : `${ebs.from}: the SEs it launches are not encrypted`);
    await cloudGroups(reads, cloud, seGroups, ebs, out);
  }
  return fleetReport(out.subjects, out.rows, out.uses, out.problems);
}

async function cloudGroups(
  reads: Reads, cloud: Cloud, names: string[], expected: ExpectedKey,
  out: { subjects: string[]; rows: InstanceRow[]; problems: string[] },
): Promise<void> {
  const all = await reads.engines.listSeGroups(cloud.uuid);
  for (const name of names.filter((n) => !all.some((g) => g.name === n))) out.problems.push(`SE group ${name} is not in cloud ${cloud.name}`);
  const groups = names.length ? all.filter((g) => names.includes(g.name)) : all;
  out.subjects.push(`SEs of cloud ${cloud.name} (SE groups ${groups.map((g) => g.name).join(', ') || 'none'})`);
  const vpc = cloud.aws_configuration?.vpc_id;
  for (const g of groups) {
    const ses = await reads.engines.listServiceEngines(g.uuid);
    const ips = ses.flatMap((se) => mgmtIpOf(se) ?? []);
    const instances = await reads.ec2.findInstancesByPrivateIp(ips, vpc);
    for (const se of ses) {
      const ip = mgmtIpOf(se);
      const matches = instances.filter((i) => ip && i.privateIp === ip);
      if (matches.length !== 1) {
        out.problems.push(`SE ${se.name} (${ip ?? 'no management IP'}) of SE group ${g.name}: ${matches.length === 0 ? 'no EC2 instance with that private IP' : `${matches.length} instances hold that IP`}${vpc ? ` in ${vpc}` : ''}`);
        continue;
      }
      out.rows.push(await instanceRow(reads, matches[0]!, { kind: 'SE', name: se.name, group: `cloud ${cloud.name} / SE group ${g.name}`, expected }));
    }
  }
}
