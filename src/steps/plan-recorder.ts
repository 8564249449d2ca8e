// The writes of a plan. Typed as the whole Writes interface, so a write method added to a
// gateway does not compile until the recorder covers it: a plan can record a write, never send
// it. Creates answer with made-up ids the later planned steps refer to.

import { RESTORE_SCRIPT } from '../avi/shell-types.js';
import type { Cloud, ClusterConfig } from '../avi/types.js';
import type { InstanceInfo, VolumeInfo } from '../aws/types.js';
import type { Writes } from './gateways.js';

/** One write a plan would make: the service, the API operation, the resource it touches. */
export interface PlannedCall {
  service: 'ec2' | 'kms' | 'avi';
  operation: string;
  /** The resource the call touches (instance, volume, cluster). */
  target: string;
  detail?: Record<string, unknown>;
}

/** Made-up ids, numbered across every recorder of one plan. */
export function plannedIds(): () => number {
  let n = 0;
  return () => ++n;
}

export function createRecorder(record: (call: PlannedCall) => void, next: () => number = plannedIds()): Writes {
  return {
    ec2: {
      async createVolume(req) {
        const volumeId = `vol-planned-${next()}`;
        record({ service: 'ec2', operation: 'CreateVolume', target: volumeId, detail: { ...req } });
        const volume: VolumeInfo = {
          volumeId, state: 'available', availabilityZone: req.availabilityZone, encrypted: true, kmsKeyId: req.kmsKeyId,
          size: req.size ?? 0, volumeType: req.volumeType, snapshotId: req.snapshotId, attachments: [], tags: { ...req.tags },
        };
        return volume;
      },
      async stopInstance(id) {
        record({ service: 'ec2', operation: 'StopInstances', target: id });
      },
      async startInstance(id) {
        record({ service: 'ec2', operation: 'StartInstances', target: id });
      },
      async detachVolume(volumeId, instanceId, device) {
        record({ service: 'ec2', operation: 'DetachVolume', target: volumeId, detail: { instanceId, device } });
      },
      async attachVolume(volumeId, instanceId, device) {
        record({ service: 'ec2', operation: 'AttachVolume', target: volumeId, detail: { instanceId, device } });
      },
      async setDeleteOnTermination(instanceId, device, deleteOnTermination) {
        record({ service: 'ec2', operation: 'ModifyInstanceAttribute', target: instanceId, detail: { device, deleteOnTermination } });
      },
      async tagResources(ids, tags) {
        record({ service: 'ec2', operation: 'CreateTags', target: ids.join(','), detail: { tags } });
      },
      async untagResources(ids, keys) {
        record({ service: 'ec2', operation: 'DeleteTags', target: ids.join(','), detail: { keys } });
      },
      async runInstance(req) {
        const instanceId = `i-planned-${next()}`;
        record({ service: 'ec2', operation: 'RunInstances', target: instanceId, detail: { ...req } });
        const instance: InstanceInfo = {
          instanceId, state: 'pending', availabilityZone: '', rootDeviceName: req.root.device, blockDevices: [], tags: { ...req.tags },
          // The address EC2 will pick is not known before the launch.
          privateIp: `<new IP in ${req.subnetId}>`, subnetId: req.subnetId, imageId: req.imageId, instanceType: req.instanceType,
        };
        return instance;
      },
      async terminateInstance(id) {
        record({ service: 'ec2', operation: 'TerminateInstances', target: id });
      },
      async associateAddress(allocationId, instanceId) {
        record({ service: 'ec2', operation: 'AssociateAddress', target: allocationId, detail: { instanceId, allowReassociation: true } });
        return `eipassoc-planned-${next()}`;
      },
      async copyImage(req) {
        const imageId = `ami-planned-${next()}`;
        record({ service: 'ec2', operation: 'CopyImage', target: imageId, detail: { ...req, encrypted: true } });
        return imageId;
      },
      async deleteVolume(id) {
        record({ service: 'ec2', operation: 'DeleteVolume', target: id });
      },
      async deleteSnapshot(id) {
        record({ service: 'ec2', operation: 'DeleteSnapshot', target: id });
      },
    },
    cluster: {
      async putCluster(cluster: ClusterConfig) {
        record({ service: 'avi', operation: 'PUT /api/cluster', target: cluster.uuid, detail: { nodes: cluster.nodes.map((n) => n.ip.addr) } });
        return cluster;
      },
      async exportConfiguration() {
        record({ service: 'avi', operation: 'POST /api/configuration/export', target: 'configuration', detail: { into: '<run folder>/backups (mode 0600)' } });
        return '{"planned": true}';
      },
      async importConfiguration() {
        record({ service: 'avi', operation: 'POST /api/configuration/import', target: 'configuration' });
      },
    },
    cloud: {
      async putCloud(cloud: Cloud) {
        const aws = cloud.aws_configuration;
        record({ service: 'avi', operation: 'PUT /api/cloud', target: `${cloud.uuid} (${cloud.name})`, detail: { ebs_encryption: aws?.ebs_encryption, s3_encryption: aws?.s3_encryption } });
        return cloud;
      },
    },
    engines: {
      async setEnableState(uuid, state) {
        record({ service: 'avi', operation: 'PATCH /api/serviceengine', target: uuid, detail: { enable_state: state } });
      },
      async deleteServiceEngine(uuid) {
        record({ service: 'avi', operation: 'DELETE /api/serviceengine', target: uuid });
      },
      async forceDeleteServiceEngine(uuid) {
        record({ service: 'avi', operation: 'POST /api/serviceengine/forcedelete', target: uuid });
      },
    },
    shell: {
      async restoreConfig(req) {
        // The export's text and the passphrase are never part of a plan.
        record({
          service: 'avi', operation: `SSH ${RESTORE_SCRIPT}`, target: `${req.target.username}@${req.target.host}:${req.target.port}`,
          detail: { upload: req.remotePath, flags: ['--config', req.remotePath, ...req.flags], passphrase: 'typed at its prompt', then: `rm -f ${req.remotePath}` },
        });
        return { tail: '', removed: true };
      },
    },
  };
}

/** One write method called on a plan's writes, with its arguments: what preflight's DryRun replays. */
export interface Invocation {
  domain: keyof Writes;
  method: string;
  args: unknown[];
  /** Not a call of the plan but one the run may make (its rollback): why, in a few words. */
  unplanned?: string;
}

/** The same writes, telling `seen` of every call before it is recorded. */
export function observed(writes: Writes, seen: (call: Invocation) => void): Writes {
  const wrap = <T extends object>(domain: keyof Writes, face: T): T =>
    new Proxy(face, {
      get(target, method, receiver) {
        const value = Reflect.get(target, method, receiver) as unknown;
        if (typeof value !== 'function' || typeof method !== 'string') return value;
        return (...args: unknown[]) => {
          seen({ domain, method, args: structuredClone(args) });
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return Object.fromEntries(Object.entries(writes).map(([domain, face]) => [domain, wrap(domain as keyof Writes, face as object)])) as unknown as Writes;
}

/** Ids the recorder makes up for what a plan would create ("vol-planned-1"): AWS has never heard of them. */
export const mentionsPlannedId = (args: unknown[]): boolean => /-planned-\d+/.test(JSON.stringify(args));
