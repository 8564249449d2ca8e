// What a run needs, after the CLI has merged flags, --config file and environment.
// Plain data with no secrets: it is written into the run folder and shown by `status`.
// Secrets (Avi password, backup passphrase) are asked for at execution time, never stored.

export const STRATEGIES = ['controller-swap', 'controller-new-vms', 'se-scale-out', 'se-relaunch'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export function isStrategy(value: string): value is Strategy {
  return (STRATEGIES as readonly string[]).includes(value);
}

/** Strategies whose runbook exists today; the others are refused with a clear line. */
export const IMPLEMENTED_STRATEGIES: readonly Strategy[] = ['controller-swap'];

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

export interface Settings {
  strategy: Strategy;
  avi: AviSettings;
  aws: AwsSettings;
  /** Key ARN, key id, alias (alias/name) or alias ARN. */
  kmsKey: string;
  /** AMI whose root snapshot is encrypted with kmsKey. */
  encryptedAmi?: string;
  /** Run folders, locks and backups live here. */
  stateDir: string;
  /** How often waits poll. The lab sets it low together with its time scale. */
  pollIntervalMs: number;
  /** Upper bound for one wait (cluster READY, instance stopped, ...). */
  waitTimeoutMs: number;
}

export const DEFAULTS = {
  kmsKey: 'alias/aws/ebs',
  stateDir: './.avi-encrypt',
  tenant: 'admin',
  username: 'admin',
  pollIntervalMs: 10_000,
  // Cluster convergence is documented as 4-10 minutes; 30 minutes covers a slow one.
  waitTimeoutMs: 30 * 60_000,
} as const;
