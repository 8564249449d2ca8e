// What step effects are built over: the two gateways and a few run services, all injected,
// so a real run, a dry run and a test differ only in what is passed here.

import type { AviGateway } from '../avi/types.js';
import type { AwsGateway } from '../aws/types.js';

export interface WaitReporter {
  /** A wait saw a value (shown as "waiting for cluster READY: CLUSTER_UP_HA_NOT_READY, 42 s"). */
  (stepId: string, awaits: string, value: string): void;
}

export interface BackupStore {
  /** Writes a configuration backup into the run folder (mode 0600) and returns its path. */
  save(name: string, text: string): Promise<string>;
  load(path: string): Promise<string>;
}

export interface StepDeps {
  aws: AwsGateway;
  avi: AviGateway;
  backups: BackupStore;
  /** The backup passphrase, asked for (or read from AVI_BACKUP_PASSPHRASE) when first needed. */
  backupPassphrase(): Promise<string>;
  onWait: WaitReporter;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  now(): number;
}
