// Shared by the SE end-to-end suites: the command lines, and what the lab's timeline proves about a
// run: which virtual services went down and for how long, how many SEs of a group drained at once,
// how many SEs a group had at its busiest, and the run's journal.

import { afterEach } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Timeline } from '../../src/lab/timeline.js';
import type { TimelineEntry } from '../../src/lab/world/types.js';
import { DEFAULT_FLEET, type FleetOptions } from '../../src/lab/avi/fleet/options.js';
import { runDirs, startTestLab, type TestLab } from './lab-harness.js';

/** SE tests run the lab at 200x: the SE image takes 3 s to regenerate, an SE 1.2 s to boot. */
export const SE_TIME_SCALE = 0.005;

/** A fresh 1-node lab per test with the fleet asked for (the default one plus these options), stopped after the test. */
export function seLabs(): (fleet?: Partial<FleetOptions>) => Promise<TestLab> {
  let lab: TestLab | undefined;
  afterEach(async () => {
    await lab?.stop();
    lab = undefined;
  });
  return async (fleet = {}) => (lab = await startTestLab(1, { timeScale: SE_TIME_SCALE, fleet: { ...DEFAULT_FLEET, ...fleet } }));
}

export function seArgs(lab: Pick<TestLab, 'stateDir'>, command: 'migrate' | 'plan', strategy: 'se-scale-out' | 'se-relaunch', ...more: string[]): string[] {
  return [command, '--strategy', strategy, '--cloud', 'Default-Cloud', '--state-dir', lab.stateDir, ...(command === 'migrate' ? ['--yes'] : []), ...more];
}

/** SE name -> SE group uuid, for every SE the fleet has now (call before and after a run: deleted SEs leave it). */
export function groupsOfSes(lab: Pick<TestLab, 'fleet'>, into = new Map<string, string>()): Map<string, string> {
  for (const se of lab.fleet!.ses.values()) into.set(se.name, se.groupUuid);
  return into;
}

const entries = (timeline: Timeline, prefix: string): TimelineEntry[] => timeline.list().filter((e) => e.subject.startsWith(prefix));

/** Virtual services that were ever OPER_DOWN. */
export const vssEverDown = (timeline: Timeline): string[] => [...new Set(entries(timeline, 'vs:').filter((e) => e.state === 'OPER_DOWN').map((e) => e.subject))];

/** Per virtual service, each outage in ms (OPER_DOWN to the next OPER_UP), from the timeline. */
export function outages(timeline: Timeline): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const down = new Map<string, number>();
  for (const e of entries(timeline, 'vs:')) {
    const name = e.subject.slice(3);
    if (e.state === 'OPER_DOWN') down.set(name, Date.parse(e.at));
    else if (down.has(name)) {
      out.set(name, [...(out.get(name) ?? []), Date.parse(e.at) - down.get(name)!]);
      down.delete(name);
    }
  }
  return out;
}

/** Per group uuid: the most SEs draining (OPER_DISABLING) at the same moment, and whether two groups drained at once. */
export function drainingAtOnce(timeline: Timeline, groupOf: Map<string, string>): { perGroup: Map<string, number>; groupsAtOnce: number } {
  const draining = new Set<string>();
  const perGroup = new Map<string, number>();
  let groupsAtOnce = 0;
  for (const e of entries(timeline, 'se:')) {
    const name = e.subject.slice(3);
    if (e.state.endsWith('/OPER_DISABLING')) draining.add(name);
    else draining.delete(name);
    const groups = [...draining].map((n) => groupOf.get(n) ?? `unknown:${n}`);
    for (const g of new Set(groups)) perGroup.set(g, Math.max(perGroup.get(g) ?? 0, groups.filter((x) => x === g).length));
    groupsAtOnce = Math.max(groupsAtOnce, new Set(groups).size);
  }
  return { perGroup, groupsAtOnce };
}

/** Per group uuid: the most SEs it had at once (seeded, launched, not yet DELETED). */
export function peakSes(timeline: Timeline, groupOf: Map<string, string>, seeded: Map<string, string>): Map<string, number> {
  const live = new Set(seeded.keys());
  const count = (g: string) => [...live].filter((n) => groupOf.get(n) === g).length;
  const peak = new Map<string, number>([...new Set(groupOf.values())].map((g) => [g, count(g)]));
  for (const e of entries(timeline, 'se:')) {
    const name = e.subject.slice(3);
    if (e.state === 'DELETED') live.delete(name);
    else live.add(name);
    const g = groupOf.get(name)!;
    peak.set(g, Math.max(peak.get(g) ?? 0, count(g)));
  }
  return peak;
}

export interface JournalLine { event: string; step?: string; item?: string }

/** The journal of the state dir's only run. */
export function journalOf(lab: Pick<TestLab, 'stateDir'>): JournalLine[] {
  const [dir] = runDirs(lab.stateDir);
  return readFileSync(join(dir!, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as JournalLine);
}

/** Avi writes the lab saw (PUT/PATCH/POST/DELETE on /api), as "METHOD /api/collection". */
export function aviWrites(lab: Pick<TestLab, 'requests'>): string[] {
  return lab.requests.list().filter((r) => r.service === 'avi' && r.mutating).map((r) => r.operation.replace(/\/(se|cloud)-[0-9a-f-]+/g, ''));
}
