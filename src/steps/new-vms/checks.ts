// controller-new-vms' own preflight checks, each on its own line of the checklist: the Avi user
// may write the cluster, the Controller's version, no other run holds the nodes, a 3-node cluster
// READY, and for the new VMs the AMI, the instance types (encrypted EBS), the subnets (free
// addresses) and the EC2 quota (a reminder). The engine adds the key, KMS grant, plan and IAM (DryRun) checks. Where a runbook
// step refuses on the same thing, the same function decides both, so one cause is one failure.

import type { Settings } from '../../runbook/settings.js';
import { versionCheck, writeAccessCheck } from '../avi-checks.js';
import { checked, fail, pass, skip, type CheckResult, type PreflightFound } from '../check-result.js';
import { CLUSTER, notHeldCheck } from '../controller/checks.js';
import { PreflightError } from '../errors.js';
import type { Reads } from '../gateways.js';
import type { Invocation } from '../plan-recorder.js';
import type { NewVmsData } from './context.js';
import { clusterProblem } from './discover.js';
import { instanceTypeProblem, launched, launchImage, subnetProblem } from './preflight.js';

const NEEDS_NODES = 'needs the plan\'s nodes (see "The plan")';

async function readyCheck(reads: Reads, controller: string): Promise<CheckResult> {
  const title = '3-node Controller cluster READY';
  const [cluster, runtime] = await Promise.all([reads.cluster.getCluster(), reads.cluster.getClusterRuntime()]);
  const problem = clusterProblem(controller, cluster, runtime);
  return problem ? fail('cluster-ready', title, problem) : pass('cluster-ready', title, `${runtime.cluster_state.state}, nodes ${cluster.nodes.map((n) => n.ip.addr).join(', ')}`);
}

async function amiCheck(reads: Reads, data: NewVmsData | undefined): Promise<CheckResult> {
  const title = 'The AMI the new VMs launch from';
  if (!data?.launchImageId || !data.keyArn) return skip('launch-ami', title, NEEDS_NODES);
  try {
    await launchImage(reads, data, data.launchImageId);
  } catch (e) {
    if (e instanceof PreflightError) return fail('launch-ami', title, e.message);
    throw e;
  }
  return pass('launch-ami', title, data.encryptedAmi
    ? `${data.launchImageId}: available, its root snapshot encrypted with ${data.keyArn}`
    : `${data.launchImageId} (the nodes' own): available; each root is encrypted with the key at launch`);
}

async function instanceTypeCheck(reads: Reads, data: NewVmsData | undefined): Promise<CheckResult> {
  const title = 'Instance types support encrypted EBS (DescribeInstanceTypes)';
  if (!data) return skip('instance-types', title, NEEDS_NODES);
  const problem = await instanceTypeProblem(reads, data.nodes);
  return problem ? fail('instance-types', title, problem) : pass('instance-types', title, [...new Set(data.nodes.map((n) => n.instanceType))].join(', '));
}

async function subnetCheck(reads: Reads, data: NewVmsData | undefined): Promise<CheckResult> {
  const title = 'Free subnet addresses for the new VMs';
  if (!data) return skip('subnet-addresses', title, NEEDS_NODES);
  const problem = await subnetProblem(reads, data.nodes);
  if (problem) return fail('subnet-addresses', title, problem);
  const bySubnet = new Map<string, number>();
  for (const n of data.nodes.filter((x) => !launched(x))) bySubnet.set(n.subnetId, (bySubnet.get(n.subnetId) ?? 0) + 1);
  return pass('subnet-addresses', title, [...bySubnet].map(([s, n]) => `${s}: room for ${n}`).join(', ') || 'every new VM is launched already');
}

/**
 * The new VMs run beside the old ones until each is retired: the account's On-Demand vCPU quota
 * must have room for them. Service Quotas is not part of the EC2 API, so this is a reminder.
 */
function quotaCheck(data: NewVmsData | undefined): CheckResult {
  const title = 'EC2 quota for the new VMs';
  if (!data) return skip('ec2-quota', title, NEEDS_NODES);
  const waiting = data.nodes.filter((n) => !launched(n));
  const byType = new Map<string, number>();
  for (const n of waiting) byType.set(n.instanceType, (byType.get(n.instanceType) ?? 0) + 1);
  const more = [...byType].map(([type, n]) => `${n} × ${type}`).join(', ');
  return pass('ec2-quota', title, more ? `${more} running beside the old VMs until they are retired` : 'every new VM is launched already',
    'EC2 quota not readable through the EC2 API: make sure the Service Quotas "Running On-Demand Standard instances" vCPU quota has room for them');
}

export function newVmChecks(minimumVersion: string) {
  return async (reads: Reads, settings: Pick<Settings, 'avi'>, found: PreflightFound<NewVmsData>): Promise<CheckResult[]> => {
    // Node checks need the nodes: discovered at once, so a plan refused after discovery has them all.
    const data = found.data?.nodes.length ? found.data : undefined;
    return [
      ...await checked('avi-write-access', 'The Avi user may write the cluster configuration', () => writeAccessCheck(reads, settings.avi.tenant, CLUSTER)),
      versionCheck(found.controllerVersion, minimumVersion),
      ...await checked('not-held', 'No other avi-encrypt run holds the nodes', () => notHeldCheck(reads)),
      ...await checked('cluster-ready', '3-node Controller cluster READY', () => readyCheck(reads, settings.avi.controller)),
      ...await checked('launch-ami', 'The AMI the new VMs launch from', () => amiCheck(reads, data)),
      ...await checked('instance-types', 'Instance types support encrypted EBS (DescribeInstanceTypes)', () => instanceTypeCheck(reads, data)),
      ...await checked('subnet-addresses', 'Free subnet addresses for the new VMs', () => subnetCheck(reads, data)),
      quotaCheck(data),
    ];
  };
}

/**
 * What the run may call that its plan cannot prove: the rollback terminates a new VM and starts the
 * old leader again, and the Elastic IPs move to VMs not launched yet. Each as a DryRun on the old
 * node's instance, which exists now (a DryRun changes nothing; EC2 API reference, DryRun).
 */
export function newVmProbeWrites(data: NewVmsData): Invocation[] {
  const rollback = "the rollback's, sent on the old VMs";
  const calls: Invocation[] = [];
  for (const node of data.nodes) {
    calls.push({ domain: 'ec2', method: 'terminateInstance', args: [node.instanceId], unplanned: rollback });
    if (node.role === 'leader') calls.push({ domain: 'ec2', method: 'startInstance', args: [node.instanceId], unplanned: rollback });
    for (const eip of node.elasticIps) {
      calls.push({ domain: 'ec2', method: 'associateAddress', args: [eip.allocationId, node.instanceId], unplanned: 'sent on the old VMs, the new ones not launched yet' });
    }
  }
  return calls;
}
