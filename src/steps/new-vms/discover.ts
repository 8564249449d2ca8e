// Reads only: the cluster must be a READY 3-node cluster addressed by its VIP; each node maps to
// its EC2 instance by private IP, and from that instance comes everything its replacement needs
// (subnet, security groups, type, instance profile, tags, root volume) and its Elastic IPs.

import type { ClusterConfig, ClusterRuntime } from '../../avi/types.js';
import type { InstanceInfo, Tags } from '../../aws/types.js';
import { PreflightError } from '../errors.js';
import type { StepDeps } from '../deps.js';
import { check } from '../effect.js';
import type { Reads } from '../gateways.js';
import { checkClusterFit, instancesFor, roleOf } from '../controller/discover.js';
import type { NewVmNode, NewVmsData } from './context.js';

/** Tags AWS or avi-encrypt put on an instance are not the operator's: they are not carried over. */
const OWN_TAG = /^(aws:|avi-encrypt:)/;

export function discoverNodes(deps: Pick<StepDeps, 'reads'>) {
  return check<NewVmsData, NewVmsData>(async ({ data }) => {
    const cluster = await deps.reads.cluster.getCluster();
    const runtime = await deps.reads.cluster.getClusterRuntime();
    const ips = cluster.nodes.map((n) => n.ip.addr);
    const problem = clusterProblem(data.controller, cluster, runtime);
    if (problem) throw new PreflightError(problem);
    const instances = await instancesFor(deps.reads, ips);
    const addresses = await deps.reads.ec2.findAddressesOfInstances([...instances.values()].map((i) => i.instanceId));
    const nodes: NewVmNode[] = [];
    for (const ip of ips) {
      const instance = instances.get(ip)!;
      const node = await describeNode(deps.reads, ip, roleOf(runtime, ip), instance);
      node.elasticIps = addresses.filter((a) => a.instanceId === instance.instanceId).map((a) => ({ allocationId: a.allocationId, publicIp: a.publicIp }));
      nodes.push(node);
    }
    // The document replaces the followers first; the leader cannot be removed while it leads.
    nodes.sort((a, b) => Number(a.role === 'leader') - Number(b.role === 'leader'));
    return { nodes, clusterUuid: cluster.uuid, launchImageId: data.encryptedAmi ?? nodesImage(instances) };
  });
}

/**
 * Why this cluster cannot take new VMs, as one line (undefined when it can): 3 nodes, READY, one
 * leader, addressed by its VIP. The preflight checklist asks here too.
 */
export function clusterProblem(controller: string, cluster: ClusterConfig, runtime: ClusterRuntime): string | undefined {
  const count = cluster.nodes.length;
  if (count === 1) {
    return 'the Controller cluster has 1 node; new VMs replace nodes one at a time while two keep the cluster up, which needs 3 nodes: use --strategy controller-swap for a 1-node cluster';
  }
  if (count !== 3) return `the Controller cluster has ${count} nodes; controller-new-vms migrates 3-node clusters`;
  try {
    checkClusterFit(controller, cluster, runtime);
  } catch (e) {
    if (e instanceof PreflightError) return e.message;
    throw e;
  }
  return undefined;
}

async function describeNode(reads: Reads, ip: string, role: NewVmNode['role'], instance: InstanceInfo): Promise<NewVmNode> {
  const where = `instance ${instance.instanceId} (${ip})`;
  const root = instance.blockDevices.find((b) => b.device === instance.rootDeviceName);
  if (!root) throw new PreflightError(`${where} has no EBS volume at its root device ${instance.rootDeviceName}`);
  if (!instance.subnetId || !instance.instanceType || !instance.imageId) {
    throw new PreflightError(`${where} reports no subnet, instance type or AMI; a replacement cannot be launched like it`);
  }
  const volume = await reads.ec2.describeVolume(root.volumeId);
  const userTags: Tags = Object.fromEntries(Object.entries(instance.tags).filter(([k]) => !OWN_TAG.test(k)));
  const node: NewVmNode = {
    ip, role, instanceId: instance.instanceId, subnetId: instance.subnetId, availabilityZone: instance.availabilityZone,
    instanceType: instance.instanceType, securityGroupIds: instance.securityGroupIds ?? [], userTags,
    rootVolumeId: volume.volumeId, deleteOnTermination: root.deleteOnTermination, volumeType: volume.volumeType, size: volume.size,
    elasticIps: [],
  };
  if (instance.iamInstanceProfileArn) node.iamInstanceProfileArn = instance.iamInstanceProfileArn;
  if (volume.iops !== undefined) node.iops = volume.iops;
  if (volume.throughput !== undefined) node.throughput = volume.throughput;
  return node;
}

/** The AMI every node runs from: the default launch source. Nodes on different AMIs are refused. */
function nodesImage(instances: Map<string, InstanceInfo>): string {
  const images = new Set([...instances.values()].map((i) => i.imageId));
  if (images.size !== 1) throw new PreflightError(`the Controller nodes run from different AMIs (${[...images].join(', ')}); pass --encrypted-ami to launch the new VMs from one`);
  return [...images][0]!;
}
