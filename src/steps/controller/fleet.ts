// The Controller runbooks' fleet report: every node of the cluster (by its private IP, as discovery
// maps them) with its volumes, against the key given with --kms-key (or the run's). Reads only; a
// node without its instance is a problem line, not a refusal: the report shows everything it can.

import type { InstanceInfo } from '../../aws/types.js';
import type { Settings } from '../../runbook/settings.js';
import { givenKey, keyArns } from '../fleet/expected-key.js';
import { fleetReport, instanceRow, type FleetReport, type InstanceRow } from '../fleet/report.js';
import type { Reads } from '../gateways.js';

export async function controllerFleet(reads: Reads, settings: Pick<Settings, 'kmsKey'>): Promise<FleetReport> {
  const cluster = await reads.cluster.getCluster();
  const ips = cluster.nodes.map((n) => n.ip.addr);
  const subject = `Controller cluster ${cluster.uuid} (${ips.join(', ')})`;
  const expected = await givenKey(keyArns(reads), settings.kmsKey);
  const problems = expected.arn ? [] : [`the Controllers' key: ${expected.from}`];
  const byIp = await instancesByIp(reads, ips);
  const rows: InstanceRow[] = [];
  for (const ip of ips) {
    const matches = byIp.get(ip) ?? [];
    if (matches.length !== 1) {
      problems.push(matches.length === 0
        ? `Controller ${ip} has no EC2 instance with that private IP in this region (check --region and the AWS account)`
        : `Controller ${ip} matches ${matches.length} instances (${matches.map((m) => m.instanceId).join(', ')}): cannot tell which one it is`);
      continue;
    }
    rows.push(await instanceRow(reads, matches[0]!, { kind: 'Controller', name: ip, group: `cluster ${cluster.uuid}`, expected }));
  }
  return fleetReport([subject], rows, [], problems);
}

/** The instances holding each node IP; when an IP is in several VPCs, only those in the cloud's VPC count. */
async function instancesByIp(reads: Reads, ips: string[]): Promise<Map<string, InstanceInfo[]>> {
  let found = await reads.ec2.findInstancesByPrivateIp(ips);
  if (new Set(found.map((i) => i.privateIp)).size !== found.length) {
    const vpc = (await reads.cloud.listClouds()).map((c) => c.aws_configuration?.vpc_id).find((v): v is string => !!v);
    if (vpc) found = found.filter((i) => i.vpcId === vpc);
  }
  return new Map(ips.map((ip) => [ip, found.filter((i) => i.privateIp === ip)]));
}
