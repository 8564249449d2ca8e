// The preflight: every check, each on its own, so the checklist shows every problem at once.
// The engine's own checks (the target answers, the key, EC2's use of it, the plan, IAM for the
// plan's EC2 writes through DryRun) and then the runbook's own (its `preflight` hook). Reads and
// DryRun requests only: nothing here can change anything.

import type { KeyInfo } from '../../aws/types.js';
import type { AnyRunbookModule, PreflightFound } from '../../runbook/module.js';
import type { Settings } from '../../runbook/settings.js';
import { checked, fail, pass, skip, type CheckResult } from '../../steps/check-result.js';
import { TARGET_HELD } from '../../steps/errors.js';
import type { Target } from '../../steps/target.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { makePlan, PlanRefusedError, type MadePlan } from '../plan/plan.js';
import { iamChecks } from './iam.js';
import { grantCheck, keyCheck } from './key.js';

export const PREFLIGHT_VERSION = 1;

const CONNECT = 'Login and AWS region';

/** EC2 writes that make EBS use the key for the caller. */
const KEY_USERS = new Set(['createVolume', 'startInstance', 'runInstance']);

export interface PreflightReport {
  version: typeof PREFLIGHT_VERSION;
  strategy: string;
  target: string;
  region: string;
  ok: boolean;
  checks: CheckResult[];
}

export interface PreflightOutcome {
  report: PreflightReport;
  /** The plan, when the runbook's own preflight steps let it be made. */
  made?: MadePlan;
  key?: KeyInfo;
}

export type PreflightTarget = Pick<Target, 'reads' | 'probes' | 'version'>;

export async function runPreflight(
  module: AnyRunbookModule, settings: Settings, target: PreflightTarget, secrets: PreflightFound<object>['secrets'], signal: AbortSignal,
): Promise<PreflightOutcome> {
  const checks: CheckResult[] = [
    pass('connect', CONNECT, `${settings.avi.username} on ${module.targetLabel(settings)} (version ${target.version}); AWS region ${settings.aws.region}`),
  ];
  // The runbook's own steps first: they know the most specific refusal (a cloud in another region before its key).
  let made: MadePlan | undefined;
  let partial: object | undefined;
  checks.push(...await checked('plan', "The plan (the runbook's own preflight steps)", async () => {
    made = await makePlan(module, settings, target, signal).catch((e: unknown) => {
      if (e instanceof PlanRefusedError) partial = e.data;
      throw e;
    });
    const calls = made.plan.steps.reduce((n, s) => n + s.calls.length, 0);
    const passed = made.plan.targets.filter((t) => t.skipped).length;
    return pass('plan', "The plan (the runbook's own preflight steps)",
      `${made.plan.targets.length} target${made.plan.targets.length === 1 ? '' : 's'}${passed ? ` (${passed} passed over)` : ''}, ${made.plan.steps.length} steps, ${calls} changing calls`);
  }));
  let key: KeyInfo | undefined;
  checks.push(...await checked('kms-key', 'KMS key', async () => {
    const k = await keyCheck(target.reads, settings.kmsKey, settings.aws.region);
    key = k.key;
    return k.result;
  }));
  // EBS makes a grant on the key whenever these credentials create an encrypted volume or start an instance.
  const usesKey = !made || made.writes.some((w) => w.domain === 'ec2' && KEY_USERS.has(w.method));
  checks.push(...await checked('kms-grant', 'EC2 may use the key (kms:CreateGrant, DryRun)', () => grantCheck(target.probes, key, usesKey)));
  if (made) {
    const writes = [...made.writes, ...(module.probeWrites?.(made.data) ?? [])];
    checks.push(...await checked('iam', 'IAM for the planned EC2 writes (DryRun)', () => iamChecks(target.probes.ec2, writes)));
  }
  else checks.push(skip('iam', 'IAM for the planned EC2 writes (DryRun)', 'needs the plan (see "The plan")'));
  if (module.preflight) {
    const data = made?.data ?? partial;
    const found = { planMade: !!made, ...(data ? { data } : {}), controllerVersion: target.version, secrets };
    checks.push(...await checked('runbook', `${module.strategy} checks`, () => module.preflight!(target.reads, settings, found)));
  }
  const report: PreflightReport = {
    version: PREFLIGHT_VERSION, strategy: module.strategy, target: module.targetLabel(settings), region: settings.aws.region,
    ok: checks.every((c) => c.status !== 'fail'), checks: samePlanFailure(checks),
  };
  return { report, ...(made ? { made } : {}), ...(key ? { key } : {}) };
}

/**
 * The plan refuses on what a check already names (the key, cluster READY): that check's line says
 * it, and the plan's line points there instead of failing twice for one cause.
 */
function samePlanFailure(checks: CheckResult[]): CheckResult[] {
  const plan = checks.find((c) => c.id === 'plan' && c.status === 'fail');
  const same = plan && checks.find((c) => c !== plan && c.status === 'fail' && c.detail === plan.detail);
  if (!plan || !same) return checks;
  return checks.map((c) => (c === plan ? skip('plan', plan.title, `not made: the runbook refuses for the same reason as "${same.title}"`) : c));
}

/** The report of a target that could not be reached: that one failure, every other check skipped. */
export function unreachableReport(module: AnyRunbookModule, settings: Settings, message: string): PreflightReport {
  return {
    version: PREFLIGHT_VERSION, strategy: module.strategy, target: module.targetLabel(settings), region: settings.aws.region, ok: false,
    checks: [fail('connect', CONNECT, message), skip('rest', 'every other check', 'needs the login (see above)')],
  };
}

/** The failure a refusing command names: another run holding the target first (it explains the rest), else the first. */
function refusal(report: PreflightReport): CheckResult | undefined {
  const failed = report.checks.filter((c) => c.status === 'fail');
  return failed.find((c) => c.code === TARGET_HELD) ?? failed[0];
}

/** The one line a refusing command prints. */
export function firstFailure(report: PreflightReport): string {
  return refusal(report)?.detail ?? 'a preflight check failed';
}

/** Exit 4 when another run holds the target, else 3. */
export function refusalCode(report: PreflightReport): ExitCode {
  return refusal(report)?.code === TARGET_HELD ? EXIT.locked : EXIT.preflight;
}
