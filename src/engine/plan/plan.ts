// The plan: the same runbook machine run with recording gateways. Reads reach AWS and the
// Controller, so the plan reflects the live topology; mutations are recorded, never sent.

import { stepsOf } from '../../steps/runbook.js';
import { WaitTimeoutError } from '../../steps/errors.js';
import type { StepDeps } from '../../steps/deps.js';
import type { StepEffect } from '../../steps/machine.js';
import type { ControllerContext } from '../../steps/controller/context.js';
import type { Gateways } from '../connect.js';
import { EXIT, UserFacingError } from '../exit-codes.js';
import { silentProgress } from '../progress-silent.js';
import { runMachine } from '../run.js';
import { runbookFor } from '../runbooks.js';
import type { Settings } from '../settings.js';
import { recordingAvi } from './recorder-avi.js';
import { recordingAws } from './recorder-aws.js';
import { PLAN_VERSION, type Plan, type PlannedCall, type PlannedStep } from './types.js';

export async function buildPlan(settings: Settings, gateways: Gateways, signal: AbortSignal): Promise<Plan> {
  const runbook = runbookFor(settings.strategy);
  const specs = new Map(stepsOf(runbook.definition).map((s) => [s.id, s]));
  const steps: PlannedStep[] = [];
  let current: PlannedStep | undefined;
  let ctx: ControllerContext | undefined;
  const record = (c: PlannedCall) => current?.calls.push(c);

  const aws = recordingAws(gateways.aws, record);
  const singleNode = () => (ctx && ctx.nodes.length === 1 ? ctx.nodes[0]!.instanceId : undefined);
  const avi = recordingAvi(gateways.avi, record, aws, singleNode);
  const deps: StepDeps = {
    aws,
    avi,
    backups: {
      async save(name) {
        record({ service: 'local', operation: 'write backup (mode 0600)', target: `<run folder>/backups/${name}` });
        return `<run folder>/backups/${name}`;
      },
      load: async () => '{"planned": true}',
    },
    // Export and import are recorded, not sent: no passphrase is needed to plan.
    backupPassphrase: async () => '',
    onWait: () => undefined,
    sleep: async () => undefined,
    now: () => Date.now(),
  };

  // Waits see the overlay at once; one that would really have to wait is shown as such.
  const effects = Object.fromEntries(
    Object.entries(runbook.effects(deps)).map(([id, effect]) => [
      id,
      (async (c, s) => {
        ctx = c;
        try {
          return await effect(c, s);
        } catch (e) {
          if (e instanceof WaitTimeoutError && current) {
            current.waitNow = e.message;
            return {};
          }
          throw e;
        }
      }) satisfies StepEffect<ControllerContext>,
    ]),
  );

  const outcome = await runMachine({
    machine: runbook.machine,
    definition: runbook.definition,
    effects,
    start: { input: { ...runbook.initialContext('plan', settings), waitTimeoutMs: 0 } },
    services: {
      progress: silentProgress,
      onStep(event, id, node) {
        if (event === 'end') return;
        const spec = specs.get(id);
        current = {
          n: steps.length + 1, id, title: spec?.title ?? id, nodesDown: [], calls: [],
          ...(spec?.doc ? { doc: spec.doc } : {}), ...(node ? { node } : {}),
          ...(spec?.awaits ? { awaits: spec.awaits } : {}),
          ...(spec?.downtime && node ? { takesDown: node } : {}),
        };
        steps.push(current);
      },
    },
    signal,
  });
  if (outcome.status !== 'done') {
    const f = outcome.failure;
    throw new UserFacingError(f ? f.message : 'planning was interrupted', f ? EXIT.preflight : EXIT.interrupted);
  }
  markDowntime(steps, specs);
  const end = outcome.context;
  return {
    version: PLAN_VERSION,
    strategy: settings.strategy,
    runbookVersion: runbook.definition.version,
    document: runbook.definition.document,
    controller: settings.avi.controller,
    region: settings.aws.region,
    ...(end.keyArn ? { kmsKeyArn: end.keyArn } : {}),
    nodes: end.nodes.map((n) => ({
      ip: n.ip, role: n.role, instanceId: n.instanceId, availabilityZone: n.availabilityZone, rootDevice: n.rootDevice,
      oldVolumeId: n.oldVolumeId, deleteOnTermination: n.deleteOnTermination, alreadyEncrypted: !!n.alreadyEncrypted,
    })),
    steps,
  };
}

/** A node is down from its stop until the step after which it is back (cluster READY). */
function markDowntime(steps: PlannedStep[], specs: Map<string, { upAgain?: boolean }>): void {
  const down = new Set<string>();
  for (const step of steps) {
    if (step.takesDown) down.add(step.takesDown);
    step.nodesDown = [...down];
    if (specs.get(step.id)?.upAgain && step.node) down.delete(step.node);
  }
}
