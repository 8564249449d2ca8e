// Relaunch, document step 2: "The new Service Engines will be launched using the new encrypted SE
// AMI". Waits until every virtual service of the group is OPER_UP on SEs other than the deleted
// ones, and measures each one's outage from the Controller's own oper_status change times
// (last_changed_time), so the figure does not depend on how often the run looked.

import type { OperStatus } from '../../avi/fleet-types.js';
import type { StepDeps } from '../deps.js';
import { wait } from '../effect.js';
import { pollUntil } from '../wait.js';
import type { GroupScope, SeData, SeGroupItem, VsItem } from './context.js';
import { servingSes } from './drain.js';

type Deps = Pick<StepDeps, 'reads' | 'sleep' | 'now' | 'pollIntervalMs'>;

/** When the Controller says the state began; the moment of the look when it does not say. */
function changedAt(status: OperStatus | undefined, seen: number): number {
  const t = status?.last_changed_time;
  return t ? t.secs * 1000 + Math.floor((t.usecs ?? 0) / 1000) : seen;
}

export function vssServedAgain(deps: Deps) {
  return wait<SeData, SeGroupItem>(async (s: GroupScope, signal) => {
    const group = s.item;
    const old = new Set(group.ses.map((se) => se.uuid));
    const deletedAt = Date.parse(group.deletedAt ?? new Date(deps.now()).toISOString());
    const seenDown = new Map<string, number>();
    const measured = new Map<string, VsItem>();
    await pollUntil(deps, s, `every virtual service of ${group.name} OPER_UP on new SEs`, async () => {
      const waiting: string[] = [];
      const pending = group.vss.filter((v) => !measured.has(v.uuid));
      // One query for all of them (uuid.in): a VS that is gone is not listed, and reads as gone.
      const now = new Map((await deps.reads.engines.getVirtualServices(pending.map((v) => v.uuid))).map((vs) => [vs.uuid, vs]));
      for (const v of pending) {
        const vs = now.get(v.uuid);
        const status = vs?.runtime?.oper_status;
        const on = servingSes(vs).filter((u) => !old.has(u));
        if (status?.state !== 'OPER_UP') seenDown.set(v.uuid, changedAt(status, deps.now()));
        if (on.length === 0) {
          waiting.push(`${v.name} ${status?.state ?? 'gone'}`);
          continue;
        }
        const up = changedAt(status, deps.now());
        const down = seenDown.get(v.uuid);
        // Up before the delete: it never went down (another SE already carried it).
        const from = down ?? (up > deletedAt ? deletedAt : up);
        measured.set(v.uuid, {
          ...v, downAt: new Date(from).toISOString(), upAt: new Date(up).toISOString(), outageMs: Math.max(0, up - from),
          ...(down === undefined && up > deletedAt ? { outageFromDelete: true } : {}),
        });
      }
      return { done: waiting.length === 0, value: waiting.length ? `waiting for ${waiting.join(', ')}` : 'every virtual service OPER_UP' };
    }, signal);
    return { vss: group.vss.map((v) => measured.get(v.uuid) ?? v) };
  });
}
