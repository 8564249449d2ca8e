// The fleet's shared state: what placement, SE lifecycle, image regeneration and the API read.
// Clouds and SE groups stay in the Controller's configuration (export/import carries them);
// SEs, virtual services and SE images live here.

import type { Cloud } from '../../../avi/types.js';
import type { Timeline } from '../../timeline.js';
import type { LabWorld } from '../../world/world.js';
import type { ControllerConfig, SeGroup } from '../config.js';
import type { SeImage, SeRecord, VsRecord } from './model.js';
import type { FleetOptions } from './options.js';

export interface FleetState {
  readonly world: LabWorld;
  readonly timeline: Timeline;
  readonly options: FleetOptions;
  /** The Controller's current configuration (it changes when a node boots factory-fresh or is restored). */
  config(): ControllerConfig;
  readonly ses: Map<string, SeRecord>;
  readonly vss: Map<string, VsRecord>;
  /** cloud uuid -> its SE image. */
  readonly images: Map<string, SeImage>;
  /** SE groups where an SE launch just failed: no new SE until the documented retry. */
  readonly createBlocked: Set<string>;
  closed: boolean;
}

export const groupOf = (f: FleetState, uuid: string): SeGroup | undefined => f.config().seGroups.find((g) => g.uuid === uuid);
export const cloudOf = (f: FleetState, uuid: string): Cloud | undefined => f.config().clouds.find((c) => c.uuid === uuid);
export const sesOf = (f: FleetState, groupUuid: string): SeRecord[] => [...f.ses.values()].filter((s) => s.groupUuid === groupUuid);
export const vssOf = (f: FleetState, groupUuid: string): VsRecord[] => [...f.vss.values()].filter((v) => v.groupUuid === groupUuid);
export const hosted = (f: FleetState, se: SeRecord): VsRecord[] => [...f.vss.values()].filter((v) => v.placements.some((p) => p.seUuid === se.uuid));

/** Active SEs each virtual service wants: legacy HA keeps an active and a standby. */
export function wanted(group: SeGroup): number {
  if (group.ha_mode === 'HA_MODE_LEGACY_ACTIVE_STANDBY') return 2;
  return typeof group.min_scaleout_per_vs === 'number' ? group.min_scaleout_per_vs : 1;
}
