// EC2 instance actions: DescribeInstances, StopInstances, StartInstances, ModifyInstanceAttribute.

import type { InstanceRecord } from '../world/types.js';
import type { LabWorld, StateChange } from '../world/world.js';
import type { FilterFields } from './ec2-filters.js';
import { describe } from './ec2-describe.js';
import { instanceShape, instanceState } from './ec2-shapes.js';
import type { Ec2Action } from './ec2.js';
import { AwsFault } from './fault.js';
import type { QueryParams } from './query.js';

const INSTANCE_FILTERS: FilterFields<InstanceRecord> = {
  'instance-id': (i) => [i.instanceId],
  'private-ip-address': (i) => [i.privateIp],
  'network-interface.addresses.private-ip-address': (i) => [i.privateIp],
  'vpc-id': (i) => [i.vpcId],
  'subnet-id': (i) => [i.subnetId],
  'availability-zone': (i) => [i.availabilityZone],
  'instance-state-name': (i) => [i.state],
  'instance-type': (i) => [i.instanceType],
  'image-id': (i) => [i.imageId],
  'block-device-mapping.volume-id': (i) => Object.values(i.devices),
  'block-device-mapping.device-name': (i) => Object.keys(i.devices),
  'instance.group-id': (i) => i.securityGroupIds ?? [],
  'iam-instance-profile.arn': (i) => [i.iamInstanceProfileArn],
  'client-token': (i) => [i.clientToken],
  'reservation-id': (i) => [i.reservationId],
};

/** All ids are checked before any instance changes, so a typo changes nothing. */
function instancesOf(world: LabWorld, q: QueryParams): InstanceRecord[] {
  const ids = q.list('InstanceId');
  if (!ids.length) throw new AwsFault('MissingParameter', 'The request must contain the parameter InstanceId');
  return ids.map((id) => world.instance(id));
}

function changesShape(changes: StateChange[]) {
  return {
    instancesSet: changes.map((c) => ({
      instanceId: c.instanceId,
      currentState: instanceState(c.current),
      previousState: instanceState(c.previous),
    })),
  };
}

/** Instances grouped by the reservation (RunInstances call) that launched them, in launch order. */
function reservations(world: LabWorld, instances: InstanceRecord[]) {
  const byReservation = new Map<string, InstanceRecord[]>();
  for (const inst of instances) {
    const id = inst.reservationId ?? `r-${inst.instanceId.slice(2)}`;
    byReservation.set(id, [...(byReservation.get(id) ?? []), inst]);
  }
  return [...byReservation.entries()].map(([reservationId, members]) => ({
    reservationId,
    ownerId: world.accountId,
    groupSet: [],
    instancesSet: members.map((inst) => instanceShape(world, inst)),
  }));
}

// AWS: DescribeInstances MaxResults 5-1000, not together with instance ids (API reference).
const describeInstances: Ec2Action = (world, q, ctx) => {
  const { items, nextToken } = describe(q, ctx, {
    action: 'DescribeInstances', rule: { min: 5, max: 1000, idsSet: 'instancesSet' }, ids: q.list('InstanceId'),
    byId: (id) => world.instance(id), all: () => world.listed(world.instances), fields: INSTANCE_FILTERS,
  });
  return { reservationSet: reservations(world, items), nextToken };
};

const stopInstances: Ec2Action = (world, q) =>
  changesShape(instancesOf(world, q).map((i) => world.stopInstance(i.instanceId)));

const startInstances: Ec2Action = (world, q, ctx) =>
  changesShape(instancesOf(world, q).map((i) => world.startInstance(i.instanceId, ctx.caller.launcher)));

/** Only BlockDeviceMapping.N.Ebs.DeleteOnTermination is modelled: the one attribute a volume swap changes. */
const modifyInstanceAttribute: Ec2Action = (world, q) => {
  const inst = world.instance(q.require('InstanceId'));
  const mappings = q.groups('BlockDeviceMapping').map((g) => ({
    device: g.require('DeviceName'),
    deleteOnTermination: g.bool('Ebs.DeleteOnTermination'),
  }));
  if (!mappings.length) {
    throw new AwsFault('UnsupportedOperation', 'The lab models only BlockDeviceMapping.N.Ebs.DeleteOnTermination.');
  }
  for (const m of mappings) {
    if (!inst.devices[m.device]) {
      throw new AwsFault('InvalidInstanceAttributeValue', `No device is currently mapped at ${m.device}`);
    }
  }
  for (const m of mappings) {
    if (m.deleteOnTermination !== undefined) world.setDeleteOnTermination(inst.instanceId, m.device, m.deleteOnTermination);
  }
  return { return: true };
};

export const INSTANCE_ACTIONS: Record<string, Ec2Action> = {
  DescribeInstances: describeInstances,
  StopInstances: stopInstances,
  StartInstances: startInstances,
  ModifyInstanceAttribute: modifyInstanceAttribute,
};
