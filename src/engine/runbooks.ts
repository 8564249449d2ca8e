// The runbooks the engine can run, by strategy. Each entry pairs the machine with the
// factory of its step effects and the context it starts from.

import * as controllerSwap from '../../runbooks/controller-swap.js';
import type { AnyStateMachine } from 'xstate';
import { controllerSteps } from '../steps/controller/index.js';
import { initialContext, type ControllerContext } from '../steps/controller/context.js';
import { clusterIdentity } from '../steps/controller/identity.js';
import type { Gateways } from './connect.js';
import type { StepDeps } from '../steps/deps.js';
import type { StepEffect } from '../steps/machine.js';
import type { RunbookDefinition } from '../steps/runbook.js';
import { UserFacingError, EXIT } from './exit-codes.js';
import { IMPLEMENTED_STRATEGIES, type Settings, type Strategy } from './settings.js';

export interface RunbookEntry {
  definition: RunbookDefinition<ControllerContext>;
  machine: AnyStateMachine;
  effects(deps: StepDeps): Record<string, StepEffect<ControllerContext>>;
  initialContext(runId: string, settings: Settings): ControllerContext;
  /** What the lock is about, read from the live systems: the same target however it was addressed. */
  identity(gateways: Gateways, settings: Settings): Promise<string>;
}

const controllerInput = (runId: string, s: Settings): ControllerContext =>
  initialContext({
    runId, strategy: s.strategy, controller: s.avi.controller, kmsKey: s.kmsKey,
    ...(s.encryptedAmi ? { encryptedAmi: s.encryptedAmi } : {}),
    pollIntervalMs: s.pollIntervalMs, waitTimeoutMs: s.waitTimeoutMs,
  });

const RUNBOOKS: Partial<Record<Strategy, RunbookEntry>> = {
  'controller-swap': {
    definition: controllerSwap.definition,
    machine: controllerSwap.machine,
    effects: (deps) => controllerSteps(deps),
    initialContext: controllerInput,
    identity: async (gateways, s) => (await clusterIdentity(gateways, s.aws.region)).key,
  },
};

export function runbookFor(strategy: Strategy): RunbookEntry {
  const entry = RUNBOOKS[strategy];
  if (!entry) {
    throw new UserFacingError(
      `strategy ${strategy} has no runbook yet; implemented: ${IMPLEMENTED_STRATEGIES.join(', ')}`,
      EXIT.usage,
    );
  }
  return entry;
}
