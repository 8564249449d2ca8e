// EC2 instance actions: DescribeInstances, StopInstances, StartInstances, ModifyInstanceAttribute.

import type { InstanceRecord } from '../world/types.js';
import type { LabWorld, StateChange } from '../world/world.js';
import { applyFilters, type FilterFields } from './ec2-filters.js';
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

const describeInstances: Ec2Action = (world, q) => {
  const ids = q.list('InstanceId');
  const chosen = ids.length ? ids.map((id) => world.instance(id)) : [...world.instances.values()];
  return {
    reservationSet: applyFilters(chosen, q.filters(), INSTANCE_FILTERS).map((inst) => ({
      reservationId: `r-${inst.instanceId.slice(2)}`,
      ownerId: world.accountId,
      groupSet: [],
      instancesSet: [instanceShape(world, inst)],
    })),
  };
};

const stopInstances: Ec2Action = (world, q) =>
  changesShape(instancesOf(world, q).map((i) => world.stopInstance(i.instanceId)));

const startInstances: Ec2Action = (world, q) =>
  changesShape(instancesOf(world, q).map((i) => world.startInstance(i.instanceId)));

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
