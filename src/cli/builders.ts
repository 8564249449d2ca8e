// The yargs definition of every command: options, defaults, examples. Parsing only; nothing runs.

import type { Argv } from 'yargs';
import { STRATEGIES } from '../../runbooks/index.js';
import { FAULT_KINDS } from '../lab/faults.js';
import { DEFAULTS } from '../runbook/settings.js';
import { kebab, runbookSpecs } from './settings.js';

const EX = '--controller https://10.0.0.10 --region us-east-1';

export const settingsOptions = (y: Argv) => {
  const base = y
    .option('strategy', { type: 'string', choices: STRATEGIES, describe: 'Migration strategy' })
    .option('controller', { type: 'string', describe: 'Controller URL, https://host[:port] [env AVI_CONTROLLER]' })
    .option('username', { type: 'string', describe: 'Avi user [env AVI_USERNAME]', defaultDescription: DEFAULTS.username })
    .option('tenant', { type: 'string', describe: 'Avi tenant [env AVI_TENANT]', defaultDescription: DEFAULTS.tenant })
    .option('api-version', { type: 'string', describe: "X-Avi-Version [env AVI_API_VERSION]; default: the Controller's" })
    .option('ca-bundle', { type: 'string', describe: 'PEM file of CAs for the Controller cert [env AVI_ENCRYPT_CA_BUNDLE]' })
    .option('region', { type: 'string', describe: 'AWS region [env AWS_REGION, AWS_DEFAULT_REGION]' })
    .option('profile', { type: 'string', describe: 'AWS profile [env AWS_PROFILE]' })
    .option('kms-key', { type: 'string', describe: 'KMS key id, ARN, alias/<name> or alias ARN [env AVI_ENCRYPT_KMS_KEY]', defaultDescription: DEFAULTS.kmsKey })
    .option('state-dir', { type: 'string', describe: 'Run folders, locks, backups [env AVI_ENCRYPT_STATE_DIR]', defaultDescription: DEFAULTS.stateDir })
    .option('poll-interval', { type: 'string', describe: 'Longest gap between two looks of a wait, ms, or MIN-MAX: waits look rarely before their expected finish, often near it [env AVI_ENCRYPT_POLL_INTERVAL]', defaultDescription: `${DEFAULTS.pollMinMs}-${DEFAULTS.pollIntervalMs}` })
    .option('wait-timeout', { type: 'number', describe: 'Upper bound for one wait, minutes [env AVI_ENCRYPT_WAIT_TIMEOUT]', defaultDescription: String(DEFAULTS.waitTimeoutMs / 60_000) })
    // No yargs default: an explicit --no-rollback must be told apart from none (migrate --plan compares flags).
    .option('rollback', { type: 'boolean', defaultDescription: 'true', describe: 'Put a target back as it was when its steps fail (--no-rollback leaves it as it failed)' })
    .option('config', { type: 'string', describe: 'YAML or JSON file with the settings above (camelCase keys; a section per strategy)' })
    .option('json', { type: 'boolean', default: false, describe: 'Print machine-readable JSON' });
  // Each runbook's own settings; a flag of another strategy than the chosen one is refused later.
  for (const spec of runbookSpecs()) {
    base.option(kebab(spec.key), {
      type: spec.type === 'strings' ? 'array' : spec.type,
      describe: `${spec.describe} (${spec.strategies.join(', ')})${spec.env ? ` [env ${spec.env}]` : ''}`,
    });
  }
  return base;
};

export const preflightBuilder = (y: Argv) =>
  settingsOptions(y)
    .example(`$0 preflight --strategy controller-swap ${EX} --encrypted-ami ami-0abc1234`, 'Check everything a migration needs, change nothing (exit 3 if a check fails)')
    .example('$0 preflight --config avi-encrypt.yaml --json', 'The checklist as JSON, for CI');

export const planBuilder = (y: Argv) =>
  settingsOptions(y)
    .option('out', { type: 'string', describe: 'Save the plan, with the world it was made from, for migrate --plan' })
    .example(`$0 plan --strategy controller-swap ${EX} --encrypted-ami ami-0abc1234`, 'The preflight checklist and the steps; change nothing')
    .example('$0 plan --config avi-encrypt.yaml --out avi.plan', 'Save the plan to review and apply later with migrate --plan avi.plan')
    .example('$0 plan --config avi-encrypt.yaml --json', 'Settings from a file, plan as JSON');

export const migrateBuilder = (y: Argv) =>
  settingsOptions(y)
    .option('plan', { type: 'string', describe: 'Apply exactly this saved plan (from plan --out), with its settings; refused if the world changed since' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'Print what would run, change nothing' })
    .option('yes', { type: 'boolean', default: false, describe: 'Skip the confirmation and pass every approval gate' })
    .example('$0 migrate --plan avi.plan --yes', 'Apply a reviewed plan, unattended')
    .example(`$0 migrate --strategy controller-swap ${EX} --encrypted-ami ami-0abc1234 --kms-key alias/avi`, 'Migrate the Controller cluster, asking at each gate')
    .example('AVI_PASSWORD=... $0 migrate --config avi-encrypt.yaml --yes', 'Unattended: approve every gate in advance');

