// One line of the preflight checklist: what was checked and how it came out. Checks are
// independent: each reports its own result, so the checklist shows every problem at once.

export interface CheckResult {
  /** Stable id ("kms-key", "iam:StopInstances", "controller-version"); `--json` readers key on it. */
  id: string;
  /** What is checked, in a few words ("KMS key", "ec2:StopInstances allowed (DryRun)"). */
  title: string;
  /** `skip`: not checked, because what it needs is missing (reported by another check). */
  status: 'pass' | 'fail' | 'skip';
  /** One line: what was found; for a failure, what is wrong and how to fix it. */
  detail: string;
  /** A pass that could not be proven before the run (AWS answered a DryRun otherwise first, a role not readable). */
  unproven?: string;
  /** TargetHeld: another run holds the target; that explains the other failures and refuses with exit 4. */
  code?: string;
}

/** Where a secret the run may ask for would come from: its environment variable, a prompt, or nowhere. */
export type SecretSource = 'environment' | 'prompt' | 'missing';

/** What the engine found before a runbook's own preflight checks run. */
export interface PreflightFound<D> {
  /** The plan was made: `data` is complete. */
  planMade: boolean;
  /** The runbook's data as far as the plan got (complete when `planMade`); absent when it got nowhere. */
  data?: D;
  /** The Controller's version, from the login. */
  controllerVersion: string;
  secrets: { backupPassphrase: SecretSource };
}

export const pass = (id: string, title: string, detail: string, unproven?: string): CheckResult =>
  ({ id, title, status: 'pass', detail, ...(unproven ? { unproven } : {}) });
export const fail = (id: string, title: string, detail: string): CheckResult => ({ id, title, status: 'fail', detail });
export const skip = (id: string, title: string, detail: string): CheckResult => ({ id, title, status: 'skip', detail });

/** Runs one check; whatever it throws is its failure, so a broken check never hides the others. */
export async function checked(id: string, title: string, run: () => Promise<CheckResult | CheckResult[]>): Promise<CheckResult[]> {
  try {
    const out = await run();
    return Array.isArray(out) ? out : [out];
  } catch (e) {
    return [fail(id, title, e instanceof Error ? e.message : String(e))];
  }
}
