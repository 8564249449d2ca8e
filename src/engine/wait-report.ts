// Where a run's time went: its waits (journal `wait-timed`) against what each was expected to take,
// the total and the biggest gaps, for the end-of-run report. Strategy-neutral: steps and items by name.

import type { JournalEntry } from './journal.js';
import { formatElapsed } from './progress.js';

interface Timed {
  where: string;
  expectedMs: number;
  actualMs: number;
}

function timedWaits(entries: JournalEntry[]): Timed[] {
  return entries.flatMap((e) => {
    const d = e.detail ?? {};
    if (e.event !== 'wait-timed' || typeof d['actualMs'] !== 'number' || typeof d['expectedMs'] !== 'number') return [];
    return [{ where: `${e.step ?? '?'}${e.item ? ` [${e.item}]` : ''}`, expectedMs: d['expectedMs'], actualMs: d['actualMs'] }];
  });
}

/** One line on all the waits, then up to `top` of those that overran their expected time the most. */
export function waitSummary(entries: JournalEntry[], top = 3): string[] {
  const waits = timedWaits(entries);
  if (waits.length === 0) return [];
  const sum = (f: (w: Timed) => number) => waits.reduce((n, w) => n + f(w), 0);
  const lines = [`waits: ${waits.length}, ${formatElapsed(sum((w) => w.actualMs))} in all, ${formatElapsed(sum((w) => w.expectedMs))} expected`];
  // Under a second over is the polling's own granularity, not a slow AWS or Controller.
  const over = waits.filter((w) => w.actualMs - w.expectedMs >= 1_000).sort((a, b) => (b.actualMs - b.expectedMs) - (a.actualMs - a.expectedMs));
  for (const w of over.slice(0, top)) {
    lines.push(`  ${w.where}: ${formatElapsed(w.actualMs)}, expected ${formatElapsed(w.expectedMs)} (+${formatElapsed(w.actualMs - w.expectedMs)})`);
  }
  return lines;
}
