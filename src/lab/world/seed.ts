// The lab's starting point: an Avi Controller cluster (1 or 3 nodes) running from the Controller
// AMI (seed-images.ts), the encrypted copy of that AMI the Avi doc asks operators to make, the keys,
// and the network around the nodes: subnets, a security group, an instance profile and one Elastic
// IP on each node.

import { newResourceId } from '../aws/resource-ids.js';
import { allocateAddress, associateAddress } from './addresses.js';
import { CONTROLLER_AMI_NAME, CONTROLLER_PRODUCT_CODE, ROOT_DEVICE, ROOT_GIB, seedImages } from './seed-images.js';
import type { InstanceRecord, VolumeRecord } from './types.js';
import type { LabWorld } from './world.js';

export { CONTROLLER_AMI_NAME } from './seed-images.js';

export interface LabSeed {
  region: string;
  vpcId: string;
  nodes: { ip: string; instanceId: string; az: string; subnetId: string }[];
  /** The subnets of zones a, b, c (10.10.1.0/24, 10.10.2.0/24, 10.10.3.0/24). */
  subnetIds: string[];
  securityGroupId: string;
  instanceProfileArn: string;
  /** One Elastic IP associated with each node, in node order. */
  elasticIps: { allocationId: string; publicIp: string; associationId: string; instanceId: string }[];
  customerKeyArn: string;
  customerKeyAlias: string;
  awsManagedKeyArn: string;
  /** The own-account Controller AMI the nodes run from; it carries a Marketplace product code. */
  controllerAmiId: string;
  /** The Marketplace product code on the Controller AMIs, their snapshots, the node volumes and instances. */
  productCode: string;
  encryptedAmiId: string;
  encryptedSnapshotId: string;
  /** The public AWS Marketplace listing AMI (owner aws-marketplace): CopyImage of it is refused. */
  marketplaceAmiId: string;
}

const NODE_IPS = ['10.10.1.11', '10.10.1.12', '10.10.1.13'];
const SEEDED_AT = '2026-01-15T09:00:00.000Z';

/** A volume already attached (state in-use, attachment attached), as a launch leaves it. */
function addAttachedVolume(
  world: LabWorld,
  inst: InstanceRecord,
  device: string,
  fields: Pick<VolumeRecord, 'size' | 'content' | 'tags'> & Partial<Pick<VolumeRecord, 'snapshotId' | 'productCodes'>> & { deleteOnTermination: boolean },
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
  const group = { groupId: newResourceId('sg'), groupName: 'avi-controller', vpcId: vpc.vpcId, description: 'Avi Controller cluster' };
  world.securityGroups.set(group.groupId, group);
  // The role name Avi's AWS docs give the Controller.
  const instanceProfileArn = `arn:aws:iam::${world.accountId}:instance-profile/AviController-Refined-Role`;
  world.instanceProfiles.add(instanceProfileArn);

  const customerKeyAlias = 'alias/avi-controller';
  const customerKey = world.createKey({ description: 'Avi Controller root volumes' });
  world.createAlias(customerKeyAlias, customerKey.keyId);
  const awsManagedKey = world.awsManagedKey('ebs');
  const images = seedImages(world, customerKey.arn);

  const nodes = NODE_IPS.slice(0, opts.nodes).map((ip, i) => {
    const subnet = subnets[i]!;
    const inst: InstanceRecord = {
      instanceId: newResourceId('i'),
      imageId: images.controller.imageId,
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
      securityGroupIds: [group.groupId],
      iamInstanceProfileArn: instanceProfileArn,
    };
    inst.networkInterfaceId = `eni-${inst.instanceId.slice(2)}`;
    inst.reservationId = `r-${inst.instanceId.slice(2)}`;
    world.instances.set(inst.instanceId, inst);
    addAttachedVolume(world, inst, ROOT_DEVICE, {
      size: ROOT_GIB,
      content: 'configured',
      snapshotId: images.controllerSnapshot.snapshotId,
      productCodes: [{ ...CONTROLLER_PRODUCT_CODE }],
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
    return { ip, instanceId: inst.instanceId, az: inst.availabilityZone, subnetId: subnet.subnetId };
  });

  const elasticIps = nodes.map((node, i) => {
    const addr = allocateAddress(world, { Name: `avi-controller-${i + 1}` });
    const associationId = associateAddress(world, { allocationId: addr.allocationId, instanceId: node.instanceId });
    return { allocationId: addr.allocationId, publicIp: addr.publicIp, associationId, instanceId: node.instanceId };
  });

  return {
    region,
    vpcId: vpc.vpcId,
    nodes,
    subnetIds: subnets.map((s) => s.subnetId),
    securityGroupId: group.groupId,
    instanceProfileArn,
    elasticIps,
    customerKeyArn: customerKey.arn,
    customerKeyAlias,
    awsManagedKeyArn: awsManagedKey.arn,
    controllerAmiId: images.controller.imageId,
    productCode: CONTROLLER_PRODUCT_CODE.productCodeId,
    encryptedAmiId: images.encrypted.imageId,
    encryptedSnapshotId: images.encryptedSnapshot.snapshotId,
    marketplaceAmiId: images.marketplace.imageId,
  };
}
