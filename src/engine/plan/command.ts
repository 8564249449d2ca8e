// `plan`: the preflight checklist above the plan, and with --out the plan saved with the world
// it was made from, for `migrate --plan` to apply exactly. Reads and DryRun requests only.

import type { Settings } from '../../runbook/settings.js';
import { EXIT, UserFacingError, type ExitCode } from '../exit-codes.js';
import { checkTarget, type PreflightIo } from '../preflight/command.js';
import { renderChecklist } from '../preflight/render.js';
import { firstFailure, refusalCode } from '../preflight/run.js';
import { runbookFor } from '../registry.js';
import { savePlan } from '../saved-plan/apply.js';
import { renderPlan } from './render.js';

export async function plan(settings: Settings, opts: { json: boolean; out?: string }, io: PreflightIo): Promise<ExitCode> {
  const module = runbookFor(settings.strategy);
  const { report, made, reads } = await checkTarget(module, settings, await io.aviPassword(), io);
  if (opts.json) io.out.write(`${JSON.stringify({ ...made?.plan, preflight: report }, null, 2)}\n`);
  else io.out.write(`${renderChecklist(report)}\n${made ? `\n${renderPlan(made.plan)}\n` : ''}`);
  if (!report.ok || !made) {
    throw new UserFacingError(`${firstFailure(report)}${opts.out ? `; no plan was written to ${opts.out}` : ''}`, refusalCode(report));
  }
  if (opts.out) {
    const saved = await savePlan(module, settings, reads, made, opts.out);
    if (!opts.json) io.out.write(`\nSaved to ${opts.out} (world ${saved.world.fingerprint}): apply exactly this plan with avi-encrypt migrate --plan ${opts.out}\n`);
  }
  return EXIT.ok;
}
