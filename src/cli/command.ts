// A parsed command line: plain data, so a preview is printing it rather than running it.

import type { FleetOptions } from '../lab/avi/fleet/options.js';
import type { FaultRequest } from '../lab/faults.js';
import type { Settings } from '../runbook/settings.js';
import type { SavedPlanInput } from '../engine/saved-plan/apply.js';
import type { VerifyCommand } from '../engine/fleet/verify.js';

export type Command =
  | { kind: 'preflight'; settings: Settings; json: boolean }
  | { kind: 'plan'; settings: Settings; json: boolean; out?: string }
  /** `plan`: with --plan FILE, `settings` are the saved plan's. */
  | { kind: 'migrate'; settings: Settings; dryRun: boolean; json: boolean; yes: boolean; plan?: SavedPlanInput }
  | { kind: 'resume'; stateDir: string; runId?: string; yes: boolean; pollIntervalMs?: number; pollMinMs?: number; durationScale?: number }
  | { kind: 'approve'; stateDir: string; runId: string }
  | { kind: 'status'; stateDir: string; runId?: string; json: boolean }
  | { kind: 'describe'; strategy: string; format: 'text' | 'mermaid' | 'json' }
  | ({ kind: 'verify' } & VerifyCommand)
  /** `olderThanMs`: only when the run finished at least that long ago. */
  | { kind: 'cleanup'; stateDir: string; runId: string; yes: boolean; dryRun: boolean; olderThanMs?: number }
  | { kind: 'doctor'; settings: Settings; json: boolean }
  | { kind: 'lab-up'; nodes: 1 | 3; timeScale: number; dir: string; fleet?: FleetOptions; pageSize?: number; iamPolicy?: string; consistencyDelayMs?: number }
  | { kind: 'lab-down'; dir: string }
  | { kind: 'lab-status'; dir: string; json: boolean }
  | { kind: 'lab-fault'; dir: string; fault: FaultRequest };
