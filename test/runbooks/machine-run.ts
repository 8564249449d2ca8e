// One run of a runbook machine through the engine's runMachine with in-memory services: the journal
// and the last persisted snapshot are kept (as JSON, like the run folder), gates are answered.

import type { Journal, JournalEntry } from '../../src/engine/journal.js';
import { silentProgress } from '../../src/engine/progress-silent.js';
import { runMachine, type GateRequest, type RunStart, type StepRun } from '../../src/engine/run.js';
import type { BuiltRunbook } from '../../src/runbook/machine.js';

export interface MachineRunOptions {
  /** Answers the gate; default: approved. */
  approve?: boolean;
  /** Told of every gate asked, in order with the steps. */
  onGate?: (gate: string) => void;
}

export async function runOnMachine<D>(built: BuiltRunbook<D>, steps: Record<string, StepRun<D>>, start: RunStart<D>, opts: MachineRunOptions = {}) {
  let saved: unknown;
  const gates: GateRequest[] = [];
  const journal: Array<Omit<JournalEntry, 'at'>> = [];
  const outcome = await runMachine<D>({
    runId: 'r1', built, steps, start, timeoutMs: () => 60_000, signal: new AbortController().signal,
    services: {
      progress: silentProgress,
      journal: { append: async (e: Omit<JournalEntry, 'at'>) => void journal.push(e) } as unknown as Journal,
      // As the run folder does: what is saved is JSON.
      snapshots: { write: async (s) => void (saved = JSON.parse(JSON.stringify(s))), flush: async () => undefined },
      gate: async (r) => {
        gates.push(r);
        opts.onGate?.(r.gate);
        return opts.approve === false ? { approved: false, by: 'no terminal to ask on' } : { approved: true, by: 'test' };
      },
    },
  });
  return { outcome, saved, gates, journal };
}
