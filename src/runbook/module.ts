// What a runbook brings besides its definition: its own settings, the data it starts from, its
// effects, the identity of what it locks, how its targets read in a plan, its end-of-run summary
// and its verify. The engine runs any module the same way; it knows runbooks, not Controllers.

import type { CheckResult, PreflightFound } from '../steps/check-result.js';
import type { StepDeps } from '../steps/deps.js';
import type { Effect } from '../steps/effect.js';
import type { FleetReport } from '../steps/fleet/report.js';
import type { Reads } from '../steps/gateways.js';
import type { Invocation } from '../steps/plan-recorder.js';
import type { RunbookDefinition } from './language.js';
import type { WorldFact } from '../steps/world-fact.js';
import type { Settings } from './settings.js';

export type { CheckResult, PreflightFound, SecretSource } from '../steps/check-result.js';
export type { WorldFact } from '../steps/world-fact.js';

/** One runbook-specific setting: a flag, a key in the runbook's config section, an env variable. */
export interface SettingSpec {
  /** camelCase key in the config section; the flag is its kebab-case. */
  key: string;
  type: 'string' | 'number' | 'boolean' | 'strings';
  describe: string;
  env?: string;
}

export interface RunbookSettings<S extends object> {
  specs: SettingSpec[];
  /** Validates raw values (flag > config > env); throws a one-line usage error naming the source. */
  parse(raw: Record<string, unknown>, sourceOf: (key: string) => string, common: Omit<Settings, 'runbook'>): S;
}

/** A row of the plan's target table ("10.10.1.12  follower  i-…  eu-west-1b  root /dev/xvda vol-…"). */
export interface PlanTarget {
  key: string;
  line: string;
  /** Passed over entirely (already done). */
  skipped?: boolean;
  /** The runbook's own data about the target, for `plan --json` readers. */
  detail?: object;
}

export type { FleetReport, InstanceRow, KeyUse, VolumeRow } from '../steps/fleet/report.js';

export interface RunbookModule<D extends object, S extends object> {
  strategy: string;
  document: string;
  definition: RunbookDefinition<D>;
  settings: RunbookSettings<S>;
  initialData(settings: Settings<S>): D;
  effects(deps: StepDeps): Record<string, Effect<D>>;
  /** What "the same target" means for the lock, read from the live systems. */
  identity(reads: Reads, settings: Settings<S>): Promise<string>;
  /** How the target is named in messages ("Controller https://10.0.0.10"). */
  targetLabel(settings: Settings<S>): string;
  targets(data: D): PlanTarget[];
  summary(data: D): string[];
  /**
   * The live state of what the runbook migrates, whatever run made it: every instance with its
   * volumes against the key it should use (`avi-encrypt verify`, the end of every run). Reads only.
   * `settings.runbook` holds only what was given: empty for a report of the whole deployment.
   */
  verify(reads: Reads, settings: Settings<Partial<S>>): Promise<FleetReport>;
  /**
   * The runbook's own preflight checks (the engine adds the key, KMS grant, plan and IAM ones).
   * Each check is independent and reported, never thrown: the checklist shows every problem.
   */
  preflight?(reads: Reads, settings: Settings<S>, found: PreflightFound<D>): Promise<CheckResult[]>;
  /**
   * What a saved plan depends on, read live for the data the plan discovered (its nodes, their
   * roots, the AMI, ...): `migrate --plan` refuses when any fact reads otherwise than when the plan was made.
   */
  world?(reads: Reads, data: D): Promise<WorldFact[]>;
  /**
   * EC2 writes the run may make that its plan cannot send as DryRun: its rollback (not planned),
   * or a call on a resource the run creates first. Each as the same call on a resource that exists
   * now, so preflight's IAM DryRun proves the action before the run needs it.
   */
  probeWrites?(data: D): Invocation[];
}

// The registry holds modules of many data types; the engine treats their data as opaque.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRunbookModule = RunbookModule<any, any>;
