// argv -> Command. Nothing runs here: the result is plain data that `execute` runs or a preview prints.
// Precedence for settings: flag > --config file > environment > DEFAULTS.

import { readFileSync } from 'node:fs';
import yargs, { type Argv, type ArgumentsCamelCase } from 'yargs';
import { DEFAULTS, STRATEGIES, type Settings } from '../engine/settings.js';
import { fleetOptions, type FleetOptions } from '../lab/avi/fleet/options.js';
import type { Command } from './command.js';
import { loadConfigFile, type SettingKey, type SettingsLayer } from './config-file.js';
import { envLayer, envValue, PASSPHRASE_ENV, PASSWORD_ENV, refuseSecretFlags } from './env.js';
import { EXIT, UserFacingError } from '../engine/exit-codes.js';
import { isStrategy, positiveNumber, unknownStrategyError, validateSettings } from './validate.js';
import { validateProfile } from './aws-profile.js';
import { validateStateDir } from './state-dir.js';

/** Thrown for --help / --version: main prints `text` on stdout and exits 0. */
export class HelpOutput extends Error {
  constructor(readonly text: string) {
    super('help requested');
    this.name = 'HelpOutput';
  }
}

export interface ParseOptions {
  /** Reads the --config file and probes --ca-bundle; injectable for tests. */
  readFile?: (p: string) => string;
}

const usage = (message: string): UserFacingError => new UserFacingError(message, EXIT.usage);
const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const EX_CONTROLLER = '--controller https://10.0.0.10 --region us-east-1';

const settingsOptions = (y: Argv) =>
  y
    .option('strategy', { type: 'string', choices: STRATEGIES, describe: 'Migration strategy' })
    .option('controller', { type: 'string', describe: 'Controller URL, https://host[:port] [env AVI_CONTROLLER]' })
    .option('username', { type: 'string', describe: 'Avi user [env AVI_USERNAME]', defaultDescription: DEFAULTS.username })
    .option('tenant', { type: 'string', describe: 'Avi tenant [env AVI_TENANT]', defaultDescription: DEFAULTS.tenant })
    .option('api-version', { type: 'string', describe: "X-Avi-Version [env AVI_API_VERSION]; default: the Controller's" })
    .option('ca-bundle', { type: 'string', describe: 'PEM file of CAs for the Controller cert [env AVI_ENCRYPT_CA_BUNDLE]' })
    .option('region', { type: 'string', describe: 'AWS region [env AWS_REGION, AWS_DEFAULT_REGION]' })
    .option('profile', { type: 'string', describe: 'AWS profile [env AWS_PROFILE]' })
    .option('kms-key', { type: 'string', describe: 'KMS key id, ARN, alias/<name> or alias ARN [env AVI_ENCRYPT_KMS_KEY]', defaultDescription: DEFAULTS.kmsKey })
    .option('encrypted-ami', { type: 'string', describe: 'AMI whose root snapshot is encrypted with the key [env AVI_ENCRYPT_ENCRYPTED_AMI]' })
    .option('state-dir', { type: 'string', describe: 'Run folders, locks, backups [env AVI_ENCRYPT_STATE_DIR]', defaultDescription: DEFAULTS.stateDir })
    .option('poll-interval', { type: 'number', describe: 'Wait poll interval, ms [env AVI_ENCRYPT_POLL_INTERVAL]', defaultDescription: String(DEFAULTS.pollIntervalMs) })
    .option('wait-timeout', { type: 'number', describe: 'Upper bound for one wait, minutes [env AVI_ENCRYPT_WAIT_TIMEOUT]', defaultDescription: String(DEFAULTS.waitTimeoutMs / 60_000) })
    .option('config', { type: 'string', describe: 'YAML or JSON file with the settings above (camelCase keys)' })
    .option('json', { type: 'boolean', default: false, describe: 'Print machine-readable JSON' });

const planBuilder = (y: Argv) =>
  settingsOptions(y)
    .example(`$0 plan --strategy controller-swap ${EX_CONTROLLER} --encrypted-ami ami-0abc1234`, 'Show the steps, change nothing')
    .example('$0 plan --config avi-encrypt.yaml --json', 'Settings from a file, plan as JSON');
const migrateBuilder = (y: Argv) =>
  settingsOptions(y)
    .option('dry-run', { type: 'boolean', default: false, describe: 'Print what would run, change nothing' })
    .option('yes', { type: 'boolean', default: false, describe: 'Skip the confirmation prompt' })
    .example('$0 migrate --strategy controller-swap --controller https://10.0.0.10 --encrypted-ami ami-0abc1234 --kms-key alias/avi', 'Migrate the Controller cluster')
    .example('AVI_PASSWORD=... $0 migrate --config avi-encrypt.yaml --yes', 'Unattended, password from the environment');
