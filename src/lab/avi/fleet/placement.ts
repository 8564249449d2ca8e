// Virtual service placement in one SE group, as the Controller does it. Docs ("Disable SE", 17.1):
// SE_STATE_DISABLED_FOR_PLACEMENT keeps serving but takes no new VS; SE_STATE_DISABLED moves its
// VSs to other SEs of the group like a scale-out then scale-in (the VS keeps serving), ending
// MIGRATE_SE_FINISHED (OPER_DISABLED) or MIGRATE_SE_FAILED (OPER_ERROR_DISABLED, the VSs that did
// not move keep running there). A new SE is created when no enabled SE has room (max_vs_per_se)
// and max_se allows it; disabled SEs still count against max_se.

import { FLEET_DURATIONS, leaving, serving, type Placement, type SeRecord, type VsRecord } from './model.js';
import { recordGroup } from './record.js';
import { launchSe } from './se-launch.js';
import { cloudOf, groupOf, sesOf, vssOf, wanted, type FleetState } from './state.js';
import type { SeGroup } from '../config.js';

export function reconcile(f: FleetState, groupUuid: string): void {
  const group = groupOf(f, groupUuid);
  if (f.closed || !group) return;
  const vss = vssOf(f, groupUuid);
  for (const vs of vss) place(f, group, vs);
  for (const vs of vss) advance(f, group, vs);
  for (const se of sesOf(f, groupUuid)) settleMigration(se, vss);
  recordGroup(f, groupUuid);
}

/** Gives the VS as many SEs as it wants, on enabled SEs with room or on a new SE. */
function place(f: FleetState, group: SeGroup, vs: VsRecord): void {
  // A placement that never served is simply dropped when its SE leaves.
  vs.placements = vs.placements.filter((p) => !leaving(f.ses.get(p.seUuid)) || p.state === 'active' || p.state === 'scaling-in');
  const onLeaving = vs.placements.filter((p) => leaving(f.ses.get(p.seUuid)));
  // A move that failed is left for the operator (docs: "would require manual intervention").
  if (onLeaving.length > 0 && onLeaving.every((p) => f.ses.get(p.seUuid)?.failedVs.has(vs.uuid))) return;
  let missing = wanted(group) - (vs.placements.length - onLeaving.length);
  while (missing > 0) {
    const target = pickTarget(f, group, vs) ?? createSe(f, group);
    if (typeof target === 'string') {
      vs.waitReason = target;
      break;
    }
    const hasPrimary = vs.placements.some((p) => p.primary && !leaving(f.ses.get(p.seUuid)));
    vs.placements.push({ seUuid: target.uuid, state: 'awaiting-se', primary: !hasPrimary && onLeaving.length === 0, standby: hasPrimary && group.ha_mode === 'HA_MODE_LEGACY_ACTIVE_STANDBY' });
    missing--;
  }
  if (missing <= 0) {
    delete vs.waitReason;
    delete vs.stuck;
    return;
  }
  // Nothing can take it: a move off a draining SE fails after vs_awaiting_se_timeout.
  if (onLeaving.some((p) => f.ses.get(p.seUuid)?.enableState === 'SE_STATE_DISABLED') && !vs.stuck) {
    const wait = {};
    vs.stuck = wait;
    f.world.clock.after(FLEET_DURATIONS.awaitingSeMs, () => {
      if (f.closed || vs.stuck !== wait) return;
      delete vs.stuck;
      for (const p of vs.placements) {
        const se = f.ses.get(p.seUuid);
        if (se?.enableState === 'SE_STATE_DISABLED') se.failedVs.add(vs.uuid);
      }
      reconcile(f, group.uuid);
    });
  }
}

/** An enabled SE of the group with room: PACKED fills the busiest, DISTRIBUTED the idlest. */
function pickTarget(f: FleetState, group: SeGroup, vs: VsRecord): SeRecord | undefined {
  const max = typeof group.max_vs_per_se === 'number' ? group.max_vs_per_se : 10;
  const load = new Map<string, number>();
  for (const other of f.vss.values()) for (const p of other.placements) load.set(p.seUuid, (load.get(p.seUuid) ?? 0) + 1);
  const fits = sesOf(f, group.uuid).filter((se) => se.enableState === 'SE_STATE_ENABLED' && (se.connected || se.creating)
    && (load.get(se.uuid) ?? 0) < max && !vs.placements.some((p) => p.seUuid === se.uuid));
  const sign = group.algo === 'PLACEMENT_ALGO_DISTRIBUTED' ? -1 : 1;
  return fits.sort((a, b) => sign * ((load.get(b.uuid) ?? 0) - (load.get(a.uuid) ?? 0)))[0];
}

