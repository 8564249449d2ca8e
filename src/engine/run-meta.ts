// run.json: what a run is (strategy, settings without secrets) and how it stands.

import { hostname } from 'node:os';
import type { PlainError } from '../steps/machine.js';
import { readJson, writeJsonAtomic } from './persist.js';
import type { Settings } from './settings.js';

export type RunStatus = 'running' | 'done' | 'failed' | 'refused' | 'interrupted';

export interface RunMeta {
  runId: string;
  strategy: string;
  runbookVersion: number;
  settings: Settings;
  status: RunStatus;
  startedAt: string;
  updatedAt: string;
  pid: number;
  host: string;
  failure?: PlainError;
}

export function newMeta(runId: string, settings: Settings, runbookVersion: number): RunMeta {
  const now = new Date().toISOString();
  return {
    runId, strategy: settings.strategy, runbookVersion, settings, status: 'running',
    startedAt: now, updatedAt: now, pid: process.pid, host: hostname(),
  };
}

export async function saveMeta(path: string, meta: RunMeta): Promise<void> {
  await writeJsonAtomic(path, { ...meta, updatedAt: new Date().toISOString() });
}

export async function loadMeta(path: string): Promise<RunMeta | undefined> {
  return readJson<RunMeta>(path);
}
