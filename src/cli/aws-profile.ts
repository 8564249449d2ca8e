// A named AWS profile must exist before any call: the SDK's own answer to a missing profile is
// "Could not load credentials from any providers", which names neither the profile nor the fix.

import { homedir } from 'node:os';
import { join } from 'node:path';
import { EXIT, UserFacingError } from '../engine/exit-codes.js';
import { envValue } from './env.js';

// `[default]` and `[name]` in the credentials file; `[default]` and `[profile name]` in the config file.
const SECTION = /^\s*\[\s*(profile\s+)?([^\]]+?)\s*\]\s*$/gm;

function profilesIn(text: string, configFile: boolean): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(SECTION)) {
    const name = m[2]!;
    if (!configFile || m[1] || name === 'default') names.push(name);
  }
  return names;
}

/** The shared files the SDK reads, honouring AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE. */
export function sharedFiles(env: NodeJS.ProcessEnv): { config: string; credentials: string } {
  const home = envValue(env, 'HOME') ?? homedir();
  return {
    config: envValue(env, 'AWS_CONFIG_FILE') ?? join(home, '.aws', 'config'),
    credentials: envValue(env, 'AWS_SHARED_CREDENTIALS_FILE') ?? join(home, '.aws', 'credentials'),
  };
}

export function validateProfile(profile: string, from: string, env: NodeJS.ProcessEnv, readFile: (p: string) => string): void {
  const files = sharedFiles(env);
  const read = (p: string): string => {
    try {
      return readFile(p);
    } catch {
      return '';
    }
  };
  const known = [...profilesIn(read(files.config), true), ...profilesIn(read(files.credentials), false)];
  if (known.includes(profile)) return;
  const list = known.length ? `profiles there: ${[...new Set(known)].join(', ')}` : 'no profiles there';
  throw new UserFacingError(
    `AWS profile "${profile}" (${from}) is not in ${files.config} or ${files.credentials} (${list}): fix ${from}, or create it with aws configure --profile ${profile}`,
    EXIT.usage,
  );
}
