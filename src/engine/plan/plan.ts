// The plan: the runbook's machine run with checks reading for real (so the plan reflects the
// live targets), every action telling the recorder what it would write from the runbook's own
// model, waits shown rather than waited, and gates listed. The clients underneath refuse any
// write, so nothing can change even if an action slipped past the recorder.

import { stepsOf, type Entry } from '../../runbook/language.js';
import type { AnyRunbookModule } from '../../runbook/module.js';
import type { Settings } from '../../runbook/settings.js';
import type { StepDeps } from '../../steps/deps.js';
import type { Target } from '../../steps/target.js';
import { buildRunbook, planSteps } from '../build.js';
import { EXIT, UserFacingError, type ExitCode } from '../exit-codes.js';
import { planGates } from '../gates.js';
import { silentProgress } from '../progress-silent.js';
import { runMachine, type GateRequest } from '../run.js';
import { createRecorder, observed, plannedIds, type Invocation } from '../../steps/plan-recorder.js';
import { PLAN_VERSION, type Plan, type PlannedCall, type PlannedStep } from './types.js';

/** The runbook refused to plan (a preflight step); `data` is what it had found until then. */
export class PlanRefusedError extends UserFacingError {
  constructor(message: string, exitCode: ExitCode, readonly data: object) {
    super(message, exitCode);
    this.name = 'PlanRefusedError';
  }
}

/** A plan, the runbook's data as the plan left it, and every write the plan's steps asked for. */
export interface MadePlan {
  plan: Plan;
  data: object;
  writes: Invocation[];
}

export async function buildPlan(module: AnyRunbookModule, settings: Settings, target: Pick<Target, 'reads'>, signal: AbortSignal): Promise<Plan> {
  return (await makePlan(module, settings, target, signal)).plan;
}

export async function makePlan(module: AnyRunbookModule, settings: Settings, target: Pick<Target, 'reads'>, signal: AbortSignal): Promise<MadePlan> {
  const built = buildRunbook(module, settings);
  const specs = new Map(stepsOf(module.definition).map((s) => [s.id, s]));
  const steps: PlannedStep[] = [];
  // By step and item: in a fan-out several steps are under way at once, each records its own calls.
  const started = new Map<string, PlannedStep>();
  const at = (id: string, item: string) => `${id}\0${item}`;
  const ids = plannedIds();
  // Every write the steps ask for, with its arguments: what preflight replays as DryRun.
  const writes: Invocation[] = [];
  const seen = (call: Invocation) => writes.push(call);
  const recorder = observed(createRecorder(() => undefined, ids), seen);
  const recorderFor = (id: string, item: string) =>
    observed(createRecorder((c: PlannedCall) => started.get(at(id, item))?.calls.push(c), ids), seen);
  const deps: StepDeps = {
    reads: target.reads,
    writes: recorder,
    files: { save: async (name) => `<run folder>/backups/${name}`, load: async () => '' },
    // Exports and imports are recorded, not sent: no passphrase is needed to plan.
    backupPassphrase: async () => '',
    nodePassword: async () => '',
    pollIntervalMs: settings.pollIntervalMs,
    sleep: async () => undefined,
    now: () => Date.now(),
  };
  const kinds = Object.fromEntries(Object.entries(module.effects(deps)).map(([id, e]) => [id, e.kind]));
  const gates: GateRequest[] = [];
  const askGate = planGates(gates);

  const outcome = await runMachine({
    runId: 'plan', built, steps: planSteps(module, deps, recorderFor), signal,
    timeoutMs: () => settings.waitTimeoutMs,
    start: { input: built.initialContext(module.initialData(settings), { rollback: settings.rollback }) },
    services: {
      progress: silentProgress,
      async gate(r) {
        steps.push({ n: steps.length + 1, id: r.gate, title: r.title, kind: 'gate', impact: r.impact, down: [], calls: [] });
        return askGate(r);
      },
      onStep(event, id, item) {
        if (event === 'end') return;
        const spec = specs.get(id);
        const current: PlannedStep = {
          n: steps.length + 1, id, title: spec?.title ?? id, kind: (kinds[id] ?? 'action') as PlannedStep['kind'], down: [], calls: [],
          ...(spec?.doc ? { doc: spec.doc } : {}), ...(item ? { item } : {}),
          ...(spec?.awaits ? { awaits: spec.awaits } : {}),
          ...(spec?.downtime && item ? { takesDown: item } : {}),
        };
        steps.push(current);
        started.set(at(id, item), current);
      },
    },
  });
  if (outcome.status !== 'done') {
    const f = outcome.failures[0];
    throw new PlanRefusedError(f ? f.message : `planning ended ${outcome.status}`, f ? EXIT.preflight : EXIT.interrupted, outcome.context.data);
  }
  markDowntime(steps, specs);
  const plan: Plan = {
    version: PLAN_VERSION,
    strategy: module.strategy,
    fingerprint: built.fingerprint,
    document: module.document,
    target: module.targetLabel(settings),
    region: settings.aws.region,
    targets: module.targets(outcome.context.data),
    gates,
    rollback: rollbackBlocks(module.definition.entries),
    steps,
  };
  return { plan, data: outcome.context.data, writes };
}

/** An item is down from the step that takes it down until the step after which it is back. */
function markDowntime(steps: PlannedStep[], specs: Map<string, { upAgain?: boolean }>): void {
  const down = new Set<string>();
  for (const step of steps) {
    if (step.takesDown) down.add(step.takesDown);
    step.down = [...down];
    if (specs.get(step.id)?.upAgain && step.item) down.delete(step.item);
  }
}

function rollbackBlocks<D>(entries: Entry<D>[]): Plan['rollback'] {
  return entries.flatMap((e) => (e.kind === 'each'
    ? [...(e.compensate?.length ? [{ block: e.id, steps: e.compensate.map((c) => c.title) }] : []), ...rollbackBlocks(e.entries)]
    : []));
}
