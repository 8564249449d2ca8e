// A step's documented duration reaches its effect scaled (scope.expectedMs), a function of the data
// when it depends on it; a finished wait lands in the journal with its expected and actual time,
// and the end-of-run summary shows where the time went.

import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../src/engine/journal.js';
import { silentProgress } from '../../src/engine/progress-silent.js';
import { Redactor } from '../../src/engine/redact.js';
import { runMachine, type StepRun } from '../../src/engine/run.js';
import { waitSummary } from '../../src/engine/wait-report.js';
import { REGISTRY, STRATEGIES } from '../../runbooks/index.js';
import { stepsOf } from '../../src/runbook/language.js';
import { buildMachine } from '../../src/runbook/machine.js';
import { pollUntil } from '../../src/steps/wait.js';
import { data, definition, each, key, step, wait, type FixtureData } from './fixture.js';

describe('expected durations', () => {
  it('are scaled into the scope, and each finished wait is journaled with its expected and actual time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'avi-expected-'));
    try {
      const def = definition([
        step('prepare', 'prepare', { expected: 30_000 }),
        each('racks', 'racks', [wait('settled', 'rack settled', { expected: ({ item }) => ((item as { name: string }).name === 'r0' ? 200_000 : 400_000) })], { key }),
      ]);
      const seen: Record<string, number | undefined> = {};
      const deps = { pollIntervalMs: 50, pollMinMs: 1, now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
      const steps: Record<string, StepRun<FixtureData>> = {
        prepare: async (s) => void (seen['prepare'] = s.expectedMs),
        settled: async (s, signal) => {
          seen[s.key] = s.expectedMs;
          await pollUntil(deps, s, 'rack settled', async () => ({ done: true, value: 'settled' }), signal);
        },
      };
      const journal = new Journal(join(dir, 'journal.jsonl'), new Redactor([]));
      const built = buildMachine(def, { lanes: {} });
      const out = await runMachine({
        runId: 'r', built, steps, signal: new AbortController().signal, timeoutMs: () => 60_000, durationScale: 0.0001,
        start: { input: built.initialContext(data(2, 1), { rollback: true }) },
        services: { journal, progress: silentProgress, gate: async () => ({ approved: true, by: 'test' }) },
      });
      expect(out.status).toBe('done');
      expect(seen).toEqual({ prepare: 3, r0: 20, r1: 40 });
      const timed = (await Journal.read(journal.path)).filter((e) => e.event === 'wait-timed');
      expect(timed.map((e) => [e.item, e.detail?.['expectedMs'], e.detail?.['looks']])).toEqual([['r0', 20, 1], ['r1', 40, 1]]);
      expect(timed.every((e) => typeof e.detail?.['actualMs'] === 'number' && (e.detail['actualMs'] as number) >= 15)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the summary totals the waits and names those that overran their expectation most', () => {
    const timed = (step: string, item: string, expectedMs: number, actualMs: number) =>
      ({ at: '2026-01-01T00:00:00.000Z', runId: 'r', event: 'wait-timed' as const, step, item, detail: { awaits: step, expectedMs, actualMs, looks: 1 } });
    const lines = waitSummary([
      timed('node-stopped', 'n1', 30_000, 30_400), timed('cluster-ready', 'n1', 300_000, 422_000), timed('cluster-ready', 'n2', 300_000, 301_500),
      { at: '2026-01-01T00:00:00.000Z', runId: 'r', event: 'step-finished', step: 'x' },
    ]);
    expect(lines).toEqual([
      'waits: 3, 12 min 33 s in all, 10 min 30 s expected',
      '  cluster-ready [n1]: 7 min 2 s, expected 5 min 0 s (+2 min 2 s)',
      '  cluster-ready [n2]: 5 min 1 s, expected 5 min 0 s (+1 s)',
    ]);
    expect(waitSummary([])).toEqual([]);
  });

  it.each(STRATEGIES)('every wait of %s declares what it expects to take', (strategy) => {
    const waits = stepsOf(REGISTRY[strategy].definition).filter((st) => st.kind === 'wait');
    expect(waits.length).toBeGreaterThan(0);
    expect(waits.filter((w) => w.expected === undefined).map((w) => w.id)).toEqual([]);
  });
});
