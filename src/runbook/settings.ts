// What a run needs, after the CLI has merged flags, --config file and environment. Plain data
// with no secrets: it is written into the run folder and shown by `status`. Secrets (Avi
// password, backup passphrase) are asked for when needed, never stored.

export interface AviSettings {
  /** https://host[:port] of the Controller cluster (VIP or leader). */
  controller: string;
  username: string;
  tenant: string;
  /** X-Avi-Version to send; undefined = the Controller's own, read at login. */
  apiVersion?: string;
  /** PEM file of CAs to trust for the Controller's certificate. */
  caBundle?: string;
}

export interface AwsSettings {
  region: string;
  profile?: string;
}

export interface Settings<S extends object = Record<string, unknown>> {
  strategy: string;
  /** The deployment every runbook works on: its Avi Controller and its AWS account. */
  avi: AviSettings;
  aws: AwsSettings;
  /** Key ARN, key id, alias (alias/name) or alias ARN. */
  kmsKey: string;
  /** Run folders, locks and backups live here. */
  stateDir: string;
  /** The longest a wait goes between two looks (--poll-interval MAX or MIN-MAX). The lab sets it with its time scale. */
  pollIntervalMs: number;
  /** The shortest gap between two looks, near a wait's expected finish (--poll-interval MIN-MAX). */
  pollMinMs?: number;
  /**
   * Multiplies every documented duration a wait expects: 1 in the real world; a rehearsal lab's time
   * scale (AVI_ENCRYPT_DURATION_SCALE, which `lab up` writes into its env file).
   */
  durationScale?: number;
  /** Upper bound for one wait (cluster READY, instance stopped, ...). */
  waitTimeoutMs: number;
  /** Roll a target back when its block fails (default); --no-rollback leaves it as it failed. */
  rollback: boolean;
  /** The runbook's own settings (its section of the config file), validated by the runbook. */
  runbook: S;
}

export const DEFAULTS = {
  kmsKey: 'alias/aws/ebs',
  stateDir: './.avi-encrypt',
  tenant: 'admin',
  username: 'admin',
  // A wait looks at most a minute apart before its expected finish, and every second or more near it.
  pollIntervalMs: 60_000,
  pollMinMs: 1_000,
  // Cluster convergence is documented as 4-10 minutes; 30 minutes covers a slow one.
  waitTimeoutMs: 30 * 60_000,
} as const;
