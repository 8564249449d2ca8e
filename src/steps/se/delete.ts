// Deleting the old SEs (DELETE /api/serviceengine/<uuid>; in a write-access cloud the Controller
// removes the VM, reference §5.3) and waiting until their EC2 instances are terminated.
// Scale-out deletes SEs that are disabled and empty. Relaunch ("delete all the existing Service
// Engines") deletes SEs that still carry virtual services: whether a real Controller's DELETE
// takes a busy SE is UNVERIFIED, so a refused DELETE of a busy SE falls back to forcedelete.

import { AviError } from '../../avi/types.js';
import type { StepDeps } from '../deps.js';
import { action, wait } from '../effect.js';
import { WaitFailedError } from '../errors.js';
import type { Writes } from '../gateways.js';
import { pollUntil } from '../wait.js';
import type { GroupScope, SeData, SeGroupItem } from './context.js';
import { currentSes } from './placement.js';

type Deps = Pick<StepDeps, 'reads' | 'writes' | 'sleep' | 'now' | 'pollIntervalMs'>;

// No deletedAt in a plan: a plan is the same for the same world (a saved plan is compared with
// the one made when it is applied), and the outages are measured from the run's own delete.
const plan = async ({ item }: GroupScope, w: Pick<Writes, 'engines'>) => {
  for (const se of item.ses) await w.engines.deleteServiceEngine(se.uuid);
};

/** Scale-out, document step 5: the old SEs are disabled and show zero virtual services. */
export function deleteOldSes(deps: Deps) {
  return action<SeData, SeGroupItem>(async ({ item }) => {
    const current = await currentSes(deps, item);
    for (const se of item.ses) {
      const now = current.get(se.uuid);
      if (!now) continue; // deleted already (a re-run after a crash)
      if ((now.vs_refs ?? []).length > 0 || now.enable_state !== 'SE_STATE_DISABLED') {
        throw new WaitFailedError(`SE ${se.name} is ${now.enable_state} and hosts ${(now.vs_refs ?? []).length} virtual services: only disabled, empty SEs are deleted; check it, then run "avi-encrypt resume"`);
      }
      await deps.writes.engines.deleteServiceEngine(se.uuid);
    }
    return { deletedAt: item.deletedAt ?? new Date(deps.now()).toISOString() };
  }, plan);
}

/** Relaunch, document step 1: delete every recorded SE of the group; its virtual services go down until new SEs serve them. */
export function deleteSes(deps: Deps) {
  return action<SeData, SeGroupItem>(async ({ item }) => {
    // Kept from the first attempt: the outage of a re-run step started at the first delete.
    const deletedAt = item.deletedAt ?? new Date(deps.now()).toISOString();
    const current = await currentSes(deps, item);
    for (const se of item.ses) {
      const now = current.get(se.uuid);
      if (!now) continue;
      try {
        await deps.writes.engines.deleteServiceEngine(se.uuid);
      } catch (e) {
        // A Controller that refuses to DELETE an SE still hosting virtual services (HTTP 400) takes forcedelete.
        if (!(e instanceof AviError && e.status === 400 && (now.vs_refs ?? []).length > 0)) throw e;
        await deps.writes.engines.forceDeleteServiceEngine(se.uuid);
      }
    }
    return { deletedAt };
  }, plan);
}

export function oldSesTerminated(deps: Deps) {
  return wait<SeData, SeGroupItem>(async (s: GroupScope, signal) => {
    await pollUntil(deps, s, `old SEs of ${s.item.name} terminated`, async () => {
      // One call for all (instance-id filter): an instance EC2 no longer lists is terminated and gone.
      const states = new Map((await deps.reads.ec2.describeInstances(s.item.ses.map((se) => se.instanceId))).map((i) => [i.instanceId, i.state]));
      const left = s.item.ses.filter((se) => (states.get(se.instanceId) ?? 'terminated') !== 'terminated')
        .map((se) => `${se.name} ${se.instanceId} ${states.get(se.instanceId)}`);
      return { done: left.length === 0, value: left.length ? left.join(', ') : 'all terminated' };
    }, signal, s.item.deletedAt ? { since: Date.parse(s.item.deletedAt) } : {});
  });
}
