// A saved plan (`plan --out FILE`), as Terraform keeps one: the settings it was made with, every
// step, the runbook's data, and the world it was made from (facts and their fingerprint).
// `migrate --plan FILE` reads it back; anything that is not such a file is refused as bad input.

import { EXIT, UserFacingError } from '../exit-codes.js';
import { writeJsonAtomic } from '../persist.js';
import { PLAN_VERSION, type Plan } from '../plan/types.js';
import type { Settings } from '../../runbook/settings.js';
import type { WorldFact } from '../../runbook/module.js';
import { worldFingerprint } from './world.js';

export const SAVED_PLAN_KIND = 'avi-encrypt-plan';
export const SAVED_PLAN_FORMAT = 1;

export interface SavedPlan {
  kind: typeof SAVED_PLAN_KIND;
  format: typeof SAVED_PLAN_FORMAT;
  createdAt: string;
  toolVersion: string;
  /** Every setting the plan was made with (no secrets): `migrate --plan` runs with these. */
  settings: Settings;
  plan: Plan;
  /** The runbook's data as the plan left it: what the world facts are read for again. */
  data: object;
  world: { fingerprint: string; facts: WorldFact[] };
}

/** Written atomically, readable by its owner only (it names every instance and volume of the cluster). */
export async function writeSavedPlan(path: string, saved: SavedPlan): Promise<void> {
  await writeJsonAtomic(path, saved, 0o600);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFact = (f: unknown): f is WorldFact => isObject(f) && typeof f['key'] === 'string' && typeof f['value'] === 'string';

/** The saved plan in `text`; anything else is one line, exit 2, naming the file. */
export function parseSavedPlan(text: string, path: string): SavedPlan {
  const refuse = (why: string) => new UserFacingError(`${path} is not an avi-encrypt plan (${why}): make one with avi-encrypt plan --out ${path}`, EXIT.usage);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw refuse(`not JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isObject(raw) || raw['kind'] !== SAVED_PLAN_KIND) throw refuse(`no "kind": "${SAVED_PLAN_KIND}"`);
  if (raw['format'] !== SAVED_PLAN_FORMAT) throw refuse(`format ${JSON.stringify(raw['format'])}; this avi-encrypt reads format ${SAVED_PLAN_FORMAT}`);
  const { settings, plan, world, data } = raw;
  const settingsOk = isObject(settings) && typeof settings['strategy'] === 'string' && isObject(settings['avi']) && isObject(settings['aws'])
    && typeof settings['kmsKey'] === 'string' && typeof settings['stateDir'] === 'string' && typeof settings['pollIntervalMs'] === 'number'
    && typeof settings['waitTimeoutMs'] === 'number' && typeof settings['rollback'] === 'boolean' && isObject(settings['runbook']);
  if (!settingsOk) throw refuse('its settings are incomplete');
  if (!isObject(plan) || plan['version'] !== PLAN_VERSION || plan['strategy'] !== settings['strategy'] || typeof plan['fingerprint'] !== 'string'
    || !Array.isArray(plan['steps']) || !Array.isArray(plan['targets'])) {
    throw refuse('its plan is missing or of another version');
  }
  if (!isObject(data)) throw refuse('the runbook data is missing');
  if (!isObject(world) || !Array.isArray(world['facts']) || !world['facts'].every(isFact) || typeof world['fingerprint'] !== 'string') {
    throw refuse('the world it was made from is missing');
  }
  // The fingerprint is the facts' hash: a file edited by hand, or damaged, no longer matches it.
  if (worldFingerprint(world['facts'] as WorldFact[]) !== world['fingerprint']) throw refuse('its world fingerprint does not match its facts; it was edited or damaged');
  return raw as unknown as SavedPlan;
}