const resumeBuilder = (y: Argv) =>
  y
    .positional('run-id', { type: 'string', describe: 'Run to continue; default: the latest unfinished run' })
    .option('state-dir', { type: 'string', describe: 'Where runs live [env AVI_ENCRYPT_STATE_DIR]', defaultDescription: DEFAULTS.stateDir })
    .option('yes', { type: 'boolean', default: false, describe: 'Skip the confirmation prompt' })
    .example('$0 resume', 'Continue the latest unfinished run')
    .example('$0 resume 20261127-093012-controller-swap-a1b2 --state-dir /var/lib/avi-encrypt', 'Continue a given run');
const statusBuilder = (y: Argv) =>
  y
    .positional('run-id', { type: 'string', describe: 'Run to show; default: all runs' })
    .option('state-dir', { type: 'string', describe: 'Where runs live [env AVI_ENCRYPT_STATE_DIR]', defaultDescription: DEFAULTS.stateDir })
    .option('json', { type: 'boolean', default: false, describe: 'Print machine-readable JSON' })
    .example('$0 status', 'List runs and where each one stands')
    .example('$0 status 20261127-093012-controller-swap-a1b2 --json', 'One run as JSON');
const labDir = { type: 'string', default: './.lab', describe: 'Lab folder (state, certs, endpoints)' } as const;
const labUpBuilder = (y: Argv) =>
  y
    .option('nodes', { type: 'number', choices: [1, 3], default: 3, describe: 'Controller cluster size' })
    .option('time-scale', { type: 'number', default: 0.01, describe: 'Lab time factor, > 0 and <= 10 (1 = real durations)' })
    .option('dir', labDir)
    .option('se-groups', { type: 'number', describe: 'SE groups to seed, each of --ses-per-group SEs (default: two groups, of 4 and 2 SEs)' })
    .option('ses-per-group', { type: 'number', describe: 'SEs in each seeded SE group (fleet of at most 1000 SEs)' })
    .option('vs-per-se', { type: 'number', describe: 'Virtual services placed on each seeded SE (default 1)' })
    .option('max-se-trap', { type: 'boolean', describe: "Set each group's max_se to its SE count: disabled SEs still count, so no new SE can launch" })
    .option('legacy-ha', { type: 'boolean', describe: 'Make the second SE group HA_MODE_LEGACY_ACTIVE_STANDBY' })
    .option('delete-busy-se', { type: 'string', choices: ['refuse', 'relaunch'], describe: 'DELETE of an SE that still hosts virtual services: refused with 400 (default) or taken like forcedelete' })
    .example('$0 lab up', 'A 3-node cluster at 100x speed, with 6 SEs in 2 SE groups and 6 virtual services')
    .example('$0 lab up --nodes 1 --time-scale 1', 'One node, real-time durations')
    .example('$0 lab up --se-groups 20 --ses-per-group 5 --vs-per-se 2', 'A benchmark fleet: 100 SEs, 200 virtual services')
    .example('$0 lab up --max-se-trap', 'No room for a new SE while the disabled ones count against max_se');
const labDownBuilder = (y: Argv) => y.option('dir', labDir).example('$0 lab down', 'Stop the lab');

type SettingsArgs = ArgumentsCamelCase<Awaited<ReturnType<typeof settingsOptions>['argv']>>;
type Picked =
  | { kind: 'plan'; args: ArgumentsCamelCase<Awaited<ReturnType<typeof planBuilder>['argv']>> }
  | { kind: 'migrate'; args: ArgumentsCamelCase<Awaited<ReturnType<typeof migrateBuilder>['argv']>> }
  | { kind: 'resume'; args: ArgumentsCamelCase<Awaited<ReturnType<typeof resumeBuilder>['argv']>> }
  | { kind: 'status'; args: ArgumentsCamelCase<Awaited<ReturnType<typeof statusBuilder>['argv']>> }
  | { kind: 'lab-up'; args: ArgumentsCamelCase<Awaited<ReturnType<typeof labUpBuilder>['argv']>> }
  | { kind: 'lab-down'; args: ArgumentsCamelCase<Awaited<ReturnType<typeof labDownBuilder>['argv']>> };

