// The lab's starting point: an Avi Controller cluster (1 or 3 nodes) running from the unencrypted
// Controller AMI, the encrypted copy of that AMI the Avi doc asks operators to make, and the keys.

import { newResourceId } from '../aws/resource-ids.js';
import type { ImageRecord, InstanceRecord, SnapshotRecord, Tags, VolumeRecord } from './types.js';
import type { LabWorld } from './world.js';

export interface LabSeed {
  region: string;
  vpcId: string;
  nodes: { ip: string; instanceId: string; az: string }[];
  customerKeyArn: string;
  customerKeyAlias: string;
  awsManagedKeyArn: string;
  controllerAmiId: string;
  encryptedAmiId: string;
  encryptedSnapshotId: string;
}

export const CONTROLLER_AMI_NAME = 'Avi-Controller-22.1.3-9096';
const ROOT_DEVICE = '/dev/xvda';
const ROOT_GIB = 128;
const NODE_IPS = ['10.10.1.11', '10.10.1.12', '10.10.1.13'];
const SEEDED_AT = '2026-01-15T09:00:00.000Z';

function addSnapshot(world: LabWorld, fields: Omit<SnapshotRecord, 'snapshotId' | 'state'>): SnapshotRecord {
  const snap: SnapshotRecord = { snapshotId: newResourceId('snap'), state: 'completed', ...fields };
  world.snapshots.set(snap.snapshotId, snap);
  return snap;
}

function addImage(world: LabWorld, name: string, snap: SnapshotRecord, tags: Tags): ImageRecord {
  const image: ImageRecord = {
    imageId: newResourceId('ami'),
    name,
    state: 'available',
    rootDeviceName: ROOT_DEVICE,
    blockDevices: [{
      device: ROOT_DEVICE,
      snapshotId: snap.snapshotId,
      volumeSize: snap.volumeSize,
      volumeType: 'gp3',
      encrypted: snap.encrypted,
      deleteOnTermination: true,
    }],
    tags,
  };
  world.images.set(image.imageId, image);
  return image;
}

/** A volume already attached (state in-use, attachment attached), as a launch leaves it. */
function addAttachedVolume(
  world: LabWorld,
  inst: InstanceRecord,
  device: string,
  fields: Pick<VolumeRecord, 'size' | 'content' | 'tags'> & { snapshotId?: string; deleteOnTermination: boolean },
): VolumeRecord {
  const { deleteOnTermination, ...rest } = fields;
  const vol: VolumeRecord = {
    volumeId: newResourceId('vol'),
    state: 'in-use',
    availabilityZone: inst.availabilityZone,
    volumeType: 'gp3',
    iops: 3000,
    throughput: 125,
    encrypted: false,
    createTime: inst.launchTime,
    ...rest,
    attachment: { instanceId: inst.instanceId, device, state: 'attached', deleteOnTermination, attachTime: inst.launchTime },
  };
  world.volumes.set(vol.volumeId, vol);
  inst.devices[device] = vol.volumeId;
  return vol;
}

export function seedWorld(world: LabWorld, opts: { nodes: 1 | 3 }): LabSeed {
  const { region } = world;
  const vpc = { vpcId: newResourceId('vpc'), cidr: '10.10.0.0/16' };
  world.vpcs.set(vpc.vpcId, vpc);
  // Real subnets cannot split .11/.12/.13 across zones (a /28 is the smallest); the lab keeps the
  // documented node IPs and gives each zone its own /24, so only node 1's IP lies inside its subnet's CIDR.
  const subnets = ['a', 'b', 'c'].map((letter, i) => {
    const subnet = { subnetId: newResourceId('subnet'), vpcId: vpc.vpcId, cidr: `10.10.${i + 1}.0/24`, availabilityZone: `${region}${letter}` };
    world.subnets.set(subnet.subnetId, subnet);
    return subnet;
  });

  const customerKeyAlias = 'alias/avi-controller';
  const customerKey = world.createKey({ description: 'Avi Controller root volumes' });
  world.createAlias(customerKeyAlias, customerKey.keyId);
  const awsManagedKey = world.awsManagedKey('ebs');

  const freshSnap = addSnapshot(world, {
    volumeSize: ROOT_GIB, encrypted: false, content: 'fresh', description: `Root of ${CONTROLLER_AMI_NAME}`, tags: {},
  });
  const controllerAmi = addImage(world, CONTROLLER_AMI_NAME, freshSnap, {});
  const encryptedTags = { Name: `${CONTROLLER_AMI_NAME}-encrypted`, 'avi-lab:encrypted-copy-of': controllerAmi.imageId };
  const encryptedSnap = addSnapshot(world, {
    volumeSize: ROOT_GIB,
    encrypted: true,
    kmsKeyArn: customerKey.arn,
    content: 'fresh',
    description: `Copied for DestinationAmi from SourceAmi ${controllerAmi.imageId}`,
    tags: encryptedTags,
  });
  const encryptedAmi = addImage(world, `${CONTROLLER_AMI_NAME}-encrypted`, encryptedSnap, encryptedTags);

  const nodes = NODE_IPS.slice(0, opts.nodes).map((ip, i) => {
    const subnet = subnets[i]!;
    const inst: InstanceRecord = {
      instanceId: newResourceId('i'),
      imageId: controllerAmi.imageId,
      instanceType: 'm5.2xlarge',
      state: 'running',
      stateTransitionReason: '',
      vpcId: vpc.vpcId,
      subnetId: subnet.subnetId,
      availabilityZone: subnet.availabilityZone,
      privateIp: ip,
      rootDeviceName: ROOT_DEVICE,
      devices: {},
      launchTime: SEEDED_AT,
      tags: { Name: `avi-controller-${i + 1}` },
    };
    world.instances.set(inst.instanceId, inst);
    addAttachedVolume(world, inst, ROOT_DEVICE, {
      size: ROOT_GIB,
      content: 'configured',
      snapshotId: freshSnap.snapshotId,
      // Node 2 keeps its root on termination, so a migration must carry that flag over, not assume true.
      deleteOnTermination: !(opts.nodes === 3 && i === 1),
      tags: { Name: `avi-controller-${i + 1}-root` },
    });
    if (i === 0) {
      // A data disk on node 1, so code that takes "the first volume" as root is caught.
      addAttachedVolume(world, inst, '/dev/sdb', {
        size: 64, content: 'data', deleteOnTermination: false, tags: { Name: 'avi-controller-1-data' },
      });
    }
    return { ip, instanceId: inst.instanceId, az: inst.availabilityZone };
  });

  return {
    region,
    vpcId: vpc.vpcId,
    nodes,
    customerKeyArn: customerKey.arn,
    customerKeyAlias,
    awsManagedKeyArn: awsManagedKey.arn,
    controllerAmiId: controllerAmi.imageId,
    encryptedAmiId: encryptedAmi.imageId,
    encryptedSnapshotId: encryptedSnap.snapshotId,
  };
}
