// run.json: what a run is (strategy, settings without secrets) and how it stands.

import { hostname } from 'node:os';
import type { Settings } from '../runbook/settings.js';
import type { RunError } from '../steps/run-error.js';
import { EXIT, UserFacingError } from './exit-codes.js';
import { readJson, writeJsonAtomic } from './persist.js';

export type RunStatus = 'running' | 'done' | 'failed' | 'refused' | 'rolled-back' | 'waiting-approval' | 'interrupted';

export interface RunMeta {
  runId: string;
  strategy: string;
  /** The shape of the runbook's machine that made the run: only the same shape may restore it. */
  fingerprint: string;
  /** The avi-encrypt version that made the run: the one to finish it with when the shape changed. */
  toolVersion: string;
  settings: Settings;
  /** The lock key: the target's identity, as its runbook reads it from the live systems at start. */
  target?: string;
  status: RunStatus;
  startedAt: string;
  updatedAt: string;
  pid: number;
  host: string;
  failures?: RunError[];
  /** `migrate --plan`: the saved plan this run applies, and the world fingerprint it was checked against. */
  fromPlan?: { file: string; world: string; createdAt: string };
  /** A finished run's end-of-run verify: what `cleanup` requires (and checks again, live). */
  verified?: { ok: boolean; at: string };
}

/** A run file that cannot be read back: bad input (exit 2), naming the file and what to do. */
export class RunFileError extends UserFacingError {
  constructor(readonly path: string, why: string, fix: string) {
    super(`${path} ${why}; ${fix}`, EXIT.usage);
    this.name = 'RunFileError';
  }
}

export function newMeta(runId: string, settings: Settings, shape: { fingerprint: string; toolVersion: string }, target: string): RunMeta {
  const now = new Date().toISOString();
  return {
    runId, strategy: settings.strategy, ...shape, settings, target, status: 'running',
    startedAt: now, updatedAt: now, pid: process.pid, host: hostname(),
  };
}

export async function saveMeta(path: string, meta: RunMeta): Promise<void> {
  await writeJsonAtomic(path, { ...meta, updatedAt: new Date().toISOString() });
}

const META_FIX = 'restore it from a backup, or move the run folder aside (its resources carry the tag avi-encrypt:run-id)';

/** run.json, checked; undefined when there is none. Garbage, truncation or a wrong shape is a RunFileError. */
export async function loadMeta(path: string): Promise<RunMeta | undefined> {
  let raw: unknown;
  try {
    raw = await readJson<unknown>(path);
  } catch (e) {
    throw new RunFileError(path, unreadable(e), META_FIX);
  }
  if (raw === undefined) return undefined;
  const m = raw as Partial<RunMeta> | null;
  const ok = !!m && typeof m === 'object' && typeof m.runId === 'string' && typeof m.strategy === 'string'
    && typeof m.status === 'string' && !!m.settings && typeof m.settings === 'object'
    && typeof m.settings.strategy === 'string' && typeof m.settings.stateDir === 'string';
  if (!ok) throw new RunFileError(path, 'is not a run description (runId, strategy, status, settings missing)', META_FIX);
  return m as RunMeta;
}

/** For listings: a corrupt run.json is skipped, not fatal to every other run. */
export async function loadMetaOrSkip(path: string): Promise<RunMeta | undefined> {
  try {
    return await loadMeta(path);
  } catch (e) {
    if (e instanceof RunFileError) return undefined;
    throw e;
  }
}

/** Why a run file could not be read, in a few words: "is not valid JSON (Unexpected end...)" or "cannot be read (EISDIR)". */
export function unreadable(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') return `cannot be read (${code})`;
  const m = e instanceof Error ? e.message : String(e);
  const why = /not valid JSON: (.*)\); restore/.exec(m)?.[1] ?? m;
  return `is not valid JSON (${why.split('\n')[0]})`;
}
