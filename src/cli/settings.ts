// Settings from their three sources: flag > --config file > environment > DEFAULTS. The shared
// ones (the Avi Controller, AWS, the key, the state dir, waits) are parsed here; a runbook's own
// ones (its flags, its section of the config file, its env variables) are parsed by the runbook.

import { isStrategy, REGISTRY, STRATEGIES } from '../../runbooks/index.js';
import { EXIT, UserFacingError } from '../engine/exit-codes.js';
import type { AnyRunbookModule, SettingSpec } from '../runbook/module.js';
import { DEFAULTS, type Settings } from '../runbook/settings.js';
import { UsageError } from '../steps/errors.js';
import { validateProfile } from './aws-profile.js';
import { loadConfigFile, type SettingKey, type SettingsLayer } from './config-file.js';
import { envLayer, envValue } from './env.js';
import { durationScale, pollInterval as pollBounds, positiveNumber, unknownStrategyError, validateSettings } from './validate.js';

const usage = (message: string): UserFacingError => new UserFacingError(message, EXIT.usage);
export const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Every runbook's own settings, once each: the flags the CLI accepts beside the shared ones. */
export function runbookSpecs(): Array<SettingSpec & { strategies: string[] }> {
  const byKey = new Map<string, SettingSpec & { strategies: string[] }>();
  for (const s of STRATEGIES) {
    for (const spec of REGISTRY[s].settings.specs) {
      const seen = byKey.get(spec.key);
      if (seen) seen.strategies.push(s);
      else byKey.set(spec.key, { ...spec, strategies: [s] });
    }
  }
  return [...byKey.values()];
}

export interface SettingsArgs {
  strategy?: string;
  controller?: string;
  username?: string;
  tenant?: string;
  apiVersion?: string;
  caBundle?: string;
  region?: string;
  profile?: string;
  kmsKey?: string;
  stateDir?: string;
  pollInterval?: string | number;
  waitTimeout?: number;
  rollback?: boolean;
  config?: string;
  [runbookKey: string]: unknown;
}

/**
 * `strategyOptional` (verify, doctor): without --strategy the settings are about every runbook,
 * `strategy` is '' and `runbook` empty, and a runbook's own flag is refused (it needs its strategy).
 */
