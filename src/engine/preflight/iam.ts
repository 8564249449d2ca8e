// IAM, for every EC2 write the plan contains, and those the runbook says its run may make beyond
// the plan (its rollback; `probeWrites`): each distinct call is sent again as a DryRun. DryRunOperation proves the permission, UnauthorizedOperation names the missing action.
// A DryRun is judged on the world as it is now, so a call AWS refuses for another reason first
// (the root of a running instance cannot be detached yet; a volume the run creates does not
// exist yet) proves nothing: that action passes as "not proven before the run".

import { EC2_OPERATION } from '../../aws/dry-run.js';
import type { DryRunVerdict, Ec2DryRun, Ec2Writes } from '../../aws/types.js';
import { fail, pass, type CheckResult } from '../../steps/check-result.js';
import { mentionsPlannedId, type Invocation } from '../../steps/plan-recorder.js';

/** DryRuns per action at the most: enough for every node of a cluster, bounded for a large fleet. */
const MAX_PROBES = 20;

/** The resource ids a call names, for the line that reports it. */
const idsIn = (args: unknown[]): string => [...new Set(JSON.stringify(args).match(/\b(i|vol|snap|ami|eipalloc|subnet)-[0-9a-z]+\b/g) ?? [])].join(', ');

interface Calls {
  planned: Map<string, unknown[]>;
  /** Calls the run may make that the plan does not show (its rollback), and why. */
  unplanned: Map<string, unknown[]>;
  why: Set<string>;
}

export async function iamChecks(probe: Ec2DryRun, writes: Invocation[]): Promise<CheckResult[]> {
  const byMethod = new Map<string, Calls>();
  for (const w of writes) {
    if (w.domain !== 'ec2') continue;
    const calls = byMethod.get(w.method) ?? { planned: new Map(), unplanned: new Map(), why: new Set<string>() };
    (w.unplanned ? calls.unplanned : calls.planned).set(JSON.stringify(w.args), w.args);
    if (w.unplanned) calls.why.add(w.unplanned);
    byMethod.set(w.method, calls);
  }
  const results: CheckResult[] = [];
  if (byMethod.size === 0) results.push(pass('iam', 'IAM for the planned EC2 writes (DryRun)', 'the plan makes no EC2 write with these credentials'));
  for (const [method, calls] of byMethod) {
    const all = [...calls.planned.values(), ...[...calls.unplanned].filter(([k]) => !calls.planned.has(k)).map(([, args]) => args)];
    const sendable = all.filter((args) => !mentionsPlannedId(args)).slice(0, MAX_PROBES);
    const verdicts: Array<{ args: unknown[]; v: DryRunVerdict }> = [];
    for (const args of sendable) {
      const send = probe[method as keyof Ec2DryRun] as (...a: unknown[]) => Promise<DryRunVerdict>;
      verdicts.push({ args, v: await send(...args) });
    }
    results.push(judge(method, counted(calls.planned.size, all.length - calls.planned.size, calls.why), verdicts));
  }
  return results;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** "2 planned calls", or with calls the plan does not show: "6 calls" and ": 3 planned, 3 the rollback's". */
function counted(planned: number, unplanned: number, why: Set<string>): { head: string; tail: string } {
  if (unplanned === 0) return { head: plural(planned, 'planned call'), tail: '' };
  return { head: plural(planned + unplanned, 'call'), tail: `: ${planned || 'none'} planned, ${unplanned} ${[...why].join(', ')}` };
}

function judge(method: string, calls: { head: string; tail: string }, verdicts: Array<{ args: unknown[]; v: DryRunVerdict }>): CheckResult {
  const operation = EC2_OPERATION[method as keyof Ec2Writes] ?? method;
  const id = `iam:ec2:${operation}`;
  const title = `ec2:${operation} (DryRun)`;
  const denied = verdicts.find((x) => x.v.verdict === 'denied');
  if (denied) {
    return fail(id, title,
      `ec2:${operation} is not allowed for these AWS credentials (DryRun ${operation} on ${idsIn(denied.args)} answered UnauthorizedOperation): allow ec2:${operation} in their IAM policy, then retry`);
  }
  const allowed = verdicts.filter((x) => x.v.verdict === 'allowed').length;
  if (allowed > 0) return pass(id, title, `allowed (${allowed} of ${calls.head} sent as DryRun${calls.tail})`);
  const first = verdicts.find((x) => x.v.verdict === 'unproven')?.v;
  const why = first?.verdict === 'unproven'
    ? `EC2 answered ${first.code} first (the resources are not yet as the run will have them)`
    : 'every planned call acts on a resource the run creates first';
  return pass(id, title, `${calls.head}${calls.tail}`, why);
}
