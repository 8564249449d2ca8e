// Detection lag: for each wait of a run, the time from the lab's state change that satisfied it to
// the run's next request about that thing. Timeline subjects and requests meet on a key: an EC2
// resource ("instance:i-…"), or an Avi object type ("avi:cluster", "avi:virtualservice").

import type { LabRequest, TimelineEntry } from '../../src/lab/world/types.js';
import type { Invocation } from './windows.js';

const EC2_KIND: Record<string, string> = { DescribeInstances: 'instance', DescribeVolumes: 'volume', DescribeImages: 'image' };

/** What a timeline subject is about; undefined for faults (the lab's own doing). */
export function subjectKey(subject: string): string | undefined {
  if (/^(instance|volume|image):/.test(subject)) return subject;
  if (subject.startsWith('fault:')) return undefined;
  if (subject.startsWith('se:')) return 'avi:serviceengine';
  if (subject.startsWith('vs:')) return 'avi:virtualservice';
  if (subject.startsWith('cloud:')) return 'avi:cloud';
  return 'avi:cluster'; // cluster, api, leader, active, and each node by its IP
}

/** What a read looks at, as keys; an EC2 Describe by filter looks at every resource of its kind ("instance:*"). */
export function requestKeys(r: Pick<LabRequest, 'service' | 'operation' | 'mutating' | 'ids'>): string[] {
  if (r.mutating) return [];
  if (r.service === 'ec2') {
    const kind = EC2_KIND[r.operation];
    if (!kind) return [];
    return r.ids?.length ? r.ids.map((id) => `${kind}:${id}`) : [`${kind}:*`];
  }
  if (r.service !== 'avi') return [];
  const type = /^GET \/api\/([\w-]+)/.exec(r.operation)?.[1];
  if (!type) return [];
  // The unauthenticated probe of a booting Controller asks about the cluster too.
  return [type === 'initial-data' ? 'avi:cluster' : `avi:${type}`];
}

const about = (keys: Set<string>, subject: string): boolean => {
  const k = subjectKey(subject);
  if (!k) return false;
  return keys.has(k) || keys.has(`${k.split(':')[0]}:*`);
};

export interface Lag {
  step: string;
  item?: string;
  /** Real ms from the change (or the wait's start, if the change came first) to the next request about it. */
  lagMs: number;
  /** Real ms the wait lasted. */
  waitMs: number;
  /** The change the lag runs from: its timeline subject and state. */
  change?: string;
}

/**
 * A change to what a write of the run names, at most this many ms before the lab logged that write,
 * is the write's own effect (the lab changes its state while it serves the request), not something waited for.
 */
export const OWN_EFFECT_MS = 5;

/** Whether a write names the thing a timeline subject is about: an EC2 resource by id, or any Controller object. */
function writeTouches(w: LabRequest, subject: string): boolean {
  const id = /^(?:instance|volume|image):(.+)$/.exec(subject)?.[1];
  if (id !== undefined) return w.ids?.includes(id) ?? false;
  return w.service === 'avi' && subjectKey(subject) !== undefined;
}

/**
 * Per polling invocation: the last change about what it read, before the wait ended, that
 * the run did not cause itself; the lag runs from that change (or from the wait's start, when the
 * change came earlier: nothing could look before the wait began) to the first read about it after.
 */
export function detectionLags(invocations: Invocation[], timeline: TimelineEntry[], requests: LabRequest[]): Lag[] {
  const at = (x: { at: string }) => Date.parse(x.at);
  const writes = requests.filter((r) => r.mutating);
  const ownEffect = (e: TimelineEntry) => writes.some((w) => at(w) - OWN_EFFECT_MS <= at(e) && at(e) <= at(w) && writeTouches(w, e.subject));
  const lags: Lag[] = [];
  for (const inv of invocations.filter((i) => i.polled)) {
    const reads = requests.filter((r) => at(r) >= inv.start && at(r) <= inv.end && requestKeys(r).length > 0);
    const last = reads.at(-1);
    if (!last) continue;
    const keys = new Set(reads.flatMap(requestKeys));
    // Up to the wait's end, not its last read's arrival: the lab logs a request when it arrives, and a
    // timer due that very moment may change the state (and log it) before the handler reads it.
    const change = timeline.filter((e) => at(e) <= inv.end && about(keys, e.subject) && !ownEffect(e)).at(-1);
    if (!change) continue;
    const from = Math.max(at(change), inv.start);
    const next = reads.find((r) => at(r) >= from && requestKeys(r).some((k) => about(new Set([k]), change.subject)));
    // No read logged after it: the last one, logged on arrival, saw it while being served.
    const lagMs = next ? at(next) - from : 0;
    lags.push({ step: inv.step, ...(inv.item ? { item: inv.item } : {}), lagMs, waitMs: inv.end - inv.start, change: `${change.subject} ${change.state}` });
  }
  return lags;
}

/** The target: at most max(1 s, 5% of the wait), in lab time (real ms divided by the time scale). */
export function lagAllowanceMs(waitLabMs: number): number {
  return Math.max(1000, 0.05 * waitLabMs);
}
