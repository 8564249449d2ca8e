// The AWS gateway of a dry run: reads go to AWS, mutations are recorded and applied to an
// overlay, so later steps see the world as it would be (stopped, detached, attached) and
// make the same decisions they would make for real. Nothing mutating is ever sent.

import type { AwsGateway, InstanceInfo, VolumeInfo } from '../../aws/types.js';
import type { PlannedCall } from './types.js';

export interface AwsOverlay {
  /** Instances whose root device got another volume in this plan. */
  rootReplaced(instanceId: string): boolean;
}

export function recordingAws(real: AwsGateway, record: (c: PlannedCall) => void): AwsGateway & AwsOverlay {
  const states = new Map<string, string>();
  const devices = new Map<string, Map<string, { volumeId: string; deleteOnTermination: boolean } | null>>();
  const volumes = new Map<string, VolumeInfo>();
  const replaced = new Set<string>();
  let planned = 0;

  const devicesOf = (id: string) => devices.get(id) ?? devices.set(id, new Map()).get(id)!;
  const describeVolume = async (id: string) => volumes.get(id) ?? real.describeVolume(id);
  const describeInstance = async (id: string): Promise<InstanceInfo> => overlayInstance(await real.describeInstance(id));

  function overlayInstance(i: InstanceInfo): InstanceInfo {
    const changed = devicesOf(i.instanceId);
    const kept = i.blockDevices.filter((b) => !changed.has(b.device));
    const added = [...changed].flatMap(([device, v]) => (v ? [{ device, ...v, status: 'attached' }] : []));
    return { ...i, state: states.get(i.instanceId) ?? i.state, blockDevices: [...kept, ...added] };
  }

  return {
    describeKey: (k) => real.describeKey(k),
    describeImage: (id) => real.describeImage(id),
    describeSnapshot: (id) => real.describeSnapshot(id),
    describeInstance,
    async findInstancesByPrivateIp(ips, vpcId) {
      return (await real.findInstancesByPrivateIp(ips, vpcId)).map(overlayInstance);
    },
    describeVolume,
    async findVolumesByTags(tags) {
      const matches = (v: VolumeInfo) => Object.entries(tags).every(([k, val]) => v.tags[k] === val);
      const found = (await real.findVolumesByTags(tags)).filter((v) => !volumes.has(v.volumeId));
      return [...found, ...[...volumes.values()].filter(matches)];
    },
    async createVolume(req) {
      const volumeId = `vol-planned-${++planned}`;
      record({ service: 'ec2', operation: 'CreateVolume', target: volumeId, detail: { ...req } });
      const v: VolumeInfo = {
        volumeId, state: 'available', availabilityZone: req.availabilityZone, encrypted: true, kmsKeyId: req.kmsKeyId,
        size: req.size ?? 0, volumeType: req.volumeType, snapshotId: req.snapshotId, attachments: [], tags: { ...req.tags },
      };
      volumes.set(volumeId, v);
      return v;
    },
    async stopInstance(id) {
      record({ service: 'ec2', operation: 'StopInstances', target: id });
      states.set(id, 'stopped');
    },
    async startInstance(id) {
      record({ service: 'ec2', operation: 'StartInstances', target: id });
      states.set(id, 'running');
    },
    async detachVolume(volumeId, instanceId, device) {
      record({ service: 'ec2', operation: 'DetachVolume', target: volumeId, detail: { instanceId, device } });
      volumes.set(volumeId, { ...(await describeVolume(volumeId)), state: 'available', attachments: [] });
      devicesOf(instanceId).set(device, null);
    },
    async attachVolume(volumeId, instanceId, device) {
      record({ service: 'ec2', operation: 'AttachVolume', target: volumeId, detail: { instanceId, device } });
      const attachment = { instanceId, device, state: 'attached', deleteOnTermination: false };
      volumes.set(volumeId, { ...(await describeVolume(volumeId)), state: 'in-use', attachments: [attachment] });
      devicesOf(instanceId).set(device, { volumeId, deleteOnTermination: false });
      replaced.add(instanceId);
    },
    async setDeleteOnTermination(instanceId, device, deleteOnTermination) {
      record({ service: 'ec2', operation: 'ModifyInstanceAttribute', target: instanceId, detail: { device, deleteOnTermination } });
      const current = (await describeInstance(instanceId)).blockDevices.find((b) => b.device === device);
      if (current) devicesOf(instanceId).set(device, { volumeId: current.volumeId, deleteOnTermination });
    },
    async tagResources(ids, tags) {
      record({ service: 'ec2', operation: 'CreateTags', target: ids.join(','), detail: { tags } });
      for (const id of ids) {
        if (id.startsWith('vol-')) {
          const v = await describeVolume(id);
          volumes.set(id, { ...v, tags: { ...v.tags, ...tags } });
        }
      }
    },
    async untagResources(ids, keys) {
      record({ service: 'ec2', operation: 'DeleteTags', target: ids.join(','), detail: { keys } });
    },
    rootReplaced: (instanceId) => replaced.has(instanceId),
  };
}
