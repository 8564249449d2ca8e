// The simulated Controller's Service Engines and virtual services in a write-access AWS cloud:
// what the API changes (enable_state, deletes, cloud encryption, SE group limits) and how the
// Controller reacts (placement, SE launches, image regeneration), over documented durations.

import type { Cloud } from '../../../avi/types.js';
import type { Timeline } from '../../timeline.js';
import type { InstanceRecord } from '../../world/types.js';
import type { LabWorld } from '../../world/world.js';
import type { ControllerConfig } from '../config.js';
import { HttpError } from '../http.js';
import type { EnableState, SeImage, SeRecord, VsRecord } from './model.js';
import type { FleetOptions } from './options.js';
import { blockCreation, reconcile } from './placement.js';
import { recordGroup } from './record.js';
import { encryptionOf, regenerate } from './se-image.js';
import { followInstance, terminateSe } from './se-launch.js';
import { seedFleet, type FleetSeed } from './seed.js';
import { groupOf, hosted, type FleetState } from './state.js';

export interface FleetDeps {
  world: LabWorld;
  timeline: Timeline;
  /** The Controller's current configuration. */
  config: () => ControllerConfig;
  options: FleetOptions;
}

export class Fleet implements FleetState {
  readonly world: LabWorld;
  readonly timeline: Timeline;
  readonly options: FleetOptions;
  readonly ses = new Map<string, SeRecord>();
  readonly vss = new Map<string, VsRecord>();
  readonly images = new Map<string, SeImage>();
  readonly createBlocked = new Set<string>();
  readonly seed: FleetSeed;
  closed = false;
  private readonly listener = (inst: InstanceRecord) => this.onInstance(inst);

  constructor(private readonly deps: FleetDeps) {
    this.world = deps.world;
    this.timeline = deps.timeline;
    this.options = deps.options;
    const seeded = seedFleet(deps.world, deps.config(), deps.options);
    for (const se of seeded.ses) this.ses.set(se.uuid, se);
    for (const vs of seeded.vss) this.vss.set(vs.uuid, vs);
    this.images.set(seeded.seed.cloud.uuid, seeded.image);
    this.seed = seeded.seed;
    for (const g of seeded.seed.groups) recordGroup(this, g.uuid);
    deps.world.events.on('instance', this.listener);
  }

  config(): ControllerConfig {
    return this.deps.config();
  }

  /** A Controller without the cloud in its configuration (factory-fresh) knows none of its SEs or VSs. */
  visibleSes(): SeRecord[] {
    const clouds = new Set(this.config().clouds.map((c) => c.uuid));
    return [...this.ses.values()].filter((s) => clouds.has(s.cloudUuid));
  }

  visibleVss(): VsRecord[] {
    const clouds = new Set(this.config().clouds.map((c) => c.uuid));
    return [...this.vss.values()].filter((v) => clouds.has(v.cloudUuid));
  }

  setEnableState(se: SeRecord, next: EnableState): void {
    const group = groupOf(this, se.groupUuid);
    if (group?.ha_mode === 'HA_MODE_LEGACY_ACTIVE_STANDBY' && (next === 'SE_STATE_DISABLED' || next === 'SE_STATE_DISABLED_FORCE')) {
      // Reference §5.3 [WEB-legacyha]: migration/disable is not supported for legacy active/standby (error text UNVERIFIED).
      throw new HttpError(400, `Service Engine ${se.name} is in SE group ${group.name} (HA_MODE_LEGACY_ACTIVE_STANDBY): disabling is not supported; switch over, then move it to another SE group`);
    }
    const restart = next === 'SE_STATE_DISABLED' && (se.enableState !== next || se.migrate === 'SE_MIGRATE_STATE_FINISHED_WITH_FAILURE');
    se.enableState = next;
    if (restart) {
      se.migrate = 'SE_MIGRATE_STATE_STARTED'; // MIGRATE_SE_STARTED, or MIGRATE_SE_RESTARTED after a failure
      se.failedVs.clear();
    } else if (next === 'SE_STATE_DISABLED_FORCE') {
      // UNVERIFIED: taken as the non-graceful disable: its VSs lose this SE at once and are placed again.
      for (const vs of hosted(this, se)) dropSe(vs, se.uuid);
      se.migrate = 'SE_MIGRATE_STATE_FINISHED';
    } else if (next !== 'SE_STATE_DISABLED') {
      se.migrate = 'SE_MIGRATE_STATE_IDLE';
      se.failedVs.clear();
    }
    reconcile(this, se.groupUuid);
  }

  /** DELETE /api/serviceengine/<uuid> (force: POST .../forcedelete). */
  deleteSe(se: SeRecord, force: boolean): void {
    const on = hosted(this, se);
    if (on.length > 0 && !force && this.options.deleteBusySe === 'refuse') {
      // Lab rule (error text UNVERIFIED): an SE that still hosts virtual services is not deleted by DELETE.
      throw new HttpError(400, `Cannot delete Service Engine ${se.name}: it still hosts virtual services [${on.map((v) => v.name).join(', ')}]; disable it (SE_STATE_DISABLED) and wait until they have moved, or use forcedelete`);
    }
    for (const vs of on) dropSe(vs, se.uuid);
    this.remove(se, `deleted${on.length ? `, taking down its placements of ${on.map((v) => v.name).join(', ')}` : ''}; instance ${se.instanceId} terminated`);
    terminateSe(this, se);
  }

  /** A cloud was written: a change of its encryption regenerates the SE image. */
  cloudWritten(before: Cloud, after: Cloud): void {
    if (encryptionOf(before) === encryptionOf(after)) return;
    regenerate(this, after, () => {
      for (const g of this.config().seGroups) if (g.cloud_uuid === after.uuid) reconcile(this, g.uuid);
    });
  }

  /** An SE group was written (e.g. max_se raised): placement may proceed. */
  groupWritten(groupUuid: string): void {
    reconcile(this, groupUuid);
  }

  close(): void {
    this.closed = true;
    this.world.events.off('instance', this.listener);
  }

  private onInstance(inst: InstanceRecord): void {
    const se = [...this.ses.values()].find((s) => s.instanceId === inst.instanceId);
    if (!se) return;
    if (se.creating && inst.state === 'terminated') {
      // The launch failed (e.g. Client.InternalError: the image's key is unusable): the SE is never created.
      blockCreation(this, se.groupUuid);
      for (const vs of hosted(this, se)) dropSe(vs, se.uuid);
      this.remove(se, `creation failed: ${inst.stateReason?.message ?? 'instance terminated'}`);
      return;
    }
    followInstance(this, se, inst, () => reconcile(this, se.groupUuid));
  }

  private remove(se: SeRecord, why: string): void {
    this.ses.delete(se.uuid);
    this.timeline.record(`se:${se.name}`, 'DELETED', why);
    reconcile(this, se.groupUuid);
  }
}

/** The VS loses its placement on the SE; a standby left behind takes over as primary. */
function dropSe(vs: VsRecord, seUuid: string): void {
  vs.placements = vs.placements.filter((p) => p.seUuid !== seUuid);
  if (vs.placements.length > 0 && !vs.placements.some((p) => p.primary)) {
    vs.placements[0]!.primary = true;
    vs.placements[0]!.standby = false;
  }
}
