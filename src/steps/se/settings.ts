// The Service Engine runbooks' own settings (their section of the config file): which cloud,
// which SE groups, how many groups at once, and whether a cloud already encrypted with another
// key may be re-keyed.

import type { RunbookSettings } from '../../runbook/module.js';
import { UsageError } from '../errors.js';

export interface SeSettings {
  cloud: string;
  /** SE group names; empty = every group of the cloud with unencrypted SEs. */
  seGroups: string[];
  /** SE groups worked on at once (never two SEs of one group). */
  concurrency: number;
  /** Replace the cloud's encryption key when it is set to another one. */
  rekey: boolean;
}

/** A fleet of hundreds of groups is still worked a few at a time: each one launches SEs. */
const MAX_CONCURRENCY = 32;

function names(raw: unknown, from: string): string[] {
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [raw];
  const out = list.map((v) => (typeof v === 'string' || typeof v === 'number' ? String(v).trim() : ''));
  if (out.some((n) => n === '')) throw new UsageError(`${from} must name SE groups (e.g. --se-group Default-Group, repeatable), got ${JSON.stringify(raw)}`);
  return [...new Set(out)];
}

function concurrency(raw: unknown, from: string): number {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) {
    throw new UsageError(`${from} must be a whole number of SE groups from 1 to ${MAX_CONCURRENCY} (got ${typeof raw === 'string' ? JSON.stringify(raw) : String(raw)}): set it to e.g. 2`);
  }
  return n;
}

function flag(raw: unknown, from: string): boolean {
  if (raw === undefined || typeof raw === 'boolean') return raw === true;
  if (typeof raw === 'string' && /^(true|false|1|0|yes|no)$/i.test(raw.trim())) return /^(true|1|yes)$/i.test(raw.trim());
  throw new UsageError(`${from} must be true or false (got ${JSON.stringify(raw)})`);
}

export const seSettings: RunbookSettings<SeSettings> = {
  specs: [
    { key: 'cloud', type: 'string', env: 'AVI_ENCRYPT_CLOUD', describe: 'Name of the Avi AWS cloud whose Service Engines are migrated' },
    { key: 'seGroup', type: 'strings', env: 'AVI_ENCRYPT_SE_GROUPS', describe: 'SE group to migrate, repeatable (env: comma-separated); default every group with unencrypted SEs' },
    { key: 'concurrency', type: 'number', env: 'AVI_ENCRYPT_CONCURRENCY', describe: 'SE groups migrated at once (default 1)' },
    { key: 'rekey', type: 'boolean', env: 'AVI_ENCRYPT_REKEY', describe: "Replace the cloud's encryption key when it is already set to another key" },
  ],
  parse(raw, sourceOf, common) {
    const cloud = raw['cloud'];
    if (cloud === undefined) {
      throw new UsageError(`strategy ${common.strategy} needs the Avi cloud whose Service Engines to migrate: set --cloud (e.g. --cloud Default-Cloud) or AVI_ENCRYPT_CLOUD`);
    }
    if (typeof cloud !== 'string' || cloud.trim() === '') throw new UsageError(`${sourceOf('cloud')} must be a cloud name (got ${JSON.stringify(cloud)})`);
    return {
      cloud: cloud.trim(),
      seGroups: raw['seGroup'] === undefined ? [] : names(raw['seGroup'], sourceOf('seGroup')),
      concurrency: raw['concurrency'] === undefined ? 1 : concurrency(raw['concurrency'], sourceOf('concurrency')),
      rekey: flag(raw['rekey'], sourceOf('rekey')),
    };
  },
};