const stateDirOption = { type: 'string', describe: 'Where runs live [env AVI_ENCRYPT_STATE_DIR]', defaultDescription: DEFAULTS.stateDir } as const;

export const resumeBuilder = (y: Argv) =>
  y
    .positional('run-id', { type: 'string', describe: 'Run to continue; default: the latest unfinished run' })
    .option('state-dir', stateDirOption)
    .option('yes', { type: 'boolean', default: false, describe: 'Skip the confirmation and pass every approval gate' })
    .example('$0 resume --yes', 'Continue the latest unfinished run')
    .example('$0 resume 20261127-093012-controller-swap-a1b2 --state-dir /var/lib/avi-encrypt', 'Continue a given run, asking first');

export const approveBuilder = (y: Argv) =>
  y
    .positional('run-id', { type: 'string', describe: 'The run waiting at a gate', demandOption: true })
    .option('state-dir', stateDirOption)
    .example('$0 approve 20261127-093012-controller-swap-a1b2', 'Approve the gate the run waits at, and continue it');

export const statusBuilder = (y: Argv) =>
  y
    .positional('run-id', { type: 'string', describe: 'Run to show; default: all runs' })
    .option('state-dir', stateDirOption)
    .option('json', { type: 'boolean', default: false, describe: 'Print machine-readable JSON' })
    .example('$0 status', 'List runs and where each one stands')
    .example('$0 status 20261127-093012-controller-swap-a1b2 --json', 'One run as JSON');

export const describeBuilder = (y: Argv) =>
  y
    .option('strategy', { type: 'string', choices: STRATEGIES, describe: 'The runbook to draw', demandOption: true })
    .option('format', { type: 'string', choices: ['text', 'mermaid', 'json'], default: 'text', describe: 'Output format' })
    .example('$0 describe --strategy controller-swap', 'The steps, loops, gates and rollback, as text')
    .example('$0 describe --strategy controller-swap --format mermaid', 'A Mermaid flowchart');

const labDir = { type: 'string', default: './.lab', describe: 'Lab folder (state, certs, endpoints)' } as const;

export const labUpBuilder = (y: Argv) =>
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
    .option('page-size', { type: 'number', describe: 'At most N items per Describe*/List* page, even without MaxResults (catches first-page-only reads)' })
    .option('iam-policy', { type: 'string', describe: 'IAM identity policy (JSON) for the lab credentials; default allow-all' })
    .option('consistency-delay', { type: 'number', describe: 'Milliseconds (wall clock) a new resource stays NotFound to other calls' })
    .example('$0 lab up', 'A 3-node cluster at 100x speed, with 6 SEs in 2 SE groups and 6 virtual services')
    .example('$0 lab up --nodes 1 --time-scale 1', 'One node, real-time durations')
    .example('$0 lab up --se-groups 20 --ses-per-group 5 --vs-per-se 2', 'A benchmark fleet: 100 SEs, 200 virtual services')
    .example('$0 lab up --max-se-trap', 'No room for a new SE while the disabled ones count against max_se')
    .example('$0 lab up --page-size 1 --consistency-delay 2000 --iam-policy ./no-stop.json', 'A stricter AWS: tiny pages, eventual consistency, a narrow policy');

export const labDownBuilder = (y: Argv) => y.option('dir', labDir).example('$0 lab down', 'Stop the lab');

export const labStatusBuilder = (y: Argv) => y.option('dir', labDir).option('json', { type: 'boolean', default: false, describe: 'Print machine-readable JSON' })
  .example('$0 lab status', 'Where the lab listens, its nodes, its fleet, the faults in force');

export const labFaultBuilder = (y: Argv) =>
  y
    .positional('kind', { type: 'string', choices: FAULT_KINDS, describe: 'The fault to inject (clear removes them all)', demandOption: true })
    .option('rate', { type: 'number', describe: 'throttle: share of AWS calls refused (0 < rate <= 1)', default: 0.2 })
    .option('for', { type: 'string', describe: 'avi-503, api-down: how long, real time (60s, 2m); scaled by the lab', default: '60s' })
    .option('key', { type: 'string', describe: 'kms-disable, kms-enable, kms-delete: key id, ARN or alias' })
    .option('instance', { type: 'string', describe: 'start-fails: the instance whose starts fall back to stopped' })
    .option('node', { type: 'string', describe: 'no-converge: the node IP that never re-joins' })
    .option('dir', labDir)
    .example('$0 lab fault throttle --rate 0.2', 'One EC2/KMS call in five answers RequestLimitExceeded')
    .example('$0 lab fault kms-disable --key alias/avi-controller', 'Disable the key halfway through a rehearsal')
    .example('$0 lab fault kms-delete --key alias/avi-se', 'The key is deleted (its waiting period over): rehearse avi-encrypt doctor')
    .example('$0 lab fault avi-503 --for 2m', 'The Controller API answers 503 for two (scaled) minutes')
    .example('$0 lab fault clear', 'Remove every fault');
