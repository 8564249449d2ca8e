// The services steps are built over, for a real run: the target's reads and writes, files in the
// run folder, the passphrase asked for on first use, today's poll interval.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StepDeps } from '../steps/deps.js';
import type { Reads, Writes } from '../steps/gateways.js';

export function realStepDeps(opts: {
  reads: Reads;
  writes: Writes;
  filesDir: string;
  backupPassphrase: () => Promise<string>;
  nodePassword: () => Promise<string>;
  pollIntervalMs: number;
  pollMinMs?: number;
}): StepDeps {
  let passphrase: Promise<string> | undefined;
  let nodePassword: Promise<string> | undefined;
  return {
    reads: opts.reads,
    writes: opts.writes,
    files: {
      async save(name, text) {
        await mkdir(opts.filesDir, { recursive: true, mode: 0o700 });
        const path = join(opts.filesDir, name);
        // A configuration export holds the whole configuration: readable by the owner only.
        await writeFile(path, text, { mode: 0o600 });
        return path;
      },
      load: (path) => readFile(path, 'utf8'),
    },
    backupPassphrase: () => (passphrase ??= opts.backupPassphrase()),
    nodePassword: () => (nodePassword ??= opts.nodePassword()),
    pollIntervalMs: opts.pollIntervalMs,
    ...(opts.pollMinMs === undefined ? {} : { pollMinMs: opts.pollMinMs }),
    sleep: (ms, signal) => sleep(ms, undefined, { signal }),
    now: () => Date.now(),
  };
}
