// Lower bounds from the lab's own configured durations (real ms; the lab clock scales them) and
// from what its timeline shows the Controller did. Nothing here is a measured number: a bound is
// what a run that waited not one moment longer than the simulated AWS and Avi would still take.

import type { TimelineEntry } from '../../src/lab/world/types.js';

/** src/lab/world/durations.ts DURATION_MS. */
export interface Ec2Durations { stop: number; start: number; terminate: number; volumeCreate: number; attach: number; detach: number }
/** src/lab/avi/node.ts DURATIONS (the parts a swap waits through). */
export interface ControllerDurations { bootMs: number; restartMs: number; convergeMs: number }
/** src/lab/avi/fleet/model.ts FLEET_DURATIONS (the parts an SE migration waits through). */
export interface FleetDurations { seBootMs: number; scaleOutMs: number; scaleInMs: number; imageGenMs: number }

/**
 * controller-swap, one node: stop → cluster READY is stop + detach + attach + start + the node's
 * boot + its re-join: convergence into the 3-node cluster, or the restore's service restart (1 node).
 */
export function nodeDowntimeBound(ec2: Ec2Durations, ctl: ControllerDurations, clusterSize: 1 | 3): number {
  const rejoin = clusterSize === 1 ? ctl.restartMs : ctl.convergeMs;
  return ec2.stop + ec2.detach + ec2.attach + ec2.start + ctl.bootMs + rejoin;
}

/** controller-swap: the encrypted volumes are created (in parallel), then the nodes go down one at a time. */
export function swapMakespanBound(ec2: Ec2Durations, ctl: ControllerDurations, clusterSize: 1 | 3, swapped: number): number {
  return ec2.volumeCreate + swapped * nodeDowntimeBound(ec2, ctl, clusterSize);
}

/** src/lab/avi/node.ts DURATIONS, the parts a membership change waits through. */
export interface MembershipDurations { reformMs: number; failoverMs: number; heartbeatMs: number; missedHeartbeats: number }

/**
 * controller-new-vms: the new VMs launch together and their Controllers boot (start + boot), then one
 * membership change per node, each a re-formation; before the leader's, its old VM stops and a
 * follower takes over (missed heartbeats + failover). The old VMs then stop together.
 */
export function newVmsMakespanBound(ec2: Ec2Durations, ctl: ControllerDurations & MembershipDurations, nodes: number): number {
  return ec2.start + ctl.bootMs + nodes * ctl.reformMs + ctl.heartbeatMs * ctl.missedHeartbeats + ctl.failoverMs + ec2.stop;
}

/**
 * se-scale-out, one SE group: each SE drains (its virtual services scale out to another SE, then in
 * from it), one SE at a time; a drain that needed a new SE also waits for its launch and boot
 * (`launched`, counted on the timeline: the Controller packs later moves onto SEs it already made).
 * Then the old SEs' instances terminate (together).
 */
export function scaleOutGroupBound(ec2: Ec2Durations, fleet: FleetDurations, ses: number, launched: number): number {
  return launched * (ec2.start + fleet.seBootMs) + ses * (fleet.scaleOutMs + fleet.scaleInMs) + ec2.terminate;
}

/** se-relaunch, a virtual service's outage: a new SE is launched and boots, then the VS scales out onto it. */
export function vsOutageBound(ec2: Ec2Durations, fleet: FleetDurations): number {
  return ec2.start + fleet.seBootMs + fleet.scaleOutMs;
}

/** se-relaunch, one SE group: its VSs are served again (above) and its old instances are terminated, whichever is later. */
export function relaunchGroupBound(ec2: Ec2Durations, fleet: FleetDurations): number {
  return Math.max(vsOutageBound(ec2, fleet), ec2.terminate);
}

/**
 * SE runbooks: the cloud's SE image is regenerated first, then the groups, `concurrency` at once.
 * With groups of different lengths no schedule beats the longest group or the total spread evenly.
 */
export function seMakespanBound(fleet: FleetDurations, groupBounds: number[], concurrency: number): number {
  const total = groupBounds.reduce((a, b) => a + b, 0);
  return fleet.imageGenMs + Math.max(Math.max(0, ...groupBounds), total / Math.max(1, concurrency));
}

const at = (e: TimelineEntry) => Date.parse(e.at);
const READY = new Set(['CLUSTER_UP_HA_ACTIVE', 'CLUSTER_UP_NO_HA']);

/**
 * controller-swap, measured: from the node's instance `stopping` to the cluster READY its
 * cluster-ready wait saw (the last READY at or before that wait ended; a 1-node Controller is
 * also "ready" when it first boots factory-fresh, before the restore).
 */
export function nodeDowntimeMs(timeline: TimelineEntry[], instanceId: string, readySeenBy: number): number | undefined {
  const stop = timeline.find((e) => e.subject === `instance:${instanceId}` && e.state === 'stopping');
  const ready = timeline.filter((e) => e.subject === 'cluster' && READY.has(e.state) && at(e) <= readySeenBy).at(-1);
  if (!stop || !ready || at(ready) < at(stop)) return undefined;
  return at(ready) - at(stop);
}

/** Each virtual service's outages (OPER_DOWN to the next OPER_UP), by VS name, from the timeline. */
export function vsOutagesMs(timeline: TimelineEntry[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const down = new Map<string, number>();
  for (const e of timeline) {
    if (!e.subject.startsWith('vs:')) continue;
    const name = e.subject.slice(3);
    if (e.state !== 'OPER_UP') {
      if (!down.has(name)) down.set(name, at(e));
    } else if (down.has(name)) {
      out.set(name, [...(out.get(name) ?? []), at(e) - down.get(name)!]);
      down.delete(name);
    }
  }
  return out;
}

/** SEs the Controller launched, per SE group name, from the timeline (`se:<name>` "launched …"). */
export function launchesPerGroup(timeline: TimelineEntry[], groupOfSe: Map<string, string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of timeline) {
    if (!e.subject.startsWith('se:') || !e.detail?.startsWith('launched ')) continue;
    const group = groupOfSe.get(e.subject.slice(3));
    if (group !== undefined) out.set(group, (out.get(group) ?? 0) + 1);
  }
  return out;
}
