// A module's machine for a run's settings (lanes from each block's concurrency), and its steps
// as the engine runs them: for real, or as a plan, where checks read for real, actions only say
// what they would write (to the recorder) and waits and later checks are shown, not run.

import { stepsOf, type Entry } from '../runbook/language.js';
import { buildMachine, type BuiltRunbook } from '../runbook/machine.js';
import type { AnyRunbookModule } from '../runbook/module.js';
import type { Settings } from '../runbook/settings.js';
import type { StepDeps } from '../steps/deps.js';
import type { Writes } from '../steps/gateways.js';
import type { StepRun } from './run.js';

export function buildRunbook(module: AnyRunbookModule, settings: Settings): BuiltRunbook<object> {
  const lanes: Record<string, number> = {};
  const walk = (entries: Entry<object>[]) => {
    for (const e of entries) {
      if (e.kind !== 'each') continue;
      lanes[e.id] = typeof e.concurrency === 'function' ? e.concurrency(settings.runbook) : e.concurrency ?? 1;
      walk(e.entries);
    }
  };
  walk(module.definition.entries);
  return buildMachine(module.definition, { lanes });
}

/** The effects by id, checked against the definition: every step has one, of the right kind. */
function effectsFor(module: AnyRunbookModule, deps: StepDeps) {
  const effects = module.effects(deps);
  for (const s of stepsOf(module.definition)) {
    const e = effects[s.id];
    if (!e) throw new Error(`runbook ${module.strategy}: step ${s.id} has no effect`);
    if ((s.kind === 'wait') !== (e.kind === 'wait')) throw new Error(`runbook ${module.strategy}: step ${s.id} is a ${s.kind} but its effect is a ${e.kind}`);
  }
  return effects;
}

export function realSteps(module: AnyRunbookModule, deps: StepDeps): Record<string, StepRun<object>> {
  return Object.fromEntries(Object.entries(effectsFor(module, deps)).map(([id, e]) => [id, e.run]));
}

/** `recorderFor` gives each step invocation its own recorder: steps of concurrent lanes interleave. */
export function planSteps(module: AnyRunbookModule, deps: StepDeps, recorderFor: (step: string, key: string) => Writes): Record<string, StepRun<object>> {
  // A check before any change (preflight) reads the world as it is; a later one (verify) would
  // read a world the plan never changed, so it is shown, not run.
  const before = new Set(stepsOf(module.definition).filter((s) => s.preflight).map((s) => s.id));
  return Object.fromEntries(
    Object.entries(effectsFor(module, deps)).map(([id, e]): [string, StepRun<object>] => {
      if (e.kind === 'check') return [id, before.has(id) ? e.run : async () => undefined];
      if (e.kind === 'action') return [id, async (scope) => (await e.plan(scope, recorderFor(id, scope.key))) ?? undefined];
      return [id, async () => undefined];
    }),
  );
}
