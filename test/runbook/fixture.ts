// A small runbook for testing the language itself, over an in-memory world: racks of servers.
// Every step records what it did, so a test can read the order, the items and the repeats.

import { each, gate, step, wait, type Entry, type RunbookDefinition } from '../../src/runbook/language.js';
import { buildMachine, type BuiltRunbook, type RunEvent } from '../../src/runbook/machine.js';
import type { RunContext } from '../../src/runbook/context.js';
import { runMachine, type GateRequest, type RunOutcome, type StepRun } from '../../src/engine/run.js';
import { silentProgress } from '../../src/engine/progress-silent.js';
import type { Scope } from '../../src/steps/effect.js';

export interface Server {
  name: string;
  /** Set by the runbook. */
  provisioned?: boolean;
}

export interface Rack {
  name: string;
  servers: Server[];
}

export interface FixtureData {
  racks: Rack[];
  servers: Server[];
  note?: string;
}

export const data = (racks = 2, perRack = 2): FixtureData => ({
  racks: Array.from({ length: racks }, (_, r) => ({ name: `r${r}`, servers: Array.from({ length: perRack }, (_, s) => ({ name: `r${r}s${s}` })) })),
  servers: Array.from({ length: 3 }, (_, i) => ({ name: `s${i}` })),
});

export const key = (x: unknown) => (x as { name: string }).name;

export function definition(entries: Entry<FixtureData>[]): RunbookDefinition<FixtureData> {
  return { strategy: 'fixture', document: 'a test runbook', entries };
}

export { each, gate, step, wait };

/** What each step saw: "step@item-key". */
export interface Trace {
  calls: string[];
}

/** Every step id mapped to a recording run; `overrides` replace some. */
export function steps(ids: string[], trace: Trace, overrides: Record<string, StepRun<FixtureData>> = {}): Record<string, StepRun<FixtureData>> {
  return Object.fromEntries(ids.map((id) => [id, overrides[id] ?? (async (s: Scope<FixtureData, unknown>) => {
    trace.calls.push(s.key ? `${id}@${s.key}` : id);
  })]));
}

export interface RunOptions {
  start?: { snapshot: unknown; events?: RunEvent[] };
  gate?: (r: GateRequest) => Promise<{ approved: boolean; by: string }>;
  rollback?: boolean;
  timeoutMs?: number;
  lanes?: Record<string, number>;
  onSnapshot?: (s: unknown) => void;
  signal?: AbortSignal;
}

export async function run(def: RunbookDefinition<FixtureData>, stepRuns: Record<string, StepRun<FixtureData>>, input: FixtureData, o: RunOptions = {}): Promise<RunOutcome<FixtureData> & { built: BuiltRunbook<FixtureData>; saved: unknown }> {
  const built = buildMachine(def, { lanes: o.lanes ?? {} });
  let saved: unknown;
  const outcome = await runMachine({
    runId: 'r-test', built, steps: stepRuns, signal: o.signal ?? new AbortController().signal,
    timeoutMs: () => o.timeoutMs ?? 60_000,
    start: o.start ?? { input: built.initialContext(input, { rollback: o.rollback ?? true }) },
    services: {
      progress: silentProgress,
      gate: o.gate ?? (async () => ({ approved: true, by: 'test' })),
      snapshots: {
        write: async (s) => {
          saved = JSON.parse(JSON.stringify(s));
          o.onSnapshot?.(saved);
        },
        flush: async () => undefined,
      },
    },
  });
  return { ...outcome, built, saved };
}

export type { RunContext };
