// The fleet `lab up` seeds beside the Controller cluster: the AWS cloud gets its zones and
// management subnets (one /22 per AZ, room for 1,000 SEs and their replacements), an unencrypted
// SE image, SE groups whose SEs are running EC2 instances launched from it, and virtual services
// placed on them. Encryption is AWS_ENCRYPTION_MODE_NONE, as a cloud made before 17.2.3 has it.

import { randomUUID } from 'node:crypto';
import { newResourceId } from '../../aws/resource-ids.js';
import type { InstanceRecord, SubnetRecord, VolumeRecord } from '../../world/types.js';
import type { ControllerConfig, SeGroup } from '../config.js';
import { DURATION_MS, type LabWorld } from '../../world/world.js';
import { FLEET_DURATIONS, type Placement, type SeImage, type SeRecord, type VsRecord } from './model.js';
import type { FleetOptions } from './options.js';
import { registerSeImage, SE_IMAGE_NAME } from './se-image.js';
import { macAddress, seName } from './se-launch.js';

export interface FleetSeed {
  cloud: { name: string; uuid: string };
  seImageId: string;
  seMgmtSubnets: { subnetId: string; cidr: string; availabilityZone: string }[];
  groups: { name: string; uuid: string; maxSe: number; haMode: string; serviceEngines: number; virtualServices: number }[];
  options: FleetOptions;
  /** Real (unscaled) milliseconds the lab uses, for lower bounds: multiply by the profile's timeScale. */
  durations: typeof FLEET_DURATIONS & { instanceStartMs: number; instanceTerminateMs: number };
}

export interface SeededFleet {
  ses: SeRecord[];
  vss: VsRecord[];
  image: SeImage;
  seed: FleetSeed;
}

const SEEDED_AT = '2026-01-15T09:30:00.000Z';
const GROUP_NAMES = ['Default-Group', 'web-segroup'];

export function seedFleet(world: LabWorld, config: ControllerConfig, options: FleetOptions): SeededFleet {
  const cloud = config.clouds.find((c) => c.vtype === 'CLOUD_AWS');
  const vpcId = cloud?.aws_configuration?.vpc_id;
  if (!cloud?.aws_configuration || !vpcId) throw new Error('the lab fleet needs the seeded AWS cloud and its VPC');
  const subnets = ['a', 'b', 'c'].map((letter, i): SubnetRecord => {
    const subnet = { subnetId: newResourceId('subnet'), vpcId, cidr: `10.10.${16 + 4 * i}.0/22`, availabilityZone: `${world.region}${letter}` };
    world.subnets.set(subnet.subnetId, subnet);
    return subnet;
  });
  cloud.aws_configuration.zones = subnets.map((s) => ({ availability_zone: s.availabilityZone, mgmt_network_name: s.cidr, mgmt_network_uuid: s.subnetId }));
  const image = registerSeImage(world, SE_IMAGE_NAME);

  const ses: SeRecord[] = [];
  const vss: VsRecord[] = [];
  let seIndex = 0;
  const names = new Set<string>();
  config.seGroups = options.groups.map((count, g) => {
    const legacy = options.legacyHa && g === 1;
    const group = seGroup(GROUP_NAMES[g] ?? `segroup-${String(g + 1).padStart(3, '0')}`, cloud.uuid, count, options, legacy);
    const members = Array.from({ length: count }, () => {
      const subnet = subnets[seIndex % subnets.length]!;
      const host = 4 + Math.floor(seIndex++ / subnets.length); // AWS keeps the first four addresses
      return seededSe(world, group, subnet, host, image.imageId, names);
    });
    ses.push(...members);
    // vsPerSe on every SE, or the group's own count dealt round-robin over its SEs.
    const hosts = options.vsPerGroup?.[g] === undefined
      ? members.flatMap((_, i) => Array<number>(options.vsPerSe).fill(i))
      : Array.from({ length: options.vsPerGroup[g]! }, (_, k) => k % members.length);
    for (const i of hosts) {
      const placements: Placement[] = [{ seUuid: members[i]!.uuid, state: 'active', primary: true, standby: false }];
      const pair = members[i ^ 1];
      if (legacy && pair) placements.push({ seUuid: pair.uuid, state: 'active', primary: false, standby: true });
      const n = vss.length + 1;
      vss.push({
        uuid: `virtualservice-${randomUUID()}`, name: `vs-${String(n).padStart(2, '0')}`, cloudUuid: cloud.uuid, groupUuid: group.uuid,
        vip: `10.10.${128 + Math.floor(n / 250)}.${(n % 250) + 4}`, placements, operChanged: new Date(SEEDED_AT),
      });
    }
    return group;
  });

  return {
    ses, vss,
    image: { imageId: image.imageId, state: 'IMG_GEN_COMPLETE', gen: 0 },
    seed: {
      cloud: { name: cloud.name, uuid: cloud.uuid },
      seImageId: image.imageId,
      seMgmtSubnets: subnets.map(({ subnetId, cidr, availabilityZone }) => ({ subnetId, cidr, availabilityZone })),
      groups: config.seGroups.map((g) => ({
        name: g.name, uuid: g.uuid, maxSe: g.max_se, haMode: g.ha_mode,
        serviceEngines: ses.filter((s) => s.groupUuid === g.uuid).length, virtualServices: vss.filter((v) => v.groupUuid === g.uuid).length,
      })),
      options,
      durations: { ...FLEET_DURATIONS, instanceStartMs: DURATION_MS.start, instanceTerminateMs: DURATION_MS.stop },
    },
  };
}

