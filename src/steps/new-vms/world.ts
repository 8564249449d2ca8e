// What a saved controller-new-vms plan depends on, read live: the cluster's members; each node's
// instance (role, state, and what its new VM copies: AMI, type, subnet, security groups, profile,
// tags), its root (type, size, performance, DeleteOnTermination), its Elastic IPs; the AMI the new
// VMs launch from; whether each instance type takes encrypted EBS and each subnet has room. A node
// stopped, re-typed or moved, an address moved, the AMI gone: another world's plan.

import { TAG } from '../../aws/types.js';
import type { Reads } from '../gateways.js';
import type { WorldFact } from '../world-fact.js';
import type { NewVmNode, NewVmsData } from './context.js';
import { launched } from './preflight.js';

const gone = (e: unknown): string => `not found (${(e as { code?: string }).code ?? (e as Error).message})`;
const orError = <T>(p: Promise<T>): Promise<T | Error> => p.catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
const ownTag = (k: string) => k.startsWith('aws:') || k.startsWith('avi-encrypt:');

async function nodeFacts(reads: Reads, node: NewVmNode, role: string): Promise<WorldFact[]> {
  const key = `node ${node.ip} instance ${node.instanceId}`;
  const instance = await orError(reads.ec2.describeInstance(node.instanceId));
  if (instance instanceof Error) return [{ key, value: gone(instance) }];
  const tags = Object.entries(instance.tags).filter(([k]) => !ownTag(k)).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`);
  const facts: WorldFact[] = [{
    key,
    value: `${role}, ${instance.state}; AMI ${instance.imageId ?? 'none'}, ${instance.instanceType ?? 'no type'} in ${instance.subnetId ?? 'no subnet'}; ` +
      `security groups ${[...(instance.securityGroupIds ?? [])].sort().join(',') || '(none)'}; profile ${instance.iamInstanceProfileArn ?? '(none)'}; tags ${tags.join(',') || '(none)'}`,
  }];
  const root = instance.blockDevices.find((b) => b.device === instance.rootDeviceName);
  const volume = root ? await orError(reads.ec2.describeVolume(root.volumeId)) : undefined;
  const perf = volume && !(volume instanceof Error) ? [volume.iops === undefined ? '' : ` ${volume.iops} IOPS`, volume.throughput === undefined ? '' : ` ${volume.throughput} MiB/s`].join('') : '';
  facts.push({
    key: `node ${node.ip} root ${instance.rootDeviceName}`,
    value: !root || !volume ? 'no volume' : volume instanceof Error ? gone(volume) : `${volume.volumeId} ${volume.volumeType} ${volume.size} GiB${perf}, DeleteOnTermination ${root.deleteOnTermination}`,
  });
  const marked = Object.keys(instance.tags).filter((k) => k.startsWith(TAG.inFlightPrefix));
  if (marked.length) facts.push({ key: `node ${node.ip} in-flight marker`, value: marked.join(',') });
  return facts;
}

export async function newVmWorld(reads: Reads, data: NewVmsData): Promise<WorldFact[]> {
  const [cluster, runtime] = await Promise.all([reads.cluster.getCluster(), reads.cluster.getClusterRuntime()]);
  const facts: WorldFact[] = [{ key: 'cluster', value: `${cluster.uuid}: nodes ${cluster.nodes.map((n) => n.ip.addr).sort().join(', ')}` }];
  for (const node of data.nodes) {
    const role = runtime.node_states.find((n) => n.mgmt_ip === node.ip || n.name === node.ip)?.role === 'CLUSTER_LEADER' ? 'leader' : 'follower';
    facts.push(...await nodeFacts(reads, node, role));
  }
  const ids = data.nodes.map((n) => n.instanceId);
  const addresses = ids.length ? await reads.ec2.findAddressesOfInstances(ids) : [];
  for (const node of data.nodes) {
    const held = addresses.filter((a) => a.instanceId === node.instanceId).map((a) => `${a.allocationId} (${a.publicIp})`).sort();
    facts.push({ key: `node ${node.ip} Elastic IPs`, value: held.join(', ') || '(none)' });
  }
  if (data.launchImageId) {
    const image = await orError(reads.ec2.describeImage(data.launchImageId));
    let value = image instanceof Error ? gone(image) : `${image.state}, root ${image.rootDeviceName} snapshot ${image.rootSnapshotId ?? 'none'}`;
    if (!(image instanceof Error) && data.encryptedAmi && image.rootSnapshotId) {
      const snap = await orError(reads.ec2.describeSnapshot(image.rootSnapshotId));
      value += snap instanceof Error ? ` ${gone(snap)}` : ` ${snap.volumeSize} GiB ${snap.encrypted ? `encrypted with ${snap.kmsKeyId}` : 'unencrypted'}`;
    }
    facts.push({ key: `launch AMI ${data.launchImageId}`, value });
  }
  for (const type of new Set(data.nodes.map((n) => n.instanceType))) {
    const info = await orError(reads.ec2.describeInstanceType(type));
    facts.push({ key: `instance type ${type}`, value: info instanceof Error ? gone(info) : `EBS encryption ${info.ebsEncryptionSupported ? 'supported' : 'unsupported'}` });
  }
  // Room, not the count: another VM launched in the subnet is no change to this plan while the new VMs still fit.
  for (const subnetId of new Set(data.nodes.map((n) => n.subnetId))) {
    const needed = data.nodes.filter((n) => n.subnetId === subnetId && !launched(n)).length;
    const subnet = await orError(reads.ec2.describeSubnet(subnetId));
    facts.push({
      key: `subnet ${subnetId}`,
      value: subnet instanceof Error ? gone(subnet) : subnet.availableIpAddressCount >= needed ? `room for its ${needed} new VM${needed === 1 ? '' : 's'}` : `no room: ${subnet.availableIpAddressCount} free for ${needed} new VMs`,
    });
  }
  return facts;
}