export function buildSettings(args: SettingsArgs, env: NodeJS.ProcessEnv, readFile: (p: string) => string, opts: { strategyOptional?: boolean } = {}): Settings {
  const flags: SettingsLayer = { values: {}, sections: {}, source: (key) => `--${kebab(key)}` };
  const { strategy, controller, username, tenant, apiVersion, caBundle, region, profile, kmsKey, stateDir, pollInterval, waitTimeout } = args;
  const given = { strategy, controller, username, tenant, apiVersion, caBundle, region, profile, kmsKey, stateDir, pollInterval, waitTimeout };
  for (const [key, value] of Object.entries(given) as Array<[SettingKey, string | number | undefined]>) {
    if (value !== undefined && value !== '') flags.values[key] = value;
  }
  const file = args.config ? loadConfigFile(args.config, readFile) : undefined;
  const layers = [flags, ...(file ? [file] : []), envLayer(env)];
  const pick = (key: SettingKey): { value: string | number; from: string } | undefined => {
    for (const layer of layers) {
      const value = layer.values[key];
      if (value !== undefined && value !== '') return { value, from: layer.source(key) };
    }
    return undefined;
  };
  const str = (key: SettingKey): string | undefined => {
    const v = pick(key)?.value;
    return v === undefined ? undefined : String(v);
  };
  const num = (key: SettingKey, unit: 'minutes'): number | undefined => {
    const p = pick(key);
    return p && positiveNumber(p.value, p.from, unit);
  };
  const chosen = str('strategy');
  if (chosen === undefined && !opts.strategyOptional) throw usage(`strategy is not set: set --strategy (one of ${STRATEGIES.join(', ')}) or strategy: in the config file`);
  if (chosen !== undefined && !isStrategy(chosen)) throw unknownStrategyError(chosen);
  const opt = <K extends string>(k: K, v: string | undefined) => (v === undefined ? {} : ({ [k]: v } as Record<K, string>));
  const waitMinutes = num('waitTimeout', 'minutes');
  const poll = pick('pollInterval');
  const bounds = poll ? pollBounds(poll.value, poll.from) : { pollIntervalMs: DEFAULTS.pollIntervalMs, pollMinMs: DEFAULTS.pollMinMs };
  const scale = envValue(env, 'AVI_ENCRYPT_DURATION_SCALE');
  const common: Omit<Settings, 'runbook'> = {
    strategy: chosen ?? '',
    avi: {
      controller: (str('controller') ?? '').replace(/\/+$/, ''),
      username: str('username') ?? DEFAULTS.username,
      tenant: str('tenant') ?? DEFAULTS.tenant,
      ...opt('apiVersion', str('apiVersion')),
      ...opt('caBundle', str('caBundle')),
    },
    aws: { region: str('region') ?? '', ...opt('profile', str('profile')) },
    kmsKey: str('kmsKey') ?? DEFAULTS.kmsKey,
    stateDir: str('stateDir') ?? DEFAULTS.stateDir,
    ...bounds,
    ...(scale === undefined ? {} : { durationScale: durationScale(scale, 'AVI_ENCRYPT_DURATION_SCALE') }),
    waitTimeoutMs: waitMinutes === undefined ? DEFAULTS.waitTimeoutMs : Math.round(waitMinutes * 60_000),
    rollback: args.rollback !== false,
  };
  validateSettings(common, { readFile });
  if (chosen === undefined) refuseRunbookFlags(args);
  const runbook = chosen === undefined ? {} : runbookSettings(REGISTRY[chosen] as AnyRunbookModule, args, file, env, common);
  const settings: Settings = { ...common, runbook };
  const chosenProfile = pick('profile');
  if (chosenProfile) validateProfile(String(chosenProfile.value), chosenProfile.from, env, readFile);
  return settings;
}

function refuseRunbookFlags(args: SettingsArgs): void {
  const given = runbookSpecs().find((spec) => args[spec.key] !== undefined);
  if (given) throw usage(`--${kebab(given.key)} is a setting of ${given.strategies.join(', ')}: pass --strategy with one of them too`);
}

/** The runbook's own settings: its flags, its config section, its env variables; another runbook's flag is refused. */
function runbookSettings(module: AnyRunbookModule, args: SettingsArgs, file: SettingsLayer | undefined, env: NodeJS.ProcessEnv, common: Omit<Settings, 'runbook'>): Record<string, unknown> {
  const mine = new Set(module.settings.specs.map((s) => s.key));
  for (const spec of runbookSpecs()) {
    if (!mine.has(spec.key) && args[spec.key] !== undefined) {
      throw usage(`--${kebab(spec.key)} is a setting of ${spec.strategies.join(', ')}, not of ${module.strategy}: drop it`);
    }
  }
  const section = file?.sections[module.strategy] ?? {};
  const raw: Record<string, unknown> = {};
  const from: Record<string, string> = {};
  for (const spec of module.settings.specs) {
    const candidates: Array<[unknown, string]> = [
      [args[spec.key], `--${kebab(spec.key)}`],
      [section[spec.key], `${module.strategy}.${spec.key} in ${args.config ?? 'the config file'}`],
      [spec.env ? envValue(env, spec.env) : undefined, spec.env ?? ''],
    ];
    const hit = candidates.find(([v]) => v !== undefined && v !== '');
    if (hit) {
      raw[spec.key] = hit[0];
      from[spec.key] = hit[1];
    }
  }
  try {
    return module.settings.parse(raw, (key) => from[key] ?? `--${kebab(key)}`, common) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof UsageError) throw usage(e.message);
    throw e;
  }
}
