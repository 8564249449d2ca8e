// argv -> Command. Nothing runs here: the result is plain data that `execute` runs or a preview prints.
// Precedence for settings: flag > --config file > environment > DEFAULTS (src/cli/settings.ts).

import { readFileSync } from 'node:fs';
import yargs, { type ArgumentsCamelCase } from 'yargs';
import { EXIT, UserFacingError } from '../engine/exit-codes.js';
import { versionLine } from '../engine/version.js';
import { DEFAULTS } from '../runbook/settings.js';
import {
  approveBuilder, describeBuilder, labDownBuilder, labFaultBuilder, labStatusBuilder, labUpBuilder, migrateBuilder, planBuilder, preflightBuilder,
  resumeBuilder, statusBuilder,
} from './builders.js';
import type { Command } from './command.js';
import { cleanupBuilder, cleanupCommand, doctorBuilder, doctorCommand, verifyBuilder, verifyCommand } from './after-run-args.js';
import { labFaultCommand, labUpCommand } from './lab-args.js';
import { refuseDisagreeingFlags, savedPlanOf } from './plan-file.js';
import { envValue, PASSPHRASE_ENV, PASSWORD_ENV, refuseSecretFlags } from './env.js';
import { buildSettings, kebab, runbookSpecs, type SettingsArgs } from './settings.js';
import { validateStateDir } from './state-dir.js';
import { durationScale, pollInterval, unknownStrategyError } from './validate.js';

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
type Args<B extends (...a: never[]) => { argv: unknown }> = ArgumentsCamelCase<Awaited<ReturnType<B>['argv']>>;
type Picked =
  | { kind: 'preflight'; args: Args<typeof preflightBuilder> }
  | { kind: 'plan'; args: Args<typeof planBuilder> }
  | { kind: 'migrate'; args: Args<typeof migrateBuilder> }
  | { kind: 'resume'; args: Args<typeof resumeBuilder> }
  | { kind: 'approve'; args: Args<typeof approveBuilder> }
  | { kind: 'status'; args: Args<typeof statusBuilder> }
  | { kind: 'describe'; args: Args<typeof describeBuilder> }
  | { kind: 'verify'; args: Args<typeof verifyBuilder> }
  | { kind: 'cleanup'; args: Args<typeof cleanupBuilder> }
  | { kind: 'doctor'; args: Args<typeof doctorBuilder> }
  | { kind: 'lab-up'; args: Args<typeof labUpBuilder> }
  | { kind: 'lab-down'; args: Args<typeof labDownBuilder> }
  | { kind: 'lab-status'; args: Args<typeof labStatusBuilder> }
  | { kind: 'lab-fault'; args: Args<typeof labFaultBuilder> };

const COMMANDS = 'preflight, plan, migrate, resume, approve, status, describe, verify, cleanup, doctor or lab';

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

export async function parseCommand(argv: string[], env: NodeJS.ProcessEnv, opts: ParseOptions = {}): Promise<Command> {
  refuseSecretFlags(argv);
  const readFile = opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  let picked: Picked | undefined;
  let output = '';
  await yargs()
    .scriptName('avi-encrypt')
    .usage('$0 <command> [options]\n\nMigrate Avi Controllers and SEs on AWS to KMS-encrypted volumes.')
    .command('preflight', 'Check everything a migration needs; changes nothing', preflightBuilder, (args) => void (picked = { kind: 'preflight', args }))
    .command('plan', 'Show what a migration would do (and save it with --out); changes nothing', planBuilder, (args) => void (picked = { kind: 'plan', args }))
    .command('migrate', 'Run a migration', migrateBuilder, (args) => void (picked = { kind: 'migrate', args }))
    .command('resume [run-id]', 'Continue an interrupted, failed or rolled-back run', resumeBuilder, (args) => void (picked = { kind: 'resume', args }))
    .command('approve <run-id>', 'Approve the gate a run waits at, and continue it', approveBuilder, (args) => void (picked = { kind: 'approve', args }))
    .command('status [run-id]', 'Show runs and their progress', statusBuilder, (args) => void (picked = { kind: 'status', args }))
    .command('describe', 'Draw a runbook: steps, loops, gates, rollback', describeBuilder, (args) => void (picked = { kind: 'describe', args }))
    .command('verify', 'Report every Controller and SE volume against the key it should use; changes nothing', verifyBuilder, (args) => void (picked = { kind: 'verify', args }))
    .command('cleanup', "Delete what a finished, verified run kept (old roots, old VMs, temporary snapshots)", cleanupBuilder, (args) => void (picked = { kind: 'cleanup', args }))
    .command('doctor', 'Find KMS keys in use that are Disabled, PendingDeletion or gone; changes nothing', doctorBuilder, (args) => void (picked = { kind: 'doctor', args }))
    .command('lab', 'Local simulated AWS + Avi lab', (y) =>
      y
        .command('up', 'Start the lab', labUpBuilder, (args) => void (picked = { kind: 'lab-up', args }))
        .command('down', 'Stop the lab', labDownBuilder, (args) => void (picked = { kind: 'lab-down', args }))
        .command('status', 'Show the running lab and its faults', labStatusBuilder, (args) => void (picked = { kind: 'lab-status', args }))
        .command('fault <kind>', 'Inject a fault into the running lab (or clear them)', labFaultBuilder, (args) => void (picked = { kind: 'lab-fault', args }))
        .demandCommand(1, 'choose a lab action: up, down, status or fault'),
    )
    .demandCommand(1, `choose a command: ${COMMANDS}`)
    .epilogue(`Secrets never go in flags or config files: set ${PASSWORD_ENV} / ${PASSPHRASE_ENV} or answer the prompt.`)
    .version(versionLine())
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
    throw usage(`choose a command: ${COMMANDS} (see avi-encrypt --help)`);
  }
  return buildCommand(withRepeats(chosen, argv), env, readFile);
}

