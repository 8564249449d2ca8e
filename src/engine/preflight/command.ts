// `preflight`, and the gate `plan` and `migrate` go through: connect with a plan's read-only
// clients (reads and DryRun requests only), run every check, and for `migrate --plan` make sure
// the saved plan still fits the world.

import type { AnyRunbookModule, SecretSource } from '../../runbook/module.js';
import type { Settings } from '../../runbook/settings.js';
import type { Reads } from '../../steps/gateways.js';
import { connectTarget, TargetUnreachableError } from '../../steps/target.js';
import { buildRunbook } from '../build.js';
import { EXIT, UserFacingError, type ExitCode } from '../exit-codes.js';
import type { MadePlan } from '../plan/plan.js';
import { runbookFor } from '../registry.js';
import { refuseChangedWorld, refuseOtherPlan, type SavedPlanInput } from '../saved-plan/apply.js';
import { renderChecklist } from './render.js';
import { firstFailure, refusalCode, runPreflight, unreachableReport, type PreflightOutcome } from './run.js';

export interface PreflightIo {
  out: NodeJS.WritableStream;
  signal: AbortSignal;
  aviPassword: () => Promise<string>;
  /** Where the secrets a run may ask for would come from. */
  secrets: { backupPassphrase: SecretSource };
}

export async function preflight(settings: Settings, json: boolean, io: PreflightIo): Promise<ExitCode> {
  const module = runbookFor(settings.strategy);
  const password = await io.aviPassword();
  let report;
  try {
    report = (await checkTarget(module, settings, password, io)).report;
  } catch (e) {
    if (!(e instanceof TargetUnreachableError)) throw e;
    report = unreachableReport(module, settings, e.message);
  }
  io.out.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${renderChecklist(report)}\n`);
  return report.ok ? EXIT.ok : refusalCode(report);
}

/** Every check, through a plan's read-only clients. */
export async function checkTarget(module: AnyRunbookModule, settings: Settings, password: string, io: PreflightIo): Promise<PreflightOutcome & { reads: Reads }> {
  const target = await connectTarget(settings, password, { readOnly: true });
  return { ...(await runPreflight(module, settings, target, io.secrets, io.signal)), reads: target.reads };
}

/**
 * What `migrate` passes before anything: a saved plan's world unchanged (checked first, so the
 * refusal names what changed), every check passing, and the plan made now the saved one.
 */
export async function passPreflight(
  module: AnyRunbookModule, settings: Settings, password: string, io: PreflightIo, saved?: SavedPlanInput,
): Promise<PreflightOutcome & { made: MadePlan }> {
  const target = await connectTarget(settings, password, { readOnly: true });
  if (saved) await refuseChangedWorld(module, target.reads, buildRunbook(module, settings).fingerprint, saved);
  const outcome = await runPreflight(module, settings, target, io.secrets, io.signal);
  if (!outcome.report.ok || !outcome.made) throw new UserFacingError(firstFailure(outcome.report), refusalCode(outcome.report));
  if (saved) refuseOtherPlan(saved, outcome.made.plan);
  return { ...outcome, made: outcome.made };
}
