// Environment variables that supply settings. They rank below flags and the --config file.
// Secrets (AVI_PASSWORD, AVI_BACKUP_PASSPHRASE) are not settings; the engine reads them at run time.

import type { SettingKey, SettingsLayer } from './config-file.js';
import { EXIT, UserFacingError } from '../engine/exit-codes.js';

/** Per setting, the variables to read, first non-empty wins (AWS_REGION before AWS_DEFAULT_REGION). */
export const SETTING_ENV: Readonly<Partial<Record<SettingKey, readonly string[]>>> = {
  controller: ['AVI_CONTROLLER'],
  username: ['AVI_USERNAME'],
  tenant: ['AVI_TENANT'],
  apiVersion: ['AVI_API_VERSION'],
  caBundle: ['AVI_ENCRYPT_CA_BUNDLE'],
  region: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
  profile: ['AWS_PROFILE'],
  kmsKey: ['AVI_ENCRYPT_KMS_KEY'],
  stateDir: ['AVI_ENCRYPT_STATE_DIR'],
  pollInterval: ['AVI_ENCRYPT_POLL_INTERVAL'],
  waitTimeout: ['AVI_ENCRYPT_WAIT_TIMEOUT'],
};

export const PASSWORD_ENV = 'AVI_PASSWORD';
export const PASSPHRASE_ENV = 'AVI_BACKUP_PASSPHRASE';
/** The initial admin password of new Controller VMs (ClusterNode `password`); default: the Avi password. */
export const NODE_PASSWORD_ENV = 'AVI_NODE_PASSWORD';

/** An empty variable counts as unset, so `AVI_CONTROLLER= avi-encrypt ...` falls through to the default. */
export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v;
}

export function envLayer(env: NodeJS.ProcessEnv): SettingsLayer {
  const values: SettingsLayer['values'] = {};
  const from: Partial<Record<SettingKey, string>> = {};
  for (const [key, names] of Object.entries(SETTING_ENV) as Array<[SettingKey, readonly string[]]>) {
    const name = names.find((n) => envValue(env, n) !== undefined);
    if (name === undefined) continue;
    values[key] = envValue(env, name);
    from[key] = name;
  }
  return { values, sections: {}, source: (key) => from[key] ?? SETTING_ENV[key]?.[0] ?? key };
}

// A secret in argv lands in shell history and `ps`; refuse it before yargs echoes anything.
const SECRET_FLAG = /^--(?:no-)?(?:avi-?|backup-?|(node)-?)?(password|passphrase)(?:=|$)/i;

export function refuseSecretFlags(argv: readonly string[]): void {
  for (const arg of argv) {
    if (arg === '--') return;
    const m = SECRET_FLAG.exec(arg);
    if (!m) continue;
    const [what, env] = m[1] ? ['new nodes\' initial admin password', NODE_PASSWORD_ENV]
      : m[2]?.toLowerCase() === 'password' ? ['Avi password', PASSWORD_ENV] : ['backup passphrase', PASSPHRASE_ENV];
    const flag = arg.split('=')[0];
    throw new UserFacingError(
      `there is no ${flag} flag: the ${what} comes only from ${env} or the interactive prompt, so it never lands in argv or shell history`,
      EXIT.usage,
    );
  }
}
