// A plan is plain, versioned data (changesets' ReleasePlan is the model): what `migrate` would
// do for the discovered targets, step by step, with every change it would make and every gate.

import type { PlanTarget } from '../../runbook/module.js';
import type { GateRequest } from '../run.js';

export const PLAN_VERSION = 2;

export type { PlannedCall } from '../../steps/plan-recorder.js';
import type { PlannedCall } from '../../steps/plan-recorder.js';

export interface PlannedStep {
  n: number;
  id: string;
  title: string;
  kind: 'check' | 'action' | 'wait' | 'gate';
  /** Step number in the Avi document, when the step implements one. */
  doc?: string;
  /** The item the step works on ("10.10.1.12", "group-a/se-3"). */
  item?: string;
  /** This step takes `item` down. */
  takesDown?: string;
  /** Items that are down while this step runs. */
  down: string[];
  /** A wait: what it waits for. */
  awaits?: string;
  /** A gate: what goes down and for about how long. */
  impact?: string;
  calls: PlannedCall[];
}

export interface Plan {
  version: typeof PLAN_VERSION;
  strategy: string;
  /** The runbook shape this plan was made with. */
  fingerprint: string;
  document: string;
  target: string;
  region: string;
  targets: PlanTarget[];
  gates: GateRequest[];
  /** Per block that rolls back: the steps that put an item back. */
  rollback: Array<{ block: string; steps: string[] }>;
  steps: PlannedStep[];
}
