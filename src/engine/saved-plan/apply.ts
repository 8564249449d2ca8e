// A saved plan is applied only to the world it was made from: every fact it depends on must read
// the same now (or the run would do something nobody reviewed), and the plan made now must be the
// very plan that was saved. Either refusal is one line, exit 3, before anything changes.

import type { AnyRunbookModule } from '../../runbook/module.js';
import type { Settings } from '../../runbook/settings.js';
import type { Reads } from '../../steps/gateways.js';
import { EXIT, UserFacingError } from '../exit-codes.js';
import type { MadePlan } from '../plan/plan.js';
import type { Plan } from '../plan/types.js';
import { toolVersion } from '../version.js';
import { writeSavedPlan, SAVED_PLAN_FORMAT, SAVED_PLAN_KIND, type SavedPlan } from './file.js';
import { worldChange, worldFacts, worldFingerprint } from './world.js';

export interface SavedPlanInput {
  file: string;
  saved: SavedPlan;
}

const remake = (file: string) => `make a new plan with avi-encrypt plan --out ${file}, review it, and apply that`;

export async function savePlan(module: AnyRunbookModule, settings: Settings, reads: Reads, made: MadePlan, file: string): Promise<SavedPlan> {
  const facts = await worldFacts(module, settings, reads, made.data, made.plan.fingerprint);
  const saved: SavedPlan = {
    kind: SAVED_PLAN_KIND, format: SAVED_PLAN_FORMAT, createdAt: new Date().toISOString(), toolVersion: toolVersion(),
    settings, plan: made.plan, data: made.data, world: { fingerprint: worldFingerprint(facts), facts },
  };
  await writeSavedPlan(file, saved);
  return saved;
}

export async function refuseChangedWorld(module: AnyRunbookModule, reads: Reads, shape: string, input: SavedPlanInput): Promise<void> {
  const { saved, file } = input;
  const now = await worldFacts(module, saved.settings, reads, saved.data, shape);
  const change = worldChange(saved.world.facts, now);
  if (change) {
    throw new UserFacingError(
      `the world changed since the plan in ${file} was made (${saved.createdAt}, avi-encrypt ${saved.toolVersion}): ${change}; ${remake(file)}`, EXIT.preflight);
  }
}

/** What a plan does, without what only says how it was made. */
const doing = (p: Plan) => ({ strategy: p.strategy, fingerprint: p.fingerprint, targets: p.targets, gates: p.gates, rollback: p.rollback });

export function refuseOtherPlan(input: SavedPlanInput, now: Plan): void {
  const { saved, file } = input;
  const then = saved.plan;
  const differs = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
  let where: string | undefined;
  if (differs(doing(then), doing(now))) where = 'its targets, gates or rollback';
  else {
    const i = [...Array(Math.max(then.steps.length, now.steps.length)).keys()].find((n) => differs(then.steps[n], now.steps[n]));
    const step = i === undefined ? undefined : then.steps[i] ?? now.steps[i];
    if (step) where = `step ${step.n} (${step.title}${step.item ? ` [${step.item}]` : ''})`;
  }
  if (where) throw new UserFacingError(`the plan made now differs from the one in ${file} at ${where}; ${remake(file)}`, EXIT.preflight);
}
