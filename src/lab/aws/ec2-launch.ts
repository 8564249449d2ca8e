// RunInstances and TerminateInstances. RunInstances reads the subnet form or the NetworkInterfaces
// form, MinCount/MaxCount (as many as the subnet's free addresses allow, at least MinCount), the
// root block-device mapping, TagSpecifications for the instance and volume, and ClientToken
// idempotency; launch.ts holds the rules of one launch.

import type { InstanceRecord } from '../world/types.js';
import type { LabWorld } from '../world/world.js';
import { idempotent } from '../world/client-token.js';
import { terminateInstance } from '../world/instances.js';
import { launchInstances, type LaunchSpec } from '../world/launch.js';
import { instanceShape, instanceState } from './ec2-shapes.js';
import type { Ec2Action } from './ec2.js';
import { AwsFault } from './fault.js';
import type { QueryParams } from './query.js';

function count(q: QueryParams, name: 'MinCount' | 'MaxCount'): number {
  const n = q.int(name);
  if (n === undefined) throw new AwsFault('MissingParameter', `The request must contain the parameter ${name}`);
  if (n < 1) throw new AwsFault('InvalidParameterValue', `Value (${n}) for parameter ${name.toLowerCase()} is invalid. Expected a value greater than 0.`);
  return n;
}

/** The launch as asked: the top-level subnet form or NetworkInterface.1 (device index 0), not both. */
function launchSpec(world: LabWorld, q: QueryParams): LaunchSpec {
  const nic = q.groups('NetworkInterface')[0];
  if (nic && q.get('SubnetId') !== undefined) {
    throw new AwsFault('InvalidParameterCombination', 'Network interfaces and an instance-level subnet ID may not be specified on the same request');
  }
  const subnetId = nic?.get('SubnetId') ?? q.get('SubnetId');
  if (subnetId === undefined) throw new AwsFault('VPCIdNotSpecified', 'No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.');
  const privateIp = nic?.get('PrivateIpAddress') ?? q.get('PrivateIpAddress');
  const vpcId = world.subnet(subnetId).vpcId;
  const byName = q.list('SecurityGroup').map((name) => {
    const group = [...world.securityGroups.values()].find((g) => g.groupName === name && g.vpcId === vpcId);
    if (!group) throw new AwsFault('InvalidGroup.NotFound', `The security group '${name}' does not exist in VPC '${vpcId}'`);
    return group.groupId;
  });
  const groups = [...(nic ? nic.list('SecurityGroupId') : q.list('SecurityGroupId')), ...byName];
  const profileName = q.get('IamInstanceProfile.Name');
  const profileArn = q.get('IamInstanceProfile.Arn') ?? (profileName && `arn:aws:iam::${world.accountId}:instance-profile/${profileName}`);
  const tags = q.tagSpecifications(['instance', 'volume', 'network-interface']);
  const root = rootMapping(world, q);
  return {
    imageId: q.require('ImageId'),
    // AWS: "Default: m1.small" (RunInstances API reference).
    instanceType: q.get('InstanceType') ?? 'm1.small',
    subnetId,
    ...(privateIp === undefined ? {} : { privateIp }),
    ...(groups.length ? { securityGroupIds: groups } : {}),
    ...(profileArn ? { iamInstanceProfileArn: profileArn } : {}),
    ...(root ? { root } : {}),
    ...(tags['instance'] ? { tags: tags['instance'] } : {}),
    ...(tags['volume'] ? { volumeTags: tags['volume'] } : {}),
  };
}

/** Only the AMI's root device is modelled; other mappings are refused rather than ignored. */
function rootMapping(world: LabWorld, q: QueryParams): LaunchSpec['root'] | undefined {
  const mappings = q.groups('BlockDeviceMapping');
  if (!mappings.length) return undefined;
  const rootDevice = world.image(q.require('ImageId')).rootDeviceName;
  const [m, ...rest] = mappings;
  if (rest.length || m!.get('DeviceName') !== rootDevice || m!.get('Ebs.SnapshotId') !== undefined) {
    throw new AwsFault('UnsupportedOperation', `The lab models one block-device mapping: the AMI's root device ${rootDevice}, without SnapshotId.`);
  }
  const root: NonNullable<LaunchSpec['root']> = {};
  const encrypted = m!.bool('Ebs.Encrypted');
  const kmsKeyId = m!.get('Ebs.KmsKeyId');
  const volumeSize = m!.int('Ebs.VolumeSize');
  const volumeType = m!.get('Ebs.VolumeType');
  const deleteOnTermination = m!.bool('Ebs.DeleteOnTermination');
  if (encrypted !== undefined) root.encrypted = encrypted;
  if (kmsKeyId !== undefined) root.kmsKeyId = kmsKeyId;
  if (volumeSize !== undefined) root.volumeSize = volumeSize;
  if (volumeType !== undefined) root.volumeType = volumeType;
  if (deleteOnTermination !== undefined) root.deleteOnTermination = deleteOnTermination;
  return root;
}

function reservationShape(world: LabWorld, instances: InstanceRecord[]) {
  return {
    reservationId: instances[0]!.reservationId,
    ownerId: world.accountId,
    groupSet: [],
    instancesSet: instances.map((i) => instanceShape(world, i)),
  };
}

const runInstances: Ec2Action = (world, q, ctx) => {
  const min = count(q, 'MinCount');
  const max = count(q, 'MaxCount');
  if (min > max) throw new AwsFault('InvalidParameterValue', `MinCount (${min}) must not be greater than MaxCount (${max}).`);
  const clientToken = q.get('ClientToken');
  const asked = Object.fromEntries(q.entries().filter(([k]) => !['ClientToken', 'DryRun', 'Version', 'Action'].includes(k)));
  const instances = idempotent(world, 'RunInstances', clientToken, asked, (ids) => {
    const earlier = ids.map((id) => world.instances.get(id)!);
    // Since 2025 AWS answers a token of a terminated launch so (boto/boto3#4406).
    if (earlier.some((i) => i.state === 'terminated')) {
      throw new AwsFault('IdempotentInstanceTerminated', 'The client token you have provided is associated with a terminated instance');
    }
    return earlier;
  }, () => {
    const spec = launchSpec(world, q);
    if (spec.privateIp !== undefined && max > 1) {
      throw new AwsFault('InvalidParameterCombination', 'A private IP address can be given for one instance only (MaxCount 1).');
    }
    const launched = launchInstances(world, spec, min, max, ctx.caller.launcher);
    if (clientToken !== undefined) for (const inst of launched) inst.clientToken = clientToken;
    return { result: launched, ids: launched.map((i) => i.instanceId) };
  });
  return reservationShape(world, instances);
};

const terminateInstances: Ec2Action = (world, q) => {
  const ids = q.list('InstanceId');
  if (!ids.length) throw new AwsFault('MissingParameter', 'The request must contain the parameter InstanceId');
  ids.forEach((id) => world.instance(id));
  return {
    instancesSet: ids.map((id) => terminateInstance(world, id)).map((c) => ({
      instanceId: c.instanceId, currentState: instanceState(c.current), previousState: instanceState(c.previous),
    })),
  };
};

export const LAUNCH_ACTIONS: Record<string, Ec2Action> = {
  RunInstances: runInstances,
  TerminateInstances: terminateInstances,
};
