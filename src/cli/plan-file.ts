// `migrate --plan FILE`: the settings are the saved plan's. The file must be a plan (else one
// line, exit 2), and a settings flag given beside it must say what the plan says: a flag that
// disagrees is refused rather than silently overriding what was reviewed. The config file and
// the environment's settings are not read at all.

import { EXIT, UserFacingError } from '../engine/exit-codes.js';
import type { SavedPlanInput } from '../engine/saved-plan/apply.js';
import { parseSavedPlan } from '../engine/saved-plan/file.js';
import type { Settings } from '../runbook/settings.js';
import { kebab, runbookSpecs, type SettingsArgs } from './settings.js';

const usage = (message: string): UserFacingError => new UserFacingError(message, EXIT.usage);

export function savedPlanOf(file: string, readFile: (p: string) => string): SavedPlanInput {
  let text: string;
  try {
    text = readFile(file);
  } catch (e) {
    throw usage(`cannot read the plan ${file} (${(e as { code?: string }).code ?? (e as Error).message}): pass the file plan --out wrote`);
  }
  return { file, saved: parseSavedPlan(text, file) };
}

/** Each settings flag beside --plan, with what the plan says for it. */
function planned(s: Settings, args: SettingsArgs): Array<[flag: string, given: unknown, plan: unknown]> {
  const own = runbookSpecs().map((spec): [string, unknown, unknown] => [`--${kebab(spec.key)}`, args[spec.key], s.runbook[spec.key as keyof typeof s.runbook]]);
  return [
    ['--strategy', args.strategy, s.strategy],
    ['--controller', args.controller?.replace(/\/+$/, ''), s.avi.controller],
    ['--username', args.username, s.avi.username],
    ['--tenant', args.tenant, s.avi.tenant],
    ['--api-version', args.apiVersion, s.avi.apiVersion],
    ['--ca-bundle', args.caBundle, s.avi.caBundle],
    ['--region', args.region, s.aws.region],
    ['--profile', args.profile, s.aws.profile],
    ['--kms-key', args.kmsKey, s.kmsKey],
    ['--state-dir', args.stateDir, s.stateDir],
    ['--poll-interval', args.pollInterval, s.pollIntervalMs],
    ['--wait-timeout', args.waitTimeout, s.waitTimeoutMs / 60_000],
    ['--rollback', args.rollback, s.rollback],
    ...own,
  ];
}

export function refuseDisagreeingFlags(input: SavedPlanInput, args: SettingsArgs): void {
  if (args.config !== undefined) throw usage(`--config cannot be combined with --plan ${input.file}: a saved plan runs with the settings it was made with`);
  for (const [flag, given, plan] of planned(input.saved.settings, args)) {
    if (given === undefined || given === '') continue;
    if (JSON.stringify(given) !== JSON.stringify(plan)) {
      throw usage(`${flag} ${JSON.stringify(given)} disagrees with the plan in ${input.file} (${JSON.stringify(plan ?? null)}): a saved plan runs with its own settings; drop the flag, or make a new plan with it`);
    }
  }
}
