// One Controller node as the simulated cluster sees it: its power (following its EC2 instance),
// whether it is listed in the cluster, how far it has converged, and what its root volume booted.
// Durations are the documented real ones; the lab clock scales them.

import type { World } from '../world/types.js';
import { VERSION } from './config.js';

/** Docs: warm reboot 2-3 min; leader failover / warm restart leaves the API down 2-3 min; forming
 *  or re-forming a cluster "generally 4-10 minutes"; 3 -> 1 dismantle: API down "around 2 minutes";
 *  heartbeats every 10 s, a node declared down after 4 missed (HA for Avi Controllers, 20.1). */
export const DURATIONS = {
  bootMs: 150_000,
  failoverMs: 150_000,
  restartMs: 150_000,
  convergeMs: 300_000,
  reformMs: 300_000,
  dismantleMs: 120_000,
  heartbeatMs: 10_000,
  missedHeartbeats: 4,
} as const;

export type Power = 'down' | 'booting' | 'up';
/** For a listed node: converged, joining, or not (yet / any more) part of the cluster's quorum. */
export type Membership = 'active' | 'converging' | 'out';

export interface NodeSim {
  ip: string;
  /** The truth: the instance is running and the Controller on it has booted. */
  power: Power;
  /** The cluster's view: a node that stopped stays 'active' until its heartbeats are missed. */
  member: Membership;
  /** Bumped on every power change so stale boot/convergence/detection timers do nothing. */
  gen: number;
  rootVolumeId?: string;
  /** A listed node that booted factory-fresh: it joins only when the cluster is saved with its password. */
  awaitingJoin: boolean;
  upSince?: string;
  /** What the node's instance was doing when its heartbeats stopped (for the timeline). */
  stoppedAs?: string;
  /** The instance the cluster knows this node as; a different machine at the same IP is a stranger. */
  instanceId?: string;
  /** The instance that last booted at this IP. */
  bootedInstanceId?: string;
}

export function newNode(ip: string, power: Power, rootVolumeId: string | undefined): NodeSim {
  const n: NodeSim = { ip, power, member: power === 'up' ? 'active' : 'out', gen: 0, awaitingJoin: false };
  if (rootVolumeId) n.rootVolumeId = rootVolumeId;
  return n;
}

/** What the node's root volume holds: 'configured', 'fresh', 'data', or undefined with no root. */
export function rootContent(world: World, n: NodeSim): string | undefined {
  return n.rootVolumeId ? world.volumes.get(n.rootVolumeId)?.content : undefined;
}

/** A disk that boots a Controller at all. */
export const bootsController = (content: string | undefined): boolean => content === 'configured' || content === 'fresh';

/**
 * The Controller version a node runs, read from its image's name as Avi names its AMIs
 * ("Avi-Controller-22.1.3-9096"). Lab simplification: an image whose name carries no version
 * (a copy named by a tool, say) runs the lab's version.
 */
export function nodeVersion(world: World, ip: string): string {
  const inst = world.instanceByPrivateIp(ip);
  const name = inst ? world.images.get(inst.imageId)?.name : undefined;
  return /(\d+\.\d+\.\d+)/.exec(name ?? '')?.[1] ?? VERSION.Version;
}

/** node_states[].state as the cluster reports it. */
export function nodeState(n: NodeSim): string {
  if (n.member === 'active') return 'CLUSTER_ACTIVE';
  if (n.member === 'converging') return 'CLUSTER_STARTING';
  return n.power === 'booting' ? 'CLUSTER_WARM_REBOOT' : 'CLUSTER_INACTIVE';
}
