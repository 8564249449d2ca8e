// The commands for after a run: `verify`, `cleanup --run ID`, `doctor`. Their yargs options and
// their argv -> Command step; nothing runs here.

import type { Argv } from 'yargs';
import { DEFAULTS } from '../runbook/settings.js';
import { EXIT, UserFacingError } from '../engine/exit-codes.js';
import { settingsOptions } from './builders.js';
import type { Command } from './command.js';
import { envValue } from './env.js';
import { durationMs } from './lab-args.js';
import { buildSettings, kebab, runbookSpecs, type SettingsArgs } from './settings.js';
import { validateStateDir } from './state-dir.js';

const usage = (message: string): UserFacingError => new UserFacingError(message, EXIT.usage);
const RUN_ID = '20261127-093012-controller-swap-a1b2';

export const verifyBuilder = (y: Argv) =>
  settingsOptions(y)
    .option('run', { type: 'string', describe: 'Verify what this run migrated, with its settings (its key; its cloud and SE groups)' })
    .example('$0 verify --kms-key alias/avi-controllers --json', 'Every Controller and SE instance, as JSON; exit 8 unless all are encrypted with the expected key')
    .example('$0 verify --strategy se-scale-out --cloud aws-prod', "One cloud's SEs, against its ebs_encryption key")
    .example(`$0 verify --run ${RUN_ID}`, 'What that run migrated');

export const cleanupBuilder = (y: Argv) =>
  y
    .option('run', { type: 'string', demandOption: true, describe: 'The finished, verified run whose leftovers to delete' })
    .option('state-dir', { type: 'string', describe: 'Where runs live [env AVI_ENCRYPT_STATE_DIR]', defaultDescription: DEFAULTS.stateDir })
    .option('older-than', { type: 'string', describe: 'Only when the run finished at least this long ago (retention): 7d, 12h, 30m' })
    .option('yes', { type: 'boolean', default: false, describe: 'Delete without asking (required when stdin is not a terminal)' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'List what would be deleted, and the calls; change nothing' })
    .example(`$0 cleanup --run ${RUN_ID}`, 'List the old roots (and old VMs, temporary snapshots) the run kept, then ask')
    .example(`$0 cleanup --run ${RUN_ID} --older-than 7d --yes`, 'Unattended, once the run is a week old');

export const doctorBuilder = (y: Argv) =>
  settingsOptions(y)
    .example('$0 doctor', "Every key the Controllers, the SEs, their AMIs and the clouds' encryption depend on: Disabled, PendingDeletion or gone?")
    .example('$0 doctor --json', 'The same as JSON; exit 9 when a key is in trouble');

const SHARED = ['strategy', 'controller', 'username', 'tenant', 'apiVersion', 'caBundle', 'region', 'profile', 'kmsKey', 'config'];

function stateDirOf(flag: string | undefined, env: NodeJS.ProcessEnv, write: boolean): string {
  const dir = flag || envValue(env, 'AVI_ENCRYPT_STATE_DIR') || DEFAULTS.stateDir;
  validateStateDir(dir, flag ? '--state-dir' : '--state-dir / AVI_ENCRYPT_STATE_DIR', { write });
  return dir;
}

export function verifyCommand(args: SettingsArgs & { run?: string | undefined; json: boolean }, env: NodeJS.ProcessEnv, readFile: (p: string) => string): Command {
  if (args.run === undefined) return { kind: 'verify', json: args.json, settings: buildSettings(args, env, readFile, { strategyOptional: true }) };
  if (args.run === '') throw usage('--run needs a run id: avi-encrypt status lists the runs');
  // The run's settings are what it migrated: a flag beside --run would verify something else.
  const given = [...SHARED, ...runbookSpecs().map((s) => s.key)].find((k) => args[k] !== undefined);
  if (given) throw usage(`--run ${args.run} verifies with the run's own settings: drop --${kebab(given)}`);
  return { kind: 'verify', json: args.json, stateDir: stateDirOf(args.stateDir, env, false), runId: args.run };
}

export function cleanupCommand(
  args: { run: string; stateDir?: string | undefined; olderThan?: string | undefined; yes: boolean; dryRun: boolean },
  env: NodeJS.ProcessEnv,
): Command {
  if (args.run === '') throw usage('--run needs a run id: avi-encrypt status lists the runs');
  const olderThanMs = args.olderThan === undefined ? undefined : durationMs(args.olderThan, '--older-than', '7d, 12h or 30m');
  return {
    kind: 'cleanup', stateDir: stateDirOf(args.stateDir, env, !args.dryRun), runId: args.run, yes: args.yes, dryRun: args.dryRun,
    ...(olderThanMs === undefined ? {} : { olderThanMs }),
  };
}

export function doctorCommand(args: SettingsArgs & { json: boolean }, env: NodeJS.ProcessEnv, readFile: (p: string) => string): Command {
  return { kind: 'doctor', json: args.json, settings: buildSettings(args, env, readFile, { strategyOptional: true }) };
}
