// The one registry of strategies: the CLI's choices and the engine's lookup come from here.

import type { AnyRunbookModule } from '../src/runbook/module.js';
import { runbook as controllerNewVms } from './controller-new-vms.js';
import { runbook as controllerSwap } from './controller-swap.js';
import { runbook as seRelaunch } from './se-relaunch.js';
import { runbook as seScaleOut } from './se-scale-out.js';

export const STRATEGIES = ['controller-swap', 'controller-new-vms', 'se-scale-out', 'se-relaunch'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const REGISTRY: Record<Strategy, AnyRunbookModule> = {
  'controller-swap': controllerSwap,
  'controller-new-vms': controllerNewVms,
  'se-scale-out': seScaleOut,
  'se-relaunch': seRelaunch,
};

export const isStrategy = (value: string): value is Strategy => (STRATEGIES as readonly string[]).includes(value);
