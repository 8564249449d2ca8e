// Document step 2, "make a note of the current unencrypted list", done before anything changes:
// per SE group of the cloud, each SE mapped to its EC2 instance by management IP (the SE model
// has no instance id, reference §5.1), its root volume checked against the key, the virtual
// services it carries, and the group settings its capacity depends on.

import type { SeEnableState, SeGroupConfig, ServiceEngine, VirtualService } from '../../avi/fleet-types.js';
import { refName, refUuid } from '../../avi/fleet-types.js';
import type { InstanceInfo, VolumeInfo } from '../../aws/types.js';
import type { StepDeps } from '../deps.js';
import { check } from '../effect.js';
import { PreflightError } from '../errors.js';
import type { Reads } from '../gateways.js';
import { required, type SeCloud, type SeData, type SeGroupItem, type SeItem } from './context.js';

export const LEGACY_HA = 'HA_MODE_LEGACY_ACTIVE_STANDBY';

export const mgmtIpOf = (se: ServiceEngine): string | undefined =>
  se.mgmt_vnic?.vnic_networks?.map((n) => n.ip?.ip_addr?.addr).find((a): a is string => !!a);

/** `scaleOut`: legacy active/standby groups cannot be drained (Avi: disable/migrate is not supported there). */
export function discoverGroups(deps: Pick<StepDeps, 'reads'>, opts: { scaleOut: boolean }) {
  return check<SeData, SeData>(async ({ data }) => {
    const cloud = required(data.cloud, 'the cloud');
    const keyArn = required(data.keyArn, 'the key ARN');
    const all = await deps.reads.engines.listSeGroups(cloud.uuid);
    for (const name of data.seGroups) {
      if (!all.some((g) => g.name === name)) {
        throw new PreflightError(`SE group "${name}" is not in cloud ${cloud.name} (its SE groups: ${all.map((g) => g.name).join(', ') || 'none'}); check --se-group`);
      }
    }
    const chosen = data.seGroups.length ? data.seGroups.map((n) => all.find((g) => g.name === n)!) : all;
    const fleet = await readFleet(deps.reads, cloud, new Set(chosen.map((g) => g.uuid)));
    const groups: SeGroupItem[] = [];
    for (const g of chosen) {
      const group = describeGroup(fleet, g, keyArn);
      // A group with no unencrypted SE stays in the data: it is reported as nothing to do, and passed over.
      if (opts.scaleOut && group.ses.length > 0 && group.haMode === LEGACY_HA) {
        throw new PreflightError(
          `SE group ${group.name} is ${LEGACY_HA}: Avi does not support disabling or migrating its SEs, so it cannot be scaled out; the documented alternative is to switch over each pair (POST /api/serviceengine/<uuid>/switchover), move the standby SE to a maintenance SE group and let the Controller create its replacement, or relaunch the group with downtime (--strategy se-relaunch --se-group ${group.name}); leave it out with --se-group`,
        );
      }
      groups.push(group);
    }
    return { groups } satisfies Partial<SeData>;
  });
}

/** The chosen groups' SEs and VSs, their instances and root volumes: a few paged queries for the whole cloud, not a few per group. */
interface Fleet {
  ses: Map<string, ServiceEngine[]>;
  vss: Map<string, VirtualService[]>;
  instances: Map<string, InstanceInfo>;
  volumes: Map<string, VolumeInfo>;
}

async function readFleet(reads: Reads, cloud: SeCloud, groups: Set<string>): Promise<Fleet> {
  const byGroup = <T extends { se_group_ref?: string }>(list: T[]) => {
    const out = new Map<string, T[]>();
    for (const x of list) {
      const g = refUuid(x.se_group_ref ?? '');
      if (g && groups.has(g)) out.set(g, [...(out.get(g) ?? []), x]);
    }
    return out;
  };
  const [allSes, allVss] = await Promise.all([reads.engines.listCloudServiceEngines(cloud.uuid), reads.engines.listCloudVirtualServices(cloud.uuid)]);
  const ses = byGroup(allSes);
  const instances = await instancesOf(reads, cloud, [...ses.values()].flat());
  const roots = [...instances.values()].flatMap((i) => i.blockDevices.filter((b) => b.device === i.rootDeviceName).map((b) => b.volumeId));
  const volumes = new Map((await reads.ec2.describeVolumes(roots)).map((v) => [v.volumeId, v]));
  return { ses, vss: byGroup(allVss), instances, volumes };
}

