// Maps each cluster node (IP and role from the Controller) to its EC2 instance by private IP,
// and records what the swap must keep: root device, root volume, AZ, DeleteOnTermination, type.

import type { ClusterConfig, ClusterRuntime } from '../../avi/types.js';
import type { InstanceInfo } from '../../aws/types.js';
import { PreflightError } from '../errors.js';
import type { StepDeps } from '../deps.js';
import { check } from '../effect.js';
import type { Reads } from '../gateways.js';
import type { ControllerData, ControllerNode } from './context.js';

const READY: Record<number, string> = { 1: 'CLUSTER_UP_NO_HA', 3: 'CLUSTER_UP_HA_ACTIVE' };

export function readyStateFor(nodeCount: number): string {
  return READY[nodeCount] ?? 'CLUSTER_UP_HA_ACTIVE';
}

/** Why the cluster is not fit to migrate (its size, or not READY), as one line; undefined when it is. */
export function clusterProblem(nodeCount: number, runtime: ClusterRuntime): string | undefined {
  if (nodeCount !== 1 && nodeCount !== 3) return `the Controller cluster has ${nodeCount} nodes; avi-encrypt migrates 1-node and 3-node clusters`;
  const ready = readyStateFor(nodeCount);
  if (runtime.cluster_state.state !== ready) return `the Controller cluster is ${runtime.cluster_state.state}, not ${ready}; bring it to READY before migrating`;
  return undefined;
}

export function discoverNodes(deps: Pick<StepDeps, 'reads'>) {
  return check<ControllerData, ControllerData>(async ({ data }) => {
    const cluster = await deps.reads.cluster.getCluster();
    const runtime = await deps.reads.cluster.getClusterRuntime();
    const ips = cluster.nodes.map((n) => n.ip.addr);
    checkClusterFit(data.controller, cluster, runtime);
    const instances = await instancesFor(deps.reads, ips);
    const nodes: ControllerNode[] = [];
    for (const ip of ips) {
      const instance = instances.get(ip)!;
      nodes.push(await describeNode(deps.reads, ip, roleOf(runtime, ip), instance, data.keyArn));
    }
    // The document migrates followers first and the leader last.
    nodes.sort((a, b) => Number(a.role === 'leader') - Number(b.role === 'leader'));
    return { nodes, clusterUuid: cluster.uuid };
  });
}

/**
 * READY, and for 3 nodes exactly one leader and --controller not a node's own address: the
 * leader's node goes away during the run, the cluster VIP follows the leader.
 */
export function checkClusterFit(controller: string, cluster: ClusterConfig, runtime: ClusterRuntime): void {
  const ips = cluster.nodes.map((n) => n.ip.addr);
  const problem = clusterProblem(ips.length, runtime);
  if (problem) throw new PreflightError(problem);
  if (ips.length !== 3) return;
  const leaders = ips.filter((ip) => roleOf(runtime, ip) === 'leader');
  if (leaders.length !== 1) {
    throw new PreflightError(`the cluster runtime names ${leaders.length} leaders among ${ips.join(', ')}; wait until it shows exactly one, then retry`);
  }
  const host = new URL(controller).hostname;
  if (ips.includes(host)) {
    throw new PreflightError(
      `--controller ${controller} is a node's own address; point it at the cluster VIP${cluster.virtual_ip ? ` (${cluster.virtual_ip.addr})` : ''}, which follows the leader`,
    );
  }
}

export function roleOf(runtime: ClusterRuntime, ip: string): ControllerNode['role'] {
  const state = runtime.node_states.find((n) => n.mgmt_ip === ip || n.name === ip);
  return state?.role === 'CLUSTER_LEADER' ? 'leader' : 'follower';
}

/** Each node's EC2 instance by private IP; refused unless every node has exactly one. */
export async function instancesFor(reads: Reads, ips: string[]): Promise<Map<string, InstanceInfo>> {
  let found = await reads.ec2.findInstancesByPrivateIp(ips);
  if (new Set(found.map((i) => i.privateIp)).size !== found.length) {
    // The same private IP in several VPCs: the cloud's VPC says which one is ours.
    const vpcId = (await reads.cloud.listClouds()).find((c) => c.aws_configuration?.vpc_id)?.aws_configuration?.vpc_id;
    if (vpcId) found = await reads.ec2.findInstancesByPrivateIp(ips, vpcId);
  }
  const byIp = new Map<string, InstanceInfo>();
  for (const ip of ips) {
    const matches = found.filter((i) => i.privateIp === ip);
    if (matches.length === 0) {
      throw new PreflightError(
        `cluster node ${ip} has no EC2 instance with that private IP in this region; check --region and the AWS account`,
      );
    }
    if (matches.length > 1) {
      throw new PreflightError(`cluster node ${ip} matches ${matches.length} instances (${matches.map((m) => m.instanceId).join(', ')}); cannot tell which one is the Controller`);
    }
    byIp.set(ip, matches[0]!);
  }
  return byIp;
}

async function describeNode(
  reads: Reads,
  ip: string,
  role: ControllerNode['role'],
  instance: InstanceInfo,
  keyArn: string | undefined,
): Promise<ControllerNode> {
  const root = instance.blockDevices.find((b) => b.device === instance.rootDeviceName);
  if (!root) {
    throw new PreflightError(`instance ${instance.instanceId} (${ip}) has no EBS volume at its root device ${instance.rootDeviceName}`);
  }
  const volume = await reads.ec2.describeVolume(root.volumeId);
  const node: ControllerNode = {
    ip,
    role,
    instanceId: instance.instanceId,
    availabilityZone: instance.availabilityZone,
    rootDevice: instance.rootDeviceName,
    oldVolumeId: volume.volumeId,
    deleteOnTermination: root.deleteOnTermination,
    volumeType: volume.volumeType,
    size: volume.size,
  };
  if (volume.iops !== undefined) node.iops = volume.iops;
  if (volume.throughput !== undefined) node.throughput = volume.throughput;
  if (volume.encrypted && volume.kmsKeyId === keyArn) node.alreadyEncrypted = true;
  return node;
}
