// API shapes of the fleet objects, per the Avi object model (reference §5-§7; vmware/alb-sdk
// go/models service_engine.go, v_n_i_c.go, service_engine_runtime_summary.go, vip_summary.go,
// vip_se_assigned.go). Refs are rendered with `#name`; the query layer strips it unless include_name.

import type { Cloud } from '../../../avi/types.js';
import { VERSION, type SeGroup } from '../config.js';
import { seOperState, serving, vsUp, type SeRecord, type VsRecord } from './model.js';
import type { FleetState } from './state.js';

export type Json = Record<string, unknown>;

export const ref = (origin: string, type: string, uuid: string, name?: string): string =>
  `${origin}/api/${type}/${uuid}${name ? `#${name}` : ''}`;

const v4 = (addr: string) => ({ addr, type: 'V4' });
const changed = (at: Date) => ({ secs: Math.floor(at.getTime() / 1000), usecs: (at.getTime() % 1000) * 1000 });

function common(origin: string, type: string, uuid: string, name: string): Json {
  return { url: ref(origin, type, uuid, name), uuid, name, tenant_ref: ref(origin, 'tenant', 'admin', 'admin') };
}

function cloudRef(origin: string, clouds: Cloud[], uuid: string): string {
  return ref(origin, 'cloud', uuid, clouds.find((c) => c.uuid === uuid)?.name);
}

function groupRef(f: FleetState, origin: string, uuid: string): string {
  return ref(origin, 'serviceenginegroup', uuid, f.config().seGroups.find((g) => g.uuid === uuid)?.name);
}

export function cloudJson(origin: string, cloud: Cloud): Json {
  return { ...common(origin, 'cloud', cloud.uuid, cloud.name), ...cloud };
}

export function groupJson(origin: string, group: SeGroup, clouds: Cloud[]): Json {
  const { cloud_uuid, ...rest } = group;
  return { ...common(origin, 'serviceenginegroup', group.uuid, group.name), ...rest, cloud_ref: cloudRef(origin, clouds, cloud_uuid) };
}

/** VS uuid lists per SE uuid, built once per request (a 1,000-SE page would otherwise rescan every VS per SE). */
export function hostIndex(f: FleetState): (se: SeRecord) => VsRecord[] {
  let index: Map<string, VsRecord[]> | undefined;
  return (se) => {
    if (!index) {
      index = new Map();
      for (const vs of f.vss.values()) {
        for (const p of vs.placements) {
          const on = index.get(p.seUuid);
          if (on) on.push(vs);
          else index.set(p.seUuid, [vs]);
        }
      }
    }
    return index.get(se.uuid) ?? [];
  };
}

/** /api/serviceengine: config, with vs_refs (derived, read-only; used by Avi's metrics scripts). */
export function seJson(f: FleetState, origin: string, se: SeRecord, on: VsRecord[]): Json {
  const group = f.config().seGroups.find((g) => g.uuid === se.groupUuid);
  return {
    ...common(origin, 'serviceengine', se.uuid, se.name),
    cloud_ref: cloudRef(origin, f.config().clouds, se.cloudUuid),
    se_group_ref: groupRef(f, origin, se.groupUuid),
    enable_state: se.enableState,
    availability_zone: se.availabilityZone,
    flavor: se.flavor,
    controller_created: true,
    container_mode: false,
    resources: { num_vcpus: group?.vcpus_per_se ?? 1, memory: group?.memory_per_se ?? 2048, disk: group?.disk_per_se ?? 15 },
    mgmt_vnic: {
      mac_address: se.macAddress, if_name: 'eth0', linux_name: 'eth0', network_name: se.subnetCidr, connected: se.connected, is_mgmt: true,
      vnic_networks: [{ ip: { ip_addr: v4(se.mgmtIp), mask: se.mask }, mode: 'DHCP' }],
    },
    vs_refs: on.map((v) => ref(origin, 'virtualservice', v.uuid, v.name)),
  };
}

