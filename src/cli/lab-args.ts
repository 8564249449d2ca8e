// `lab up` flags -> the lab-up command: the lab's size, speed, fleet and the stricter AWS rules
// (tiny pages, eventual consistency, an IAM policy), each checked here so a bad one is one line.

import { EXIT, UserFacingError } from '../engine/exit-codes.js';
import { fleetOptions, type FleetOptions } from '../lab/avi/fleet/options.js';
import { parseIamPolicy } from '../lab/aws/iam-policy.js';
import type { FaultKind } from '../lab/faults.js';
import type { Command } from './command.js';

const usage = (message: string): UserFacingError => new UserFacingError(message, EXIT.usage);

export interface LabUpArgs {
  nodes: number;
  timeScale: number;
  dir: string;
  seGroups?: number | undefined;
  sesPerGroup?: number | undefined;
  vsPerSe?: number | undefined;
  maxSeTrap?: boolean | undefined;
  legacyHa?: boolean | undefined;
  deleteBusySe?: string | undefined;
  pageSize?: number | undefined;
  iamPolicy?: string | undefined;
  consistencyDelay?: number | undefined;
}

export function labUpCommand(a: LabUpArgs, readFile: (p: string) => string): Extract<Command, { kind: 'lab-up' }> {
  if (!(a.timeScale > 0 && a.timeScale <= 10)) {
    throw usage(`--time-scale must be > 0 and <= 10 (got ${a.timeScale}): e.g. 0.01 runs the lab 100x faster, 1 in real time`);
  }
  const flags = { seGroups: a.seGroups, sesPerGroup: a.sesPerGroup, vsPerSe: a.vsPerSe, maxSeTrap: a.maxSeTrap, legacyHa: a.legacyHa, deleteBusySe: a.deleteBusySe };
  let fleet: FleetOptions | undefined;
  try {
    fleet = Object.values(flags).some((v) => v !== undefined) ? fleetOptions(flags as Parameters<typeof fleetOptions>[0]) : undefined;
  } catch (e) {
    throw usage((e as Error).message);
  }
  if (a.pageSize !== undefined && !(Number.isInteger(a.pageSize) && a.pageSize >= 1)) {
    throw usage(`--page-size must be a whole number >= 1 (got ${a.pageSize}): e.g. 1 makes every listing take one call per item`);
  }
  if (a.consistencyDelay !== undefined && !(Number.isInteger(a.consistencyDelay) && a.consistencyDelay >= 0)) {
    throw usage(`--consistency-delay must be whole milliseconds >= 0 (got ${a.consistencyDelay})`);
  }
  if (a.iamPolicy !== undefined) checkIamPolicy(a.iamPolicy, readFile);
  return {
    kind: 'lab-up', nodes: a.nodes === 1 ? 1 : 3, timeScale: a.timeScale, dir: a.dir,
    ...(fleet ? { fleet } : {}),
    ...(a.pageSize === undefined ? {} : { pageSize: a.pageSize }),
    ...(a.iamPolicy === undefined ? {} : { iamPolicy: a.iamPolicy }),
    ...(a.consistencyDelay === undefined ? {} : { consistencyDelayMs: a.consistencyDelay }),
  };
}

/** The policy file is read here, so a bad one is a usage error before any lab starts. */
function checkIamPolicy(path: string, readFile: (p: string) => string): void {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw usage(`--iam-policy ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    parseIamPolicy(text);
  } catch (err) {
    throw usage(`--iam-policy ${path}: ${(err as Error).message}`);
  }
}

export interface LabFaultArgs {
  kind: string;
  rate: number;
  for: string;
  key?: string | undefined;
  instance?: string | undefined;
  node?: string | undefined;
  dir: string;
}

/** "60s", "2m", "1500ms", "7d", "90" (seconds): real-world time (`--for`: the lab scales it). */
export function durationMs(text: string, flag = '--for', examples = '60s, 2m or 1500ms'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw usage(`${flag} "${text}" is not a duration: use e.g. ${examples}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

export function labFaultCommand(a: LabFaultArgs): Extract<Command, { kind: 'lab-fault' }> {
  const kind = a.kind as FaultKind;
  return {
    kind: 'lab-fault', dir: a.dir,
    fault: {
      kind, ...(kind === 'throttle' ? { rate: a.rate } : {}), ...(kind === 'avi-503' || kind === 'api-down' ? { forMs: durationMs(a.for) } : {}),
      ...(a.key ? { key: a.key } : {}), ...(a.instance ? { instance: a.instance } : {}), ...(a.node ? { node: a.node } : {}),
    },
  };
}
