// What `lab up` seeds beside the Controller cluster: SE groups, SEs per group, virtual services
// per SE, and the switches that reproduce documented traps. Shared by the CLI and the lab daemon.

export interface FleetOptions {
  /** SEs in each SE group, in order. Default [4, 2]. */
  groups: number[];
  /** Virtual services placed on each seeded SE. */
  vsPerSe: number;
  /** In-process labs only: virtual services per group instead, dealt round-robin over its SEs (a group of 4 SEs carrying 6). */
  vsPerGroup?: number[];
  /** max_se = the group's SE count: a disabled SE still counts, so no new SE can launch. */
  maxSeTrap: boolean;
  /** The second group is HA_MODE_LEGACY_ACTIVE_STANDBY, each VS active on one SE and standby on the other. */
  legacyHa: boolean;
  /** DELETE of an SE that still hosts virtual services: refused (400), or taken like forcedelete. */
  deleteBusySe: 'refuse' | 'relaunch';
}

export const DEFAULT_FLEET: FleetOptions = { groups: [4, 2], vsPerSe: 1, maxSeTrap: false, legacyHa: false, deleteBusySe: 'refuse' };

/** The SEG max_se ceiling is 1000 [SW-SEG]; the lab's whole fleet stays within it too. */
export const MAX_FLEET_SES = 1000;
/** SEG max_vs_per_se is at most 1000; the lab caps seeding at 100 per SE to keep start-up fast. */
const MAX_VS_PER_SE = 100;

export interface FleetFlags {
  seGroups?: number | undefined;
  sesPerGroup?: number | undefined;
  vsPerSe?: number | undefined;
  maxSeTrap?: boolean | undefined;
  legacyHa?: boolean | undefined;
  deleteBusySe?: string | undefined;
}

/** Checks the flags; throws an Error with one line that says what to change. */
export function fleetOptions(flags: FleetFlags): FleetOptions {
  const count = (v: number | undefined, flag: string, min: number, max: number, fallback: number): number => {
    if (v === undefined) return fallback;
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${flag} must be a whole number from ${min} to ${max} (got ${v})`);
    return v;
  };
  const uniform = flags.seGroups !== undefined || flags.sesPerGroup !== undefined;
  const groups = uniform
    ? Array<number>(count(flags.seGroups, 'se-groups', 0, MAX_FLEET_SES, 2)).fill(count(flags.sesPerGroup, 'ses-per-group', 1, MAX_FLEET_SES, 4))
    : [...DEFAULT_FLEET.groups];
  const total = groups.reduce((a, b) => a + b, 0);
  if (total > MAX_FLEET_SES) throw new Error(`--se-groups x --ses-per-group is ${total} SEs; the lab seeds at most ${MAX_FLEET_SES}`);
  const deleteBusySe = flags.deleteBusySe ?? DEFAULT_FLEET.deleteBusySe;
  if (deleteBusySe !== 'refuse' && deleteBusySe !== 'relaunch') throw new Error(`--delete-busy-se must be refuse or relaunch (got ${deleteBusySe})`);
  const legacyHa = flags.legacyHa === true;
  if (legacyHa && groups[1] !== 2) throw new Error('--legacy-ha needs a second SE group of exactly 2 SEs (the default fleet has one)');
  return { groups, vsPerSe: count(flags.vsPerSe, 'vs-per-se', 0, MAX_VS_PER_SE, 1), maxSeTrap: flags.maxSeTrap === true, legacyHa, deleteBusySe };
}

/** The daemon's command line for these options (the inverse of the daemon's parsing). */
export function fleetArgs(o: FleetOptions): string[] {
  if (o.vsPerGroup) throw new Error('the lab daemon takes --vs-per-se, not virtual services per group');
  const sizes = new Set(o.groups);
  const args: string[] = [];
  if (JSON.stringify(o.groups) !== JSON.stringify(DEFAULT_FLEET.groups)) {
    if (sizes.size > 1) throw new Error('the lab daemon takes SE groups of one size (or the default fleet)');
    args.push('--se-groups', String(o.groups.length), '--ses-per-group', String(o.groups[0] ?? 1));
  }
  args.push('--vs-per-se', String(o.vsPerSe), '--delete-busy-se', o.deleteBusySe);
  if (o.maxSeTrap) args.push('--max-se-trap');
  if (o.legacyHa) args.push('--legacy-ha');
  return args;
}
