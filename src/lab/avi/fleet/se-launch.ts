// SEs as EC2 instances: the Controller (write-access AWS cloud) launches an SE from the cloud's
// current SE image into a management subnet of the cloud's zones; the SE registers once it has
// booted; its power follows the instance; a deleted SE's instance is terminated.

import { randomBytes, randomUUID } from 'node:crypto';
import type { Cloud } from '../../../avi/types.js';
import type { InstanceRecord } from '../../world/types.js';
import { launchInstance } from '../../world/launch.js';
import { terminateInstance } from '../../world/terminate.js';
import type { SeGroup } from '../config.js';
import { FLEET_DURATIONS, type SeImage, type SeRecord } from './model.js';
import { recordSe } from './record.js';
import { sesOf, type FleetState } from './state.js';

interface Zone { availability_zone?: string; mgmt_network_uuid?: string; mgmt_network_name?: string }

/** `<se_name_prefix>-se-<5 letters>`, like the SE VM names Avi gives. */
export function seName(prefix: string, taken: (name: string) => boolean): string {
  for (;;) {
    const name = `${prefix}-se-${[...randomBytes(5)].map((b) => String.fromCharCode(97 + (b % 26))).join('')}`;
    if (!taken(name)) return name;
  }
}

export function macAddress(): string {
  return ['0e', ...[...randomBytes(5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/** Launches one SE for the group; returns why it could not, instead, when EC2 refuses. */
export function launchSe(f: FleetState, group: SeGroup, cloud: Cloud, image: SeImage, blocked: () => void): SeRecord | string {
  const zones = ((cloud.aws_configuration?.zones ?? []) as Zone[]).filter((z) => z.mgmt_network_uuid && f.world.subnets.has(z.mgmt_network_uuid));
  if (zones.length === 0) return `cloud ${cloud.name} has no management subnet in aws_configuration.zones`;
  // Spread the group over its zones: the zone with the fewest of its SEs first.
  const inZone = (z: Zone) => sesOf(f, group.uuid).filter((s) => s.subnetId === z.mgmt_network_uuid).length;
  const zone = zones.reduce((best, z) => (inZone(z) < inZone(best) ? z : best));
  const subnet = f.world.subnets.get(zone.mgmt_network_uuid!)!;
  const name = seName(group.se_name_prefix, (n) => [...f.ses.values()].some((s) => s.name === n));
  const tags = Object.fromEntries(((group.custom_tag ?? []) as { tag_key: string; tag_val: string }[]).map((t) => [t.tag_key, t.tag_val]));
  let inst: InstanceRecord;
  try {
    inst = launchInstance(f.world, {
      imageId: image.imageId, instanceType: String(group.instance_flavor ?? 'c5.large'), subnetId: subnet.subnetId,
      tags: { ...tags, Name: name }, volumeTags: { Name: `${name}-root` },
    });
  } catch (e) {
    blocked();
    return `Service Engine launch failed: ${(e as Error).message}`;
  }
  const root = f.world.rootVolume(inst.instanceId);
  const se: SeRecord = {
    uuid: `se-${randomUUID()}`, name, cloudUuid: cloud.uuid, groupUuid: group.uuid, enableState: 'SE_STATE_ENABLED',
    instanceId: inst.instanceId, mgmtIp: inst.privateIp, mask: Number(subnet.cidr.split('/')[1]), macAddress: macAddress(),
    subnetId: subnet.subnetId, subnetCidr: subnet.cidr, availabilityZone: subnet.availabilityZone, flavor: inst.instanceType,
    powered: false, connected: false, creating: true, migrate: 'SE_MIGRATE_STATE_IDLE', failedVs: new Set(), gen: 0, operChanged: new Date(),
  };
  f.ses.set(se.uuid, se);
  const encrypted = root?.encrypted ? `root encrypted with ${root.kmsKeyArn}` : 'root unencrypted';
  recordSe(f, se, `launched ${inst.instanceId} (${inst.privateIp}) from ${image.imageId}, ${encrypted}`);
  return se;
}

/** The instance changed state: power follows it, and a running SE registers after it boots; `settled` re-places. */
export function followInstance(f: FleetState, se: SeRecord, inst: InstanceRecord, settled: () => void): void {
  if (inst.state === 'running' && !se.powered) {
    se.powered = true;
    const gen = ++se.gen;
    f.world.clock.after(FLEET_DURATIONS.seBootMs, () => {
      if (f.closed || se.gen !== gen || !se.powered || !f.ses.has(se.uuid)) return;
      se.connected = true;
      se.creating = false;
      se.onlineSince = new Date().toISOString();
      settled();
    });
    settled();
  } else if (inst.state !== 'running' && (se.powered || inst.state === 'terminated')) {
    se.powered = false;
    se.connected = false;
    se.gen++;
    settled();
  }
}

/** The Controller deletes the SE VM it created (write-access cloud). */
export function terminateSe(f: FleetState, se: SeRecord): void {
  const inst = f.world.instances.get(se.instanceId);
  if (inst && inst.state !== 'terminated') terminateInstance(f.world, se.instanceId);
}