/** ServiceEngineRuntimeSummary (the exact shape of /serviceengine/<uuid>/runtime is UNVERIFIED). */
export function seRuntime(f: FleetState, se: SeRecord): Json {
  const failed = se.migrate === 'SE_MIGRATE_STATE_FINISHED_WITH_FAILURE';
  const stuck = [...se.failedVs].map((uuid) => f.vss.get(uuid)?.name ?? uuid).join(', ');
  return {
    se_connected: se.connected,
    power_state: se.powered ? 'SE_POWER_ON' : 'SE_POWER_OFF',
    oper_status: {
      state: seOperState(se), last_changed_time: changed(se.operChanged),
      ...(failed ? { reason: [`MIGRATE_SE_FAILED: virtual services ${stuck} could not be migrated and keep running on this Service Engine`] } : {}),
    },
    migrate_state: se.migrate,
    version: VERSION.Tag,
    at_curr_ver: true,
    gateway_up: se.connected,
    ...(se.onlineSince && se.connected ? { online_since: se.onlineSince } : {}),
  };
}

/** /api/serviceengine-inventory: {config, runtime}; 22.1 names the VS list vs_refs [ADOC-inv]. */
export function seInventory(f: FleetState, origin: string, se: SeRecord, on: VsRecord[]): Json {
  const config = seJson(f, origin, se, on);
  return {
    config: {
      url: config.url, uuid: se.uuid, name: se.name, tenant_ref: config.tenant_ref, cloud_ref: config.cloud_ref, se_group_ref: config.se_group_ref,
      enable_state: se.enableState, mgmt_ip_address: v4(se.mgmtIp), vs_refs: config.vs_refs,
    },
    runtime: seRuntime(f, se),
  };
}

export function vsJson(f: FleetState, origin: string, vs: VsRecord): Json {
  return {
    ...common(origin, 'virtualservice', vs.uuid, vs.name),
    cloud_ref: cloudRef(origin, f.config().clouds, vs.cloudUuid),
    cloud_type: 'CLOUD_AWS',
    se_group_ref: groupRef(f, origin, vs.groupUuid),
    enabled: true,
    type: 'VS_TYPE_NORMAL',
    services: [{ port: 443, port_range_end: 443, enable_ssl: true }],
  };
}

/** VS runtime: oper_status and vip_summary[].service_engine[] ({url, primary} as Avi's scripts read it). */
export function vsRuntime(f: FleetState, origin: string, vs: VsRecord): Json {
  const up = vsUp(vs, f.ses);
  const status = { state: up ? 'OPER_UP' : 'OPER_DOWN', last_changed_time: changed(vs.operChanged), ...(up ? {} : { reason: [vs.waitReason ?? 'No Service Engine is serving the virtual service'] }) };
  const engines = vs.placements.flatMap((p) => {
    const se = f.ses.get(p.seUuid);
    if (!se) return [];
    const active = (p.state === 'active' || p.state === 'scaling-in') && serving(se);
    return [{
      url: ref(origin, 'serviceengine', se.uuid, se.name), uuid: se.uuid, name: se.name, mgmt_ip: v4(se.mgmtIp),
      primary: p.primary, standby: p.standby, connected: se.connected, active_on_se: active,
      scaleout_in_progress: p.state === 'awaiting-se' || p.state === 'scaling-out', scalein_in_progress: p.state === 'scaling-in',
      oper_status: { state: active ? 'OPER_UP' : p.state === 'scaling-in' || p.state === 'active' ? 'OPER_DOWN' : 'OPER_CREATING' },
    }];
  });
  const assigned = engines.filter((e) => e.active_on_se).length;
  const percent = engines.length === 0 ? 0 : Math.round((100 * assigned) / engines.length);
  return {
    oper_status: status,
    percent_ses_up: percent,
    vip_summary: [{
      vip_id: '0', ip_address: v4(vs.vip), oper_status: status, num_se_assigned: assigned, num_se_requested: engines.length,
      percent_ses_up: percent, service_engine: engines,
    }],
  };
}
