// Append-only run history (JSON lines): the audit trail an SRE reads after the fact and
// the record `resume` and `status` consult. Every entry is fsynced before append()
// resolves, so "step-started" is on disk before the step's side effect begins.

import { open, readFile, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir, isCode } from './persist.js';
import type { RunError } from '../steps/run-error.js';
import type { Redactor } from './redact.js';

export type JournalEvent =
  | 'run-started'
  | 'step-started'
  | 'step-finished'
  | 'step-failed'
  | 'gate-asked'
  | 'gate-approved'
  | 'gate-waiting'
  | 'run-finished'
  | 'run-failed'
  | 'run-rolled-back'
  | 'run-waiting-approval'
  | 'run-resumed'
  | 'run-interrupted'
  | 'wait'
  /** A wait ended: what it was expected to take and what it took (detail: awaits, expectedMs, actualMs, looks). */
  | 'wait-timed';

export type JournalEntry = {
  at: string;
  runId: string;
  event: JournalEvent;
  step?: string;
  /** The item the step worked on ("10.10.1.12", "group-a/se-3"); absent for the run itself. */
  item?: string;
  detail?: Record<string, unknown>;
  error?: RunError;
};

export class Journal {
  private tail: Promise<void> = Promise.resolve();
  private opened = false;

  constructor(
    readonly path: string,
    private readonly redactor: Redactor,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Appends one entry durably. Calls are serialised, so entries land in call order. */
  append(e: Omit<JournalEntry, 'at'>): Promise<void> {
    // Redact and serialise now, so the entry reflects the call, not later mutation.
    const entry = this.redactor.redact({ at: this.now().toISOString(), ...e });
    const line = JSON.stringify(entry) + '\n';
    const step = this.tail.then(() => this.write(line));
    this.tail = step.catch(() => undefined);
    return step;
  }

  private async write(line: string): Promise<void> {
    if (!this.opened) {
      await repairTornTail(this.path);
    }
    const fh = await open(this.path, 'a', 0o600);
    try {
      await fh.appendFile(line, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (!this.opened) {
      // The first append may have created the file: make its directory entry durable too.
      await fsyncDir(dirname(this.path));
      this.opened = true;
    }
  }

  /**
   * All entries, oldest first; [] if the file does not exist. A last line cut short by a
   * crash is skipped (its append never resolved, so nobody relied on it). Damage anywhere
   * else is not a crash artefact and is reported with the file and line number.
   */
  static async read(path: string): Promise<JournalEntry[]> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (isCode(err, 'ENOENT')) return [];
      throw err;
    }
    const lines = text.split('\n');
    const lastIndex = lines.length - 1 - [...lines].reverse().findIndex((l) => l.trim() !== '');
    const entries: JournalEntry[] = [];
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        entries.push(JSON.parse(line) as JournalEntry);
      } catch {
        if (i === lastIndex) return;
        throw new Error(`${path}:${i + 1}: journal line is corrupt (not valid JSON)`);
      }
    });
    return entries;
  }
}

/**
 * After a crash mid-append the file may end without a newline. Cut that fragment off
 * before appending again; otherwise the next entry would be glued onto it and the
 * damage would move from the (tolerated) last line into the middle of the journal.
 */
async function repairTornTail(path: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isCode(err, 'ENOENT')) return;
    throw err;
  }
  if (text === '' || text.endsWith('\n')) return;
  const keep = text.slice(0, text.lastIndexOf('\n') + 1);
  const fragment = text.slice(keep.length);
  if (isJson(fragment)) {
    // Only the newline was lost; read() already counts this entry, so keep it.
    const fh = await open(path, 'a');
    try {
      await fh.appendFile('\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    return;
  }
  await truncate(path, Buffer.byteLength(keep, 'utf8'));
}

function isJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}