function describeGroup(fleet: Fleet, g: SeGroupConfig, keyArn: string): SeGroupItem {
  const ses = (fleet.ses.get(g.uuid) ?? []).sort((a, b) => a.name.localeCompare(b.name));
  const vss = fleet.vss.get(g.uuid) ?? [];
  const instances = fleet.instances;
  const maxVsPerSe = g.max_vs_per_se ?? 10;
  const old: SeItem[] = [];
  const encrypted: string[] = [];
  let encryptedEnabled = 0;
  let encryptedRoom = 0;
  for (const se of ses) {
    const ip = mgmtIpOf(se)!;
    const instance = instances.get(ip)!;
    const root = instance.blockDevices.find((b) => b.device === instance.rootDeviceName);
    if (!root) throw new PreflightError(`SE ${se.name} (${ip}): instance ${instance.instanceId} has no EBS volume at its root device ${instance.rootDeviceName}`);
    const volume = fleet.volumes.get(root.volumeId);
    if (!volume) throw new PreflightError(`SE ${se.name} (${ip}): EC2 does not list its root volume ${root.volumeId}; check --region and the AWS account`);
    const on = (se.vs_refs ?? []).map((r) => ({ uuid: refUuid(r) ?? r, name: refName(r) ?? refUuid(r) ?? r }));
    if (volume.encrypted && volume.kmsKeyId === keyArn) {
      encrypted.push(se.name);
      if ((se.enable_state ?? 'SE_STATE_ENABLED') === 'SE_STATE_ENABLED') {
        encryptedEnabled += 1;
        encryptedRoom += Math.max(0, maxVsPerSe - on.length);
      }
      continue;
    }
    old.push({
      uuid: se.uuid, name: se.name, mgmtIp: ip, instanceId: instance.instanceId, rootVolumeId: volume.volumeId,
      stateBefore: (se.enable_state ?? 'SE_STATE_ENABLED') as SeEnableState, vss: on,
    });
  }
  const haMode = g.ha_mode ?? 'HA_MODE_SHARED';
  return {
    uuid: g.uuid, name: g.name, haMode, ses: old, encrypted,
    vss: vss.map((v) => ({ uuid: v.uuid, name: v.name })).sort((a, b) => a.name.localeCompare(b.name)),
    limits: {
      maxSe: g.max_se ?? 10, maxVsPerSe, perVs: haMode === LEGACY_HA ? 2 : g.min_scaleout_per_vs ?? 1, vcpusPerSe: g.vcpus_per_se ?? 1,
      seCount: ses.length, encryptedEnabled, encryptedRoom,
    },
  };
}

/** Each SE's instance, by its management IP within the cloud's VPC: exactly one, or a refusal. */
async function instancesOf(reads: Reads, cloud: SeCloud, ses: ServiceEngine[]): Promise<Map<string, InstanceInfo>> {
  const ips = ses.map((se) => {
    const ip = mgmtIpOf(se);
    if (!ip) throw new PreflightError(`SE ${se.name} reports no management IP (mgmt_vnic); it cannot be mapped to its EC2 instance`);
    return ip;
  });
  const found = await reads.ec2.findInstancesByPrivateIp(ips, cloud.vpcId);
  const byIp = new Map<string, InstanceInfo>();
  ses.forEach((se, i) => {
    const matches = found.filter((f) => f.privateIp === ips[i]);
    if (matches.length !== 1) {
      throw new PreflightError(matches.length === 0
        ? `SE ${se.name} (${ips[i]}) has no EC2 instance with that private IP${cloud.vpcId ? ` in ${cloud.vpcId}` : ''}; check --region and the AWS account`
        : `SE ${se.name} (${ips[i]}) matches ${matches.length} instances (${matches.map((m) => m.instanceId).join(', ')}); cannot tell which one is the SE`);
    }
    byIp.set(ips[i]!, matches[0]!);
  });
  return byIp;
}