/**
 * A list setting given as a repeated flag (`--se-group a --se-group b`): yargs keeps only the last
 * (duplicate-arguments-array is off so a repeated single-value flag stays a single value), so
 * every occurrence is read from argv here.
 */
function withRepeats(p: Picked, argv: string[]): Picked {
  if (p.kind !== 'plan' && p.kind !== 'migrate' && p.kind !== 'verify' && p.kind !== 'doctor') return p;
  const args = { ...p.args } as Record<string, unknown>;
  for (const spec of runbookSpecs().filter((s) => s.type === 'strings')) {
    const flag = `--${kebab(spec.key)}`;
    const values = argv.flatMap((a, i) => (a === flag && argv[i + 1] !== undefined ? [argv[i + 1]!] : a.startsWith(`${flag}=`) ? [a.slice(flag.length + 1)] : []));
    if (values.length > 0) args[spec.key] = values;
  }
  return { ...p, args } as Picked;
}

function buildCommand(p: Picked, env: NodeJS.ProcessEnv, readFile: (p: string) => string): Command {
  switch (p.kind) {
    case 'preflight':
      return { kind: 'preflight', settings: buildSettings(p.args as SettingsArgs, env, readFile), json: p.args.json };
    case 'plan': {
      const out = p.args.out;
      if (out === '') throw usage('--out needs a file name to save the plan to');
      return { kind: 'plan', settings: buildSettings(p.args as SettingsArgs, env, readFile), json: p.args.json, ...(out === undefined ? {} : { out }) };
    }
    case 'migrate': {
      const { dryRun, json, yes } = p.args;
      if (p.args.plan !== undefined) {
        if (dryRun) throw usage(`--dry-run cannot be combined with --plan ${p.args.plan}: the plan is in the file; avi-encrypt plan shows a fresh one`);
        const plan = savedPlanOf(p.args.plan, readFile);
        refuseDisagreeingFlags(plan, p.args as SettingsArgs);
        const settings = plan.saved.settings;
        validateStateDir(settings.stateDir, `stateDir in ${plan.file}`);
        return { kind: 'migrate', settings, dryRun: false, json, yes, plan };
      }
      const settings = buildSettings(p.args as SettingsArgs, env, readFile);
      if (!dryRun) validateStateDir(settings.stateDir, stateDirSource(p.args.stateDir, p.args.config));
      return { kind: 'migrate', settings, dryRun, json, yes };
    }
    case 'resume': {
      // Today's waits for a resumed run: the environment may set them afresh (a rehearsal lab's env does).
      const raw = envValue(env, 'AVI_ENCRYPT_POLL_INTERVAL');
      const scale = envValue(env, 'AVI_ENCRYPT_DURATION_SCALE');
      const poll = {
        ...(raw === undefined ? {} : pollInterval(raw, 'AVI_ENCRYPT_POLL_INTERVAL')),
        ...(scale === undefined ? {} : { durationScale: durationScale(scale, 'AVI_ENCRYPT_DURATION_SCALE') }),
      };
      const dir = stateDir(p.args.stateDir, env);
      validateStateDir(dir, stateDirSource(p.args.stateDir));
      return { kind: 'resume', stateDir: dir, ...runId(p.args.runId), yes: p.args.yes, ...poll };
    }
    case 'approve': {
      const dir = stateDir(p.args.stateDir, env);
      validateStateDir(dir, stateDirSource(p.args.stateDir));
      return { kind: 'approve', stateDir: dir, runId: runId(p.args.runId).runId ?? '' };
    }
    case 'status': {
      const dir = stateDir(p.args.stateDir, env);
      validateStateDir(dir, stateDirSource(p.args.stateDir), { write: false });
      return { kind: 'status', stateDir: dir, ...runId(p.args.runId), json: p.args.json };
    }
    case 'describe':
      return { kind: 'describe', strategy: p.args.strategy, format: p.args.format as 'text' | 'mermaid' | 'json' };
    case 'verify':
      return verifyCommand(p.args as SettingsArgs & { run?: string; json: boolean }, env, readFile);
    case 'cleanup':
      return cleanupCommand(p.args, env);
    case 'doctor':
      return doctorCommand(p.args as SettingsArgs & { json: boolean }, env, readFile);
    case 'lab-up':
      return labUpCommand(p.args, readFile);
    case 'lab-down':
      return { kind: 'lab-down', dir: p.args.dir };
    case 'lab-status':
      return { kind: 'lab-status', dir: p.args.dir, json: p.args.json };
    case 'lab-fault':
      return labFaultCommand(p.args);
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