/** A new SE, or the reason none can be created now. */
function createSe(f: FleetState, group: SeGroup): SeRecord | string {
  const cloud = cloudOf(f, group.cloud_uuid);
  const image = cloud && f.images.get(cloud.uuid);
  const count = sesOf(f, group.uuid).length;
  if (!cloud || !image) return `SE group ${group.name} has no cloud to create Service Engines in`;
  if (count >= group.max_se) return `SE group ${group.name} has reached max_se ${group.max_se} (${count} Service Engines, disabled ones included): no new Service Engine can be created`;
  if (f.createBlocked.has(group.uuid)) return `Service Engine creation failed in SE group ${group.name}; the Controller retries in 5 minutes`;
  if (image.state === 'IMG_GEN_IN_PROGRESS') return `cloud ${cloud.name} is not ready for placement: the SE image is being generated`;
  if (image.state === 'IMG_GEN_FAILED') return `cloud ${cloud.name} has no usable SE image: ${image.reason ?? 'generation failed'}`;
  return launchSe(f, group, cloud, image, () => blockCreation(f, group.uuid));
}

/** Docs: after a failed SE creation the Controller waits five minutes, then tries again. */
export function blockCreation(f: FleetState, groupUuid: string): void {
  if (f.createBlocked.has(groupUuid)) return;
  f.createBlocked.add(groupUuid);
  f.world.clock.after(FLEET_DURATIONS.seCreateRetryMs, () => {
    f.createBlocked.delete(groupUuid);
    reconcile(f, groupUuid);
  });
}

/** Scale-out onto SEs that are up; scale-in from draining SEs once the VS is active elsewhere. */
function advance(f: FleetState, group: SeGroup, vs: VsRecord): void {
  for (const p of vs.placements) {
    if (p.state === 'awaiting-se' && serving(f.ses.get(p.seUuid))) step(f, group, vs, p, 'scaling-out', FLEET_DURATIONS.scaleOutMs, 'active');
  }
  const keepers = vs.placements.filter((p) => p.state === 'active' && !leaving(f.ses.get(p.seUuid)) && serving(f.ses.get(p.seUuid)));
  if (keepers.length < wanted(group)) return;
  for (const p of vs.placements) {
    if (p.state !== 'active' || f.ses.get(p.seUuid)?.enableState !== 'SE_STATE_DISABLED') continue;
    if (p.primary) {
      p.primary = false;
      if (!keepers.some((k) => k.primary)) keepers[0]!.primary = true;
    }
    step(f, group, vs, p, 'scaling-in', FLEET_DURATIONS.scaleInMs, 'gone');
  }
}

function step(f: FleetState, group: SeGroup, vs: VsRecord, p: Placement, now: Placement['state'], ms: number, then: 'active' | 'gone'): void {
  p.state = now;
  f.world.clock.after(ms, () => {
    if (f.closed || p.state !== now || !vs.placements.includes(p)) return;
    if (then === 'gone') vs.placements.splice(vs.placements.indexOf(p), 1);
    else if (serving(f.ses.get(p.seUuid))) p.state = 'active';
    else p.state = 'awaiting-se'; // its SE went away meanwhile: start over when it is back
    reconcile(f, group.uuid);
  });
}

/** MIGRATE_SE_FINISHED once nothing is left on the SE; MIGRATE_SE_FAILED if what is left failed to move. */
function settleMigration(se: SeRecord, vss: VsRecord[]): void {
  if (se.enableState !== 'SE_STATE_DISABLED' || se.migrate !== 'SE_MIGRATE_STATE_STARTED') return;
  const left = vss.filter((v) => v.placements.some((p) => p.seUuid === se.uuid));
  if (left.some((v) => !se.failedVs.has(v.uuid))) return;
  se.migrate = se.failedVs.size > 0 ? 'SE_MIGRATE_STATE_FINISHED_WITH_FAILURE' : 'SE_MIGRATE_STATE_FINISHED';
}
