// The services steps are built over, for a real run: backups in the run folder, the
// passphrase asked for on first use, waits reported to progress and journal.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StepDeps } from '../steps/deps.js';
import type { Gateways } from './connect.js';
import type { Journal } from './journal.js';
import type { Progress } from './progress.js';

export function realStepDeps(opts: {
  gateways: Gateways;
  backupsDir: string;
  runId: string;
  backupPassphrase: () => Promise<string>;
  progress: Progress;
  journal: Journal;
  onJournalError: (e: Error) => void;
}): StepDeps {
  const lastSeen = new Map<string, string>();
  let passphrase: Promise<string> | undefined;
  return {
    aws: opts.gateways.aws,
    avi: opts.gateways.avi,
    backups: {
      async save(name, text) {
        await mkdir(opts.backupsDir, { recursive: true, mode: 0o700 });
        const path = join(opts.backupsDir, name);
        // The export holds the whole configuration: readable by the owner only.
        await writeFile(path, text, { mode: 0o600 });
        return path;
      },
      load: (path) => readFile(path, 'utf8'),
    },
    backupPassphrase: () => (passphrase ??= opts.backupPassphrase()),
    onWait(stepId, awaits, value) {
      opts.progress.waiting(stepId, awaits, value);
      if (lastSeen.get(stepId) !== value) {
        lastSeen.set(stepId, value);
        // A journal write failing mid-wait is reported, not allowed to end the process mid-migration.
        opts.journal.append({ runId: opts.runId, event: 'wait', step: stepId, detail: { awaits, value } }).catch((e: Error) => opts.onJournalError(e));
      }
    },
    sleep: (ms, signal) => sleep(ms, undefined, { signal }),
    now: () => Date.now(),
  };
}
