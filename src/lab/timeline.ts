// The lab's timeline: every change of a Controller node, of the cluster and of the API's
// reachability, of the SE fleet, and of EC2 instances, volumes and copied images (ec2-timeline.ts),
// in order, so a rehearsal can be replayed and checked after the fact.

import type { TimelineEntry } from './world/types.js';

export class Timeline {
  private readonly entries: TimelineEntry[] = [];
  private readonly last = new Map<string, string>();

  /** Appends a state change; a repeat of the subject's current state (and node set) is not a change and is dropped. */
  record(subject: string, state: string, detail?: string, nodes?: string[]): void {
    const key = nodes === undefined ? state : `${state} ${nodes.join(',')}`;
    if (this.last.get(subject) === key) return;
    this.last.set(subject, key);
    const entry: TimelineEntry = { at: new Date().toISOString(), subject, state };
    if (detail !== undefined) entry.detail = detail;
    if (nodes !== undefined) entry.nodes = [...nodes];
    this.entries.push(entry);
  }

  /** The subject's latest state, if it ever had one. */
  current(subject: string): string | undefined {
    return this.last.get(subject)?.split(' ')[0];
  }

  list(): TimelineEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }
}
