// What a saved Controller plan depends on, read live: the cluster's members, each node's
// instance (its role and state) and the root volume at its root device, and the AMI: the
// encrypted one given with its root snapshot, or the one the run copies. A node added, stopped or re-rooted, a leader moved, another AMI
// snapshot: any of these makes a saved plan another world's plan.

import { TAG, type VolumeInfo } from '../../aws/types.js';
import type { Reads } from '../gateways.js';
import { mentionsPlannedId } from '../plan-recorder.js';
import type { WorldFact } from '../world-fact.js';
import type { ControllerData } from './context.js';

const gone = (e: Error): string => `not found (${(e as { code?: string }).code ?? e.message})`;
const orError = <T>(p: Promise<T>): Promise<T | Error> => p.catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));

/** Size, type, encryption, and the tags that are not avi-encrypt's own bookkeeping. */
function describeVolume(v: VolumeInfo): string {
  const tags = Object.entries(v.tags).filter(([k]) => !k.startsWith('avi-encrypt:')).sort(([a], [b]) => a.localeCompare(b));
  const perf = [v.iops === undefined ? '' : ` ${v.iops} IOPS`, v.throughput === undefined ? '' : ` ${v.throughput} MiB/s`].join('');
  const enc = v.encrypted ? `encrypted with ${v.kmsKeyId ?? 'the default key'}` : 'unencrypted';
  return `${v.volumeId} ${v.volumeType} ${v.size} GiB${perf} ${enc}; tags ${tags.map(([k, val]) => `${k}=${val}`).join(',') || '(none)'}`;
}

export async function controllerWorld(reads: Reads, data: ControllerData): Promise<WorldFact[]> {
  const [cluster, runtime] = await Promise.all([reads.cluster.getCluster(), reads.cluster.getClusterRuntime()]);
  const facts: WorldFact[] = [
    { key: 'cluster', value: `${cluster.uuid}: nodes ${cluster.nodes.map((n) => n.ip.addr).sort().join(', ')}` },
  ];
  for (const node of data.nodes) {
    const role = runtime.node_states.find((n) => n.mgmt_ip === node.ip || n.name === node.ip)?.role === 'CLUSTER_LEADER' ? 'leader' : 'follower';
    const instance = await orError(reads.ec2.describeInstance(node.instanceId));
    if (instance instanceof Error) {
      facts.push({ key: `node ${node.ip} instance ${node.instanceId}`, value: gone(instance) });
      continue;
    }
    facts.push({ key: `node ${node.ip} instance ${node.instanceId}`, value: `${role}, ${instance.state}` });
    const rootId = instance.blockDevices.find((b) => b.device === node.rootDevice)?.volumeId;
    const root = rootId ? await reads.ec2.describeVolume(rootId) : undefined;
    const marked = Object.keys(instance.tags).filter((k) => k.startsWith(TAG.inFlightPrefix));
    facts.push({ key: `node ${node.ip} root ${node.rootDevice}`, value: root ? describeVolume(root) : 'no volume' });
    if (marked.length) facts.push({ key: `node ${node.ip} in-flight marker`, value: marked.join(',') });
  }
  // The AMI the run copies, or the encrypted one it was given (a copy the plan only foresees is not there yet).
  if (data.sourceAmi) {
    const image = await orError(reads.ec2.describeImage(data.sourceAmi.imageId));
    facts.push({ key: `source AMI ${data.sourceAmi.imageId}`, value: image instanceof Error ? gone(image) : `${image.state}, root snapshot ${image.rootSnapshotId ?? 'none'}` });
  } else if (data.encryptedAmi && !mentionsPlannedId([data.encryptedAmi])) {
    const ami = data.encryptedAmi;
    const image = await orError(reads.ec2.describeImage(ami));
    if (image instanceof Error) facts.push({ key: `encrypted AMI ${ami}`, value: gone(image) });
    else {
      const snap = image.rootSnapshotId ? await reads.ec2.describeSnapshot(image.rootSnapshotId) : undefined;
      const enc = snap?.encrypted ? `encrypted with ${snap.kmsKeyId}` : 'unencrypted';
      facts.push({ key: `encrypted AMI ${ami}`, value: `${image.state}, root snapshot ${snap ? `${snap.snapshotId} ${snap.volumeSize} GiB ${enc}` : 'none'}` });
    }
  }
  return facts;
}