/** yargs reports several lines; the CLI contract is one line with a fix. */
function failLine(msg: string | undefined, err: Error | undefined): UserFacingError {
  if (err instanceof UserFacingError) return err;
  const text = msg ?? err?.message ?? 'invalid command line';
  const bad = /Argument: ([\w-]+), Given: "?([^",]*)"?, Choices: (.*)/.exec(text);
  if (bad) {
    const [, arg, given = '', choices = ''] = bad;
    if (arg === 'strategy') return unknownStrategyError(given);
    return usage(`invalid value ${given} for --${arg}: choose one of ${choices.replace(/"/g, '')}`);
  }
  return usage(`${text.replace(/\s+/g, ' ').trim()} (see avi-encrypt --help)`);
}

let cachedVersion: string | undefined;
function packageVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  cachedVersion = 'unknown';
  // src/cli/ under ts-jest, dist/src/cli/ when built: walk up to our package.json.
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'avi-encrypt' && pkg.version) return (cachedVersion = pkg.version);
    } catch {
      // try the next candidate
    }
  }
  return cachedVersion;
}

export async function parseCommand(argv: string[], env: NodeJS.ProcessEnv, opts: ParseOptions = {}): Promise<Command> {
  refuseSecretFlags(argv);
  const readFile = opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  let picked: Picked | undefined;
  let output = '';
  await yargs()
    .scriptName('avi-encrypt')
    .usage('$0 <command> [options]\n\nMigrate Avi Controllers and SEs on AWS to KMS-encrypted volumes.')
    .command('plan', 'Show what a migration would do; changes nothing', planBuilder, (args) => void (picked = { kind: 'plan', args }))
    .command('migrate', 'Run a migration', migrateBuilder, (args) => void (picked = { kind: 'migrate', args }))
    .command('resume [run-id]', 'Continue an interrupted or failed run', resumeBuilder, (args) => void (picked = { kind: 'resume', args }))
    .command('status [run-id]', 'Show runs and their progress', statusBuilder, (args) => void (picked = { kind: 'status', args }))
    .command('lab', 'Local simulated AWS + Avi lab', (y) =>
      y
        .command('up', 'Start the lab', labUpBuilder, (args) => void (picked = { kind: 'lab-up', args }))
        .command('down', 'Stop the lab', labDownBuilder, (args) => void (picked = { kind: 'lab-down', args }))
        .demandCommand(1, 'choose a lab action: up or down'),
    )
    .demandCommand(1, 'choose a command: plan, migrate, resume, status or lab')
    .epilogue(`Secrets never go in flags or config files: set ${PASSWORD_ENV} / ${PASSPHRASE_ENV} or answer the prompt.`)
    .version(packageVersion())
    .help()
    .alias('h', 'help')
    .strict()
    .parserConfiguration({ 'duplicate-arguments-array': false })
    .wrap(null)
    .exitProcess(false)
    .fail((msg, err) => {
      throw failLine(msg ?? undefined, err ?? undefined);
    })
    // With a callback yargs hands us help/version text instead of printing it: parsing stays pure.
    .parseAsync(argv, {}, (_err, _args, out) => void (output = out));
  const chosen = picked as Picked | undefined;
  if (!chosen) {
    if (output) throw new HelpOutput(output);
    throw usage('choose a command: plan, migrate, resume, status or lab (see avi-encrypt --help)');
  }
  return buildCommand(chosen, env, readFile);
}

function buildCommand(p: Picked, env: NodeJS.ProcessEnv, readFile: (p: string) => string): Command {
  switch (p.kind) {
    case 'plan':
      return { kind: 'plan', settings: buildSettings(p.args, env, readFile), json: p.args.json };
    case 'migrate': {
      const { dryRun, json, yes } = p.args;
      const settings = buildSettings(p.args, env, readFile);
      if (!dryRun) validateStateDir(settings.stateDir, stateDirSource(p.args.stateDir, p.args.config));
      return { kind: 'migrate', settings, dryRun, json, yes };
    }
    case 'resume': {
      const raw = envValue(env, 'AVI_ENCRYPT_POLL_INTERVAL');
      const poll = raw === undefined ? {} : { pollIntervalMs: positiveNumber(raw, 'AVI_ENCRYPT_POLL_INTERVAL', 'milliseconds') };
      const dir = stateDir(p.args.stateDir, env);
      validateStateDir(dir, stateDirSource(p.args.stateDir));
      return { kind: 'resume', stateDir: dir, ...runId(p.args.runId), yes: p.args.yes, ...poll };
    }
    case 'status': {
      const dir = stateDir(p.args.stateDir, env);
      validateStateDir(dir, stateDirSource(p.args.stateDir), { write: false });
      return { kind: 'status', stateDir: dir, ...runId(p.args.runId), json: p.args.json };
    }
    case 'lab-up': {
      const { nodes, timeScale, dir, seGroups, sesPerGroup, vsPerSe, maxSeTrap, legacyHa, deleteBusySe } = p.args;
      if (!(timeScale > 0 && timeScale <= 10)) {
        throw usage(`--time-scale must be > 0 and <= 10 (got ${timeScale}): e.g. 0.01 runs the lab 100x faster, 1 in real time`);
      }
      const flags = { seGroups, sesPerGroup, vsPerSe, maxSeTrap, legacyHa, deleteBusySe };
      let fleet: FleetOptions | undefined;
      try {
        fleet = Object.values(flags).some((v) => v !== undefined) ? fleetOptions(flags) : undefined;
      } catch (e) {
        throw usage((e as Error).message);
      }
      return { kind: 'lab-up', nodes: nodes === 1 ? 1 : 3, timeScale, dir, ...(fleet ? { fleet } : {}) };
    }
    case 'lab-down':
      return { kind: 'lab-down', dir: p.args.dir };
  }
}

