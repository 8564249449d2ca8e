// What step effects are built over: the gateways split into reads and writes, and a few run
// services, all injected, so a real run, a plan and a test differ only in what is passed here.

import type { Reads, Writes } from './gateways.js';

export interface RunFiles {
  /** Writes a file (a configuration backup) into the run folder, mode 0600; returns its path. */
  save(name: string, text: string): Promise<string>;
  load(path: string): Promise<string>;
}

export interface StepDeps {
  reads: Reads;
  writes: Writes;
  files: RunFiles;
  /** The backup passphrase, asked for (or read from AVI_BACKUP_PASSPHRASE) when first needed. */
  backupPassphrase(): Promise<string>;
  /** The initial admin password of a new (factory-default) Controller: ClusterNode `password` when it joins. */
  nodePassword(): Promise<string>;
  /** The longest a wait goes between two looks (--poll-interval's upper bound); today's setting, also for a resumed run. */
  pollIntervalMs: number;
  /** The shortest gap between two looks (--poll-interval's lower bound); absent: every look pollIntervalMs apart. */
  pollMinMs?: number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  now(): number;
}