/** SEG fields and defaults from swagger/ServiceEngineGroup.yaml [SW-SEG]. */
function seGroup(name: string, cloudUuid: string, count: number, o: FleetOptions, legacy: boolean): SeGroup {
  return {
    uuid: `serviceenginegroup-${randomUUID()}`, name, cloud_uuid: cloudUuid,
    // Room for a scale-out migration (old SEs stay until deleted) unless the trap is asked for.
    max_se: o.maxSeTrap ? count : Math.min(1000, Math.max(10, 2 * count)),
    min_se: 1, buffer_se: 1, min_scaleout_per_vs: 1, max_scaleout_per_vs: 4,
    ha_mode: legacy ? 'HA_MODE_LEGACY_ACTIVE_STANDBY' : 'HA_MODE_SHARED', algo: 'PLACEMENT_ALGO_PACKED',
    max_vs_per_se: Math.max(10, o.vsPerSe), vcpus_per_se: 1, memory_per_se: 2048, disk_per_se: 15, instance_flavor: 'c5.large',
    se_name_prefix: 'Avi', se_deprovision_delay: 120, vs_scaleout_timeout: 600, vs_scalein_timeout: 30, custom_tag: [],
  };
}

/** A running SE instance, as a launch long ago left it: root from the (unencrypted) SE image. */
function seededSe(world: LabWorld, group: SeGroup, subnet: SubnetRecord, host: number, imageId: string, names: Set<string>): SeRecord {
  const [base, bits] = subnet.cidr.split('/');
  const o = base!.split('.').map(Number);
  const ip = `${o[0]}.${o[1]}.${o[2]! + Math.floor(host / 256)}.${host % 256}`;
  const name = seName(group.se_name_prefix, (n) => names.has(n));
  names.add(name);
  const image = world.image(imageId);
  const inst: InstanceRecord = {
    instanceId: newResourceId('i'), imageId, instanceType: 'c5.large', state: 'running', stateTransitionReason: '',
    vpcId: subnet.vpcId, subnetId: subnet.subnetId, availabilityZone: subnet.availabilityZone, privateIp: ip,
    rootDeviceName: image.rootDeviceName, devices: {}, launchTime: SEEDED_AT, tags: { Name: name },
  };
  const mapping = image.blockDevices[0]!;
  const root: VolumeRecord = {
    volumeId: newResourceId('vol'), state: 'in-use', availabilityZone: subnet.availabilityZone, size: mapping.volumeSize,
    volumeType: 'gp3', iops: 3000, throughput: 125, encrypted: false, snapshotId: mapping.snapshotId, content: 'data',
    createTime: SEEDED_AT, tags: { Name: `${name}-root` },
    attachment: { instanceId: inst.instanceId, device: image.rootDeviceName, state: 'attached', deleteOnTermination: true, attachTime: SEEDED_AT },
  };
  world.instances.set(inst.instanceId, inst);
  world.volumes.set(root.volumeId, root);
  inst.devices[image.rootDeviceName] = root.volumeId;
  return {
    uuid: `se-${randomUUID()}`, name, cloudUuid: group.cloud_uuid, groupUuid: group.uuid, enableState: 'SE_STATE_ENABLED',
    instanceId: inst.instanceId, mgmtIp: ip, mask: Number(bits), macAddress: macAddress(), subnetId: subnet.subnetId, subnetCidr: subnet.cidr,
    availabilityZone: subnet.availabilityZone, flavor: inst.instanceType, powered: true, connected: true, creating: false,
    migrate: 'SE_MIGRATE_STATE_IDLE', failedVs: new Set(), onlineSince: SEEDED_AT, gen: 0, operChanged: new Date(SEEDED_AT),
  };
}
