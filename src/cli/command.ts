// A parsed command line: plain data, so a preview is printing it rather than running it.

import type { Settings } from '../engine/settings.js';
import type { FleetOptions } from '../lab/avi/fleet/options.js';

export type Command =
  | { kind: 'plan'; settings: Settings; json: boolean }
  | { kind: 'migrate'; settings: Settings; dryRun: boolean; json: boolean; yes: boolean }
  | { kind: 'resume'; stateDir: string; runId?: string; yes: boolean; pollIntervalMs?: number }
  | { kind: 'status'; stateDir: string; runId?: string; json: boolean }
  | { kind: 'lab-up'; nodes: 1 | 3; timeScale: number; dir: string; fleet?: FleetOptions }
  | { kind: 'lab-down'; dir: string };
