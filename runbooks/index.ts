// The one registry of strategies: which exist, which are implemented. The CLI's choices, the
// engine's lookup and the README's table all come from here.

import type { AnyRunbookModule } from '../src/runbook/module.js';
import { runbook as controllerSwap } from './controller-swap.js';
import { runbook as seRelaunch } from './se-relaunch.js';
import { runbook as seScaleOut } from './se-scale-out.js';

export const STRATEGIES = ['controller-swap', 'controller-new-vms', 'se-scale-out', 'se-relaunch'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface NotYet {
  notYet: true;
  document: string;
}

export const REGISTRY: Record<Strategy, AnyRunbookModule | NotYet> = {
  'controller-swap': controllerSwap,
  'controller-new-vms': { notYet: true, document: 'Controller 3-node cluster using New Controller VMs' },
  'se-scale-out': seScaleOut,
  'se-relaunch': seRelaunch,
};

export const isStrategy = (value: string): value is Strategy => (STRATEGIES as readonly string[]).includes(value);

export const implemented = (): Strategy[] => STRATEGIES.filter((s) => !('notYet' in REGISTRY[s]));