const stateDir = (flag: string | undefined, env: NodeJS.ProcessEnv): string =>
  flag || envValue(env, 'AVI_ENCRYPT_STATE_DIR') || DEFAULTS.stateDir;

/** Where the state dir came from, for the error line (the exact layer is not worth tracking here). */
const stateDirSource = (flag: string | undefined, config?: string): string =>
  flag ? '--state-dir' : config ? '--state-dir / stateDir (config) / AVI_ENCRYPT_STATE_DIR' : '--state-dir / AVI_ENCRYPT_STATE_DIR';

function runId(id: string | undefined): { runId?: string } {
  if (id === undefined || id === '') return {};
  // The id names a folder under the state dir; a path here would escape it.
  if (/[/\\]/.test(id) || id === '.' || id === '..') {
    throw usage(`run id "${id}" is not a run name: use an id listed by \`avi-encrypt status\``);
  }
  return { runId: id };
}

function buildSettings(args: SettingsArgs, env: NodeJS.ProcessEnv, readFile: (p: string) => string): Settings {
  const flags: SettingsLayer = { values: {}, source: (key) => `--${kebab(key)}` };
  const { strategy, controller, username, tenant, apiVersion, caBundle, region, profile } = args;
  const { kmsKey, encryptedAmi, stateDir: dir, pollInterval, waitTimeout } = args;
  const given = { strategy, controller, username, tenant, apiVersion, caBundle, region, profile, kmsKey, encryptedAmi, stateDir: dir, pollInterval, waitTimeout };
  for (const [key, value] of Object.entries(given) as Array<[SettingKey, string | number | undefined]>) {
    if (value !== undefined && value !== '') flags.values[key] = value;
  }
  const layers = [flags, ...(args.config ? [loadConfigFile(args.config, readFile)] : []), envLayer(env)];
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
  const num = (key: SettingKey, unit: 'milliseconds' | 'minutes'): number | undefined => {
    const p = pick(key);
    return p && positiveNumber(p.value, p.from, unit);
  };
  const chosen = str('strategy');
  if (chosen === undefined) throw usage(`strategy is not set: set --strategy (one of ${STRATEGIES.join(', ')}) or strategy: in the config file`);
  if (!isStrategy(chosen)) throw unknownStrategyError(chosen);
  const opt = <K extends string>(k: K, v: string | undefined) => (v === undefined ? {} : ({ [k]: v } as Record<K, string>));
  const waitMinutes = num('waitTimeout', 'minutes');
  const settings: Settings = {
    strategy: chosen,
    avi: {
      controller: (str('controller') ?? '').replace(/\/+$/, ''),
      username: str('username') ?? DEFAULTS.username,
      tenant: str('tenant') ?? DEFAULTS.tenant,
      ...opt('apiVersion', str('apiVersion')),
      ...opt('caBundle', str('caBundle')),
    },
    aws: { region: str('region') ?? '', ...opt('profile', str('profile')) },
    kmsKey: str('kmsKey') ?? DEFAULTS.kmsKey,
    ...opt('encryptedAmi', str('encryptedAmi')),
    stateDir: str('stateDir') ?? DEFAULTS.stateDir,
    pollIntervalMs: num('pollInterval', 'milliseconds') ?? DEFAULTS.pollIntervalMs,
    waitTimeoutMs: waitMinutes === undefined ? DEFAULTS.waitTimeoutMs : Math.round(waitMinutes * 60_000),
  };
  validateSettings(settings, { readFile });
  const chosenProfile = pick('profile');
  if (chosenProfile) validateProfile(String(chosenProfile.value), chosenProfile.from, env, readFile);
  return settings;
}
