// A parsed command line: plain data, so a preview is printing it rather than running it.

import type { FleetOptions } from '../lab/avi/fleet/options.js';
import type { FaultRequest } from '../lab/faults.js';
import type { Settings } from '../runbook/settings.js';

export type Command =
  | { kind: 'plan'; settings: Settings; json: boolean }
  | { kind: 'migrate'; settings: Settings; dryRun: boolean; json: boolean; yes: boolean }
  | { kind: 'resume'; stateDir: string; runId?: string; yes: boolean; pollIntervalMs?: number; pollMinMs?: number; durationScale?: number }
  | { kind: 'approve'; stateDir: string; runId: string }
  | { kind: 'status'; stateDir: string; runId?: string; json: boolean }
  | { kind: 'describe'; strategy: string; format: 'text' | 'mermaid' | 'json' }
  | { kind: 'lab-up'; nodes: 1 | 3; timeScale: number; dir: string; fleet?: FleetOptions; pageSize?: number; iamPolicy?: string; consistencyDelayMs?: number }
  | { kind: 'lab-down'; dir: string }
  | { kind: 'lab-status'; dir: string; json: boolean }
  | { kind: 'lab-fault'; dir: string; fault: FaultRequest };
