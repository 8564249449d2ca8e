// The Avi Controller contract for Service Engines, SE groups, virtual services and the cloud's
// encryption: what the SE runbooks may ask, in plain data. Facts: ../shared/reference/avi-controller-api.md §5-§7.

import type { Cloud } from './types.js';

export type SeEnableState = 'SE_STATE_ENABLED' | 'SE_STATE_DISABLED_FOR_PLACEMENT' | 'SE_STATE_DISABLED' | 'SE_STATE_DISABLED_FORCE';

export interface OperStatus {
  /** OPER_UP, OPER_DOWN, OPER_DISABLING, OPER_DISABLED, OPER_ERROR_DISABLED, ... (OperationalStatus enum). */
  state: string;
  reason?: string[];
  last_changed_time?: { secs: number; usecs?: number };
}

/** `/api/serviceenginegroup` (SW-SEG defaults in the comments). */
export interface SeGroupConfig {
  uuid: string;
  name: string;
  cloud_ref?: string;
  /** Default 10; disabled SEs count against it. */
  max_se?: number;
  /** Default 10. */
  max_vs_per_se?: number;
  /** Default 1. */
  min_scaleout_per_vs?: number;
  /** Default HA_MODE_SHARED. */
  ha_mode?: string;
  /** Default 1. */
  vcpus_per_se?: number;
  [extra: string]: unknown;
}

/** ServiceEngineRuntimeSummary, as `join_subresources=runtime` embeds it. */
export interface SeRuntime {
  se_connected?: boolean;
  oper_status?: OperStatus;
  /** SE_MIGRATE_STATE_IDLE | _STARTED | _FINISHED_WITH_FAILURE | _FINISHED (17.1.2). */
  migrate_state?: string;
  power_state?: string;
}

/** `/api/serviceengine`, read with include_name=true (refs end in `#name`) and the runtime joined. */
export interface ServiceEngine {
  uuid: string;
  name: string;
  cloud_ref?: string;
  se_group_ref?: string;
  enable_state?: SeEnableState | string;
  mgmt_vnic?: { vnic_networks?: Array<{ ip?: { ip_addr?: { addr?: string } } }> };
  /** One ref per virtual service placed on the SE (derived, read-only; DEVOPS-mc). */
  vs_refs?: string[];
  runtime?: SeRuntime;
  [extra: string]: unknown;
}

/** One SE a VIP is placed on (vip_summary[].service_engine[]: `url` in older releases, `ref` in 22.1). */
export interface VipServiceEngine {
  url?: string;
  ref?: string;
  primary?: boolean;
  standby?: boolean;
  connected?: boolean;
  oper_status?: OperStatus;
}

export interface VsRuntime {
  oper_status?: OperStatus;
  vip_summary?: Array<{ service_engine?: VipServiceEngine[] }>;
}

/** `/api/virtualservice` with the runtime joined. */
export interface VirtualService {
  uuid: string;
  name: string;
  se_group_ref?: string;
  runtime?: VsRuntime;
  [extra: string]: unknown;
}

/** `GET /api/cloud/<uuid>/status` (CloudStatus; se_image_state since 18.2.6). */
export interface CloudStatus {
  /** CLOUD_STATE_PLACEMENT_READY, CLOUD_STATE_IN_PROGRESS, CLOUD_STATE_FAILED, ... */
  state?: string;
  reason?: string;
  se_image_state?: Array<{ version?: string; state?: string; reason?: string }>;
}

/** Cloud reads: safe at any time, in a plan too. */
export interface CloudReads {
  listClouds(): Promise<Cloud[]>;
  getCloud(uuid: string): Promise<Cloud>;
  getCloudStatus(uuid: string): Promise<CloudStatus>;
}

/** Cloud changes: in a plan these reach the recorder. */
export interface CloudWrites {
  /** PUT /api/cloud/<uuid> with the whole object. */
  putCloud(cloud: Cloud): Promise<Cloud>;
}

/** SE, SE group and virtual service reads. Lists follow `next` to the last page. */
export interface EngineReads {
  listSeGroups(cloudUuid: string): Promise<SeGroupConfig[]>;
  /** The SEs of one SE group, named refs and runtime joined. */
  listServiceEngines(groupUuid: string): Promise<ServiceEngine[]>;
  /** One SE, named refs and runtime joined; undefined once it is deleted (404). */
  getServiceEngine(uuid: string): Promise<ServiceEngine | undefined>;
  /** The virtual services of one SE group, runtime joined. */
  listVirtualServices(groupUuid: string): Promise<VirtualService[]>;
  /** One virtual service with its runtime; undefined when it is gone (404). */
  getVirtualService(uuid: string): Promise<VirtualService | undefined>;
  /** Many SEs in one query per 100 (`uuid.in`), named refs and runtime joined; deleted ones are left out. */
  getServiceEngines(uuids: string[]): Promise<ServiceEngine[]>;
  /** Many virtual services in one query per 100 (`uuid.in`), runtime joined; gone ones are left out. */
  getVirtualServices(uuids: string[]): Promise<VirtualService[]>;
  /** Every SE of a cloud (`cloud_ref.uuid`), named refs and runtime joined: one paged query for all its SE groups. */
  listCloudServiceEngines(cloudUuid: string): Promise<ServiceEngine[]>;
  /** Every virtual service of a cloud, runtime joined. */
  listCloudVirtualServices(cloudUuid: string): Promise<VirtualService[]>;
}

/** SE changes: in a plan these reach the recorder. */
export interface EngineWrites {
  /** PATCH /api/serviceengine/<uuid> {"replace": {"enable_state": ...}}. */
  setEnableState(uuid: string, state: SeEnableState): Promise<void>;
  /** DELETE /api/serviceengine/<uuid>. */
  deleteServiceEngine(uuid: string): Promise<void>;
  /** POST /api/serviceengine/<uuid>/forcedelete. */
  forceDeleteServiceEngine(uuid: string): Promise<void>;
}

/** The uuid a ref names: `https://ctl/api/serviceengine/se-1#name` -> `se-1`. */
export function refUuid(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  const path = ref.split('#')[0]!.split('?')[0]!.replace(/\/+$/, '');
  return path.slice(path.lastIndexOf('/') + 1) || undefined;
}

/** The name an include_name ref carries after `#`. */
export function refName(ref: string | undefined): string | undefined {
  const i = ref?.indexOf('#') ?? -1;
  return i >= 0 ? ref!.slice(i + 1) : undefined;
}
