// The resources IAM evaluates each EC2 action against, after the Service Authorization Reference
// ("Actions, resources, and condition keys for Amazon EC2"): Describe* has no resource-level
// permissions (`*`); the others name the instances, volumes, images, ... in the request, and the
// resources they create as `<type>/*`. Images and snapshots have no account in their ARN.
// Simplified: only the resource types the lab models, and no condition keys.

import type { LabWorld } from '../world/world.js';
import type { QueryParams } from './query.js';
import { kindOfId } from './resource-ids.js';

const ARN_TYPE = {
  instance: 'instance', volume: 'volume', snapshot: 'snapshot', image: 'image', address: 'elastic-ip',
  subnet: 'subnet', 'security-group': 'security-group',
} as const;

function arn(world: LabWorld, type: string, id: string): string {
  const account = type === 'image' || type === 'snapshot' ? '' : world.accountId;
  return `arn:aws:ec2:${world.region}:${account}:${type}/${id}`;
}

/** The ARN of a resource id, judged by its prefix; undefined for ids the lab does not know the type of. */
function arnOfId(world: LabWorld, id: string): string | undefined {
  const kind = kindOfId(id);
  return kind && arn(world, ARN_TYPE[kind], id);
}

const ids = (world: LabWorld, type: string, list: (string | undefined)[]) =>
  list.filter((id): id is string => id !== undefined && id !== '').map((id) => arn(world, type, id));

type Resources = (world: LabWorld, q: QueryParams) => string[];

const RESOURCES: Record<string, Resources> = {
  StopInstances: (w, q) => ids(w, 'instance', q.list('InstanceId')),
  StartInstances: (w, q) => ids(w, 'instance', q.list('InstanceId')),
  TerminateInstances: (w, q) => ids(w, 'instance', q.list('InstanceId')),
  ModifyInstanceAttribute: (w, q) => ids(w, 'instance', [q.get('InstanceId')]),
  CreateVolume: (w, q) => [arn(w, 'volume', '*'), ...ids(w, 'snapshot', [q.get('SnapshotId')])],
  AttachVolume: (w, q) => [...ids(w, 'instance', [q.get('InstanceId')]), ...ids(w, 'volume', [q.get('VolumeId')])],
  DetachVolume: (w, q) => [...ids(w, 'instance', [q.get('InstanceId')]), ...ids(w, 'volume', [q.get('VolumeId')])],
  DeleteVolume: (w, q) => ids(w, 'volume', [q.get('VolumeId')]),
  DeleteSnapshot: (w, q) => ids(w, 'snapshot', [q.get('SnapshotId')]),
  CreateTags: (w, q) => q.list('ResourceId').map((id) => arnOfId(w, id) ?? '*'),
  DeleteTags: (w, q) => q.list('ResourceId').map((id) => arnOfId(w, id) ?? '*'),
  RunInstances: (w, q) => [
    arn(w, 'instance', '*'), arn(w, 'volume', '*'), arn(w, 'network-interface', '*'),
    ...ids(w, 'image', [q.get('ImageId')]), ...ids(w, 'subnet', [q.get('SubnetId')]),
    ...ids(w, 'security-group', q.list('SecurityGroupId')),
  ],
  // Resource-level permissions on the source AMI since October 2024 (EC2 user guide, "Copy an AMI").
  CopyImage: (w, q) => [arn(w, 'image', '*'), ...ids(w, 'image', [q.get('SourceImageId')])],
  AllocateAddress: (w) => [arn(w, 'elastic-ip', '*')],
  AssociateAddress: (w, q) => [...ids(w, 'elastic-ip', [q.get('AllocationId')]), ...ids(w, 'instance', [q.get('InstanceId')])],
  DisassociateAddress: (w, q) => {
    const associationId = q.get('AssociationId');
    const addr = [...w.addresses.values()].find((a) => a.association?.associationId === associationId);
    return [arn(w, 'elastic-ip', addr?.allocationId ?? '*')];
  },
};

export function ec2Resources(world: LabWorld, action: string, q: QueryParams): string[] {
  const found = Object.hasOwn(RESOURCES, action) ? RESOURCES[action]!(world, q) : [];
  return found.length ? found : ['*'];
}
