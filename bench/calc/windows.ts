// A run's step invocations, from its journal: when each started and ended, and whether it polled
// (a wait, or an action that waits inside, such as a start that waits for `running`).

import type { JournalEntry } from '../../src/engine/journal.js';

export interface Invocation {
  step: string;
  item?: string;
  /** Epoch ms. */
  start: number;
  end: number;
  /** It looked more than once for a condition (journal `wait` or `wait-timed` entries). */
  polled: boolean;
  /** What the run expected the wait to take, if the journal says (real ms, after the duration scale). */
  expectedMs?: number;
}

const key = (e: Pick<JournalEntry, 'step' | 'item'>) => `${e.step ?? ''}@${e.item ?? ''}`;

/** Each started step paired with its end (finished or failed); a step still open at the end is dropped. */
export function stepWindows(journal: JournalEntry[]): Invocation[] {
  const open = new Map<string, Invocation>();
  const done: Invocation[] = [];
  for (const e of journal) {
    const k = key(e);
    const at = Date.parse(e.at);
    if (e.event === 'step-started') {
      open.set(k, { step: e.step ?? '', ...(e.item ? { item: e.item } : {}), start: at, end: at, polled: false });
    } else if (e.event === 'wait' || e.event === 'wait-timed') {
      const inv = open.get(k);
      if (!inv) continue;
      inv.polled = true;
      const expected = e.detail?.['expectedMs'];
      if (typeof expected === 'number') inv.expectedMs = expected;
    } else if (e.event === 'step-finished' || e.event === 'step-failed') {
      const inv = open.get(k);
      if (!inv) continue;
      inv.end = at;
      open.delete(k);
      done.push(inv);
    }
  }
  return done.sort((a, b) => a.start - b.start);
}

/** Makespan of the run in real ms: its first start (or resume) to its last end. */
export function makespanMs(journal: JournalEntry[]): number {
  const begin = journal.find((e) => e.event === 'run-started' || e.event === 'run-resumed');
  const end = [...journal].reverse().find((e) => e.event === 'run-finished' || e.event === 'run-failed' || e.event === 'run-rolled-back');
  if (!begin || !end) throw new Error('the journal has no run-started and run-finished');
  return Date.parse(end.at) - Date.parse(begin.at);
}
