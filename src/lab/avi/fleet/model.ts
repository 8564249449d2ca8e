// The simulated Controller's Service Engines and virtual services: records, enums and the
// documented durations (real milliseconds; the lab clock scales them). Facts:
// ../shared/reference/avi-controller-api.md §5-§7; 17.1 docs "Disable SE" and "Infrastructure".

export const ENABLE_STATES = ['SE_STATE_ENABLED', 'SE_STATE_DISABLED_FOR_PLACEMENT', 'SE_STATE_DISABLED', 'SE_STATE_DISABLED_FORCE'] as const;
export type EnableState = (typeof ENABLE_STATES)[number];

export type MigrateState = 'SE_MIGRATE_STATE_IDLE' | 'SE_MIGRATE_STATE_STARTED' | 'SE_MIGRATE_STATE_FINISHED_WITH_FAILURE' | 'SE_MIGRATE_STATE_FINISHED';

export const HA_MODES = ['HA_MODE_SHARED_PAIR', 'HA_MODE_SHARED', 'HA_MODE_LEGACY_ACTIVE_STANDBY'] as const;
export const PLACEMENT_ALGOS = ['PLACEMENT_ALGO_PACKED', 'PLACEMENT_ALGO_DISTRIBUTED'] as const;

export const FLEET_DURATIONS = {
  /** SE VM booted to SE registered with the Controller. Docs: "several minutes" [WEB-disable]; kept under
   *  vs_se_bootup_fail (480 s). The figure itself is UNVERIFIED. */
  seBootMs: 240_000,
  /** A virtual service's VIP placed on one more SE (scale-out). UNVERIFIED figure. */
  scaleOutMs: 30_000,
  /** Scale-in from an SE: the lab takes the whole SEG vs_scalein_timeout default (30 s). */
  scaleInMs: 30_000,
  /** controllerproperties vs_awaiting_se_timeout (60 s): how long a VS waits for an SE before its move fails. */
  awaitingSeMs: 60_000,
  /** 17.1 docs: "If creation of the SE fails, the Controller will wait for five minutes and then attempt to recreate". */
  seCreateRetryMs: 300_000,
  /** SE image regenerated after the cloud's encryption changes. UNVERIFIED figure (no published one). */
  imageGenMs: 600_000,
} as const;

export type PlacementState = 'awaiting-se' | 'scaling-out' | 'active' | 'scaling-in';

/** One SE a virtual service's VIP is (being) placed on. */
export interface Placement {
  seUuid: string;
  state: PlacementState;
  primary: boolean;
  standby: boolean;
}

export interface SeRecord {
  uuid: string;
  name: string;
  cloudUuid: string;
  groupUuid: string;
  enableState: EnableState;
  instanceId: string;
  mgmtIp: string;
  mask: number;
  macAddress: string;
  subnetId: string;
  subnetCidr: string;
  availabilityZone: string;
  flavor: string;
  /** The EC2 instance is running. */
  powered: boolean;
  /** Registered with the Controller (heartbeats flowing). */
  connected: boolean;
  /** Launched by the Controller and not registered yet. */
  creating: boolean;
  migrate: MigrateState;
  /** VS uuids whose move off this (disabled) SE failed: MIGRATE_SE_FAILED. */
  failedVs: Set<string>;
  onlineSince?: string;
  /** Bumped on power changes, so a stale boot timer does nothing. */
  gen: number;
  operChanged: Date;
}

export interface VsRecord {
  uuid: string;
  name: string;
  cloudUuid: string;
  groupUuid: string;
  vip: string;
  placements: Placement[];
  /** Why it cannot get an SE right now (shown while it is down). */
  waitReason?: string;
  /** Set while a move off a disabled SE waits for an SE; the awaiting timer checks it is still the same wait. */
  stuck?: object;
  operChanged: Date;
}

export type ImageState = 'IMG_GEN_IN_PROGRESS' | 'IMG_GEN_COMPLETE' | 'IMG_GEN_FAILED';

/** The cloud's SE image (an AMI in the world) and its regeneration after an encryption change. */
export interface SeImage {
  imageId: string;
  state: ImageState;
  reason?: string;
  /** Bumped per regeneration, so an older one finishing does nothing. */
  gen: number;
}

/** SEs that take no part in serving a VS's future: being drained or gone. */
export const leaving = (se: SeRecord | undefined): boolean =>
  !se || se.enableState === 'SE_STATE_DISABLED' || se.enableState === 'SE_STATE_DISABLED_FORCE';

export const serving = (se: SeRecord | undefined): boolean => !!se && se.powered && se.connected;

/** ServiceEngineRuntimeSummary.oper_status.state, as the "Disable SE" page describes it. */
export function seOperState(se: SeRecord): string {
  if (!se.powered || !se.connected) return se.creating ? 'OPER_CREATING' : 'OPER_DOWN';
  if (!leaving(se)) return 'OPER_UP';
  if (se.migrate === 'SE_MIGRATE_STATE_STARTED') return 'OPER_DISABLING';
  if (se.migrate === 'SE_MIGRATE_STATE_FINISHED_WITH_FAILURE') return 'OPER_ERROR_DISABLED';
  return 'OPER_DISABLED';
}

/** A VIP is up while at least one SE that holds it active is running and connected. */
export function vsUp(vs: VsRecord, ses: Map<string, SeRecord>): boolean {
  return vs.placements.some((p) => (p.state === 'active' || p.state === 'scaling-in') && serving(ses.get(p.seUuid)));
}
