// The --config file: YAML or JSON, camelCase keys mirroring Settings, and a section per strategy
// for that runbook's own settings (`controller-swap: {encryptedAmi: ami-...}`). Secrets are
// refused because config files get committed, copied and attached to tickets.

import { dirname, isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isStrategy, REGISTRY } from '../../runbooks/index.js';
import { EXIT, UserFacingError } from '../engine/exit-codes.js';

export const SETTING_KEYS = [
  'controller',
  'username',
  'tenant',
  'apiVersion',
  'caBundle',
  'region',
  'profile',
  'kmsKey',
  'stateDir',
  'strategy',
  'pollInterval',
  'waitTimeout',
] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** One source of settings (flags, config file or environment), values not yet parsed. */
export interface SettingsLayer {
  values: Partial<Record<SettingKey, string | number>>;
  /** A runbook's own settings, by strategy: its section of the config file. */
  sections: Record<string, Record<string, unknown>>;
  /** Names where a key came from, for error messages ("pollInterval in avi.yaml"). */
  source: (key: SettingKey) => string;
}

const NUMBER_KEYS: ReadonlySet<SettingKey> = new Set(['pollInterval', 'waitTimeout']);
// Paths in a config file are relative to the file, like tsconfig/eslint configs.
const PATH_KEYS: ReadonlySet<SettingKey> = new Set(['caBundle', 'stateDir']);

// Normalised (lowercase, no - or _) secret key names -> where the secret belongs instead.
const SECRET_KEYS: ReadonlyMap<string, string> = new Map([
  ['password', 'AVI_PASSWORD or the interactive prompt'],
  ['avipassword', 'AVI_PASSWORD or the interactive prompt'],
  ['passphrase', 'AVI_BACKUP_PASSPHRASE or the interactive prompt'],
  ['backuppassphrase', 'AVI_BACKUP_PASSPHRASE or the interactive prompt'],
  ['nodepassword', 'AVI_NODE_PASSWORD or the interactive prompt'],
  ['secretaccesskey', 'an AWS profile (--profile / AWS_PROFILE) or the standard AWS credential chain'],
  ['accesskeyid', 'an AWS profile (--profile / AWS_PROFILE) or the standard AWS credential chain'],
  ['sessiontoken', 'an AWS profile (--profile / AWS_PROFILE) or the standard AWS credential chain'],
]);

const usage = (message: string): UserFacingError => new UserFacingError(message, EXIT.usage);
const firstLine = (text: string): string => text.split('\n')[0]?.trim() ?? '';
const camel = (key: string): string => key.replace(/[-_]([a-z])/g, (_, c: string) => c.toUpperCase());

export function loadConfigFile(path: string, readFile: (p: string) => string): SettingsLayer {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw usage(`config file "${path}" cannot be read (${code}): check the --config path`);
  }
  return { ...parseConfigText(text, path), source: (key) => `${key} in ${path}` };
}

export function parseConfigText(text: string, path: string): Pick<SettingsLayer, 'values' | 'sections'> {
  let doc: unknown;
  const json = path.toLowerCase().endsWith('.json');
  try {
    doc = json ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw usage(`config file "${path}" is not valid ${json ? 'JSON' : 'YAML'}: ${firstLine((err as Error).message)}`);
  }
  if (doc === null || doc === undefined) return { values: {}, sections: {} };
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw usage(`config file "${path}" must hold a mapping of settings (e.g. "controller: https://10.0.0.10")`);
  }
  const entries = Object.entries(doc as Record<string, unknown>);
  // Secrets first: even alongside other mistakes, this is the one to fix (and to rotate).
  for (const [key] of entries) {
    const home = SECRET_KEYS.get(key.toLowerCase().replace(/[-_]/g, ''));
    if (home) {
      throw usage(`config file "${path}" contains "${key}": secrets don't go in config files; use ${home}`);
    }
  }
  const values: SettingsLayer['values'] = {};
  const sections: SettingsLayer['sections'] = {};
  for (const [key, value] of entries) {
    if (isStrategy(key)) {
      sections[key] = parseSection(key, value, path);
      continue;
    }
    if (!(SETTING_KEYS as readonly string[]).includes(key)) {
      const hint = (SETTING_KEYS as readonly string[]).includes(camel(key))
        ? `did you mean "${camel(key)}"?`
        : `allowed keys: ${SETTING_KEYS.join(', ')}, and a section per strategy`;
      throw usage(`unknown key "${key}" in config file "${path}": ${hint}`);
    }
    const k = key as SettingKey;
    if (value === null || value === undefined) continue;
    if (NUMBER_KEYS.has(k)) {
      if (typeof value !== 'number' && typeof value !== 'string') {
        throw usage(`"${k}" in config file "${path}" must be a number: e.g. ${k}: 10`);
      }
    } else if (typeof value !== 'string') {
      // YAML reads `apiVersion: 30.2` as a number; quoting keeps it a version string.
      const fix = typeof value === 'number' ? `quote it: ${k}: "${value}"` : `give ${k} a string value`;
      throw usage(`"${k}" in config file "${path}" must be a string: ${fix}`);
    }
    values[k] = PATH_KEYS.has(k) && typeof value === 'string' && !isAbsolute(value) ? join(dirname(path), value) : value;
  }
  return { values, sections };
}

/** A strategy's section: a mapping of that runbook's own settings, nothing else. */
function parseSection(strategy: string, value: unknown, path: string): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw usage(`"${strategy}" in config file "${path}" must be a mapping of that runbook's settings`);
  }
  const specs = REGISTRY[strategy as keyof typeof REGISTRY].settings.specs;
  const keys = specs.map((s) => s.key);
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const home = SECRET_KEYS.get(key.toLowerCase().replace(/[-_]/g, ''));
    if (home) throw usage(`config file "${path}" contains "${strategy}.${key}": secrets don't go in config files; use ${home}`);
    if (!keys.includes(key)) {
      throw usage(`unknown key "${key}" in the ${strategy} section of config file "${path}": ${keys.length ? `allowed keys: ${keys.join(', ')}` : `${strategy} has no settings of its own`}`);
    }
    // A list setting (seGroup) takes a list of plain values; every other one a plain value.
    const list = specs.find((s) => s.key === key)?.type === 'strings' && Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object');
    if (!list && (v === null || typeof v === 'object')) throw usage(`"${strategy}.${key}" in config file "${path}" must be a ${specs.find((s) => s.key === key)?.type === 'strings' ? 'list of names' : 'plain value'}`);
  }
  return value as Record<string, unknown>;
}
