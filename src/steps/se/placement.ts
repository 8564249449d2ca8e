// Document step 2 ("Enable the option Disable-for-VS-Placement for all Service Engines in the
// group"): the recorded SEs keep serving but take no new virtual service, so a VS moved off one
// of them never lands on the next one to be replaced. And the rollback of a group: every SE this
// run disabled gets back the enable_state the run found it in.

import type { SeEnableState, ServiceEngine } from '../../avi/fleet-types.js';
import type { StepDeps } from '../deps.js';
import { action } from '../effect.js';
import type { Writes } from '../gateways.js';
import type { GroupScope, SeData, SeGroupItem } from './context.js';

type Deps = Pick<StepDeps, 'reads' | 'writes'>;

const FOR_PLACEMENT: SeEnableState = 'SE_STATE_DISABLED_FOR_PLACEMENT';

/** The group's recorded SEs as they are now, by uuid, in one query; a deleted SE is absent. */
export async function currentSes(deps: Pick<StepDeps, 'reads'>, item: SeGroupItem): Promise<Map<string, ServiceEngine>> {
  return new Map((await deps.reads.engines.getServiceEngines(item.ses.map((s) => s.uuid))).map((se) => [se.uuid, se]));
}

export function disableForPlacement(deps: Deps) {
  return action<SeData, SeGroupItem>(async ({ item }) => {
    const current = await currentSes(deps, item);
    for (const se of item.ses) {
      const now = current.get(se.uuid);
      // Only an enabled SE changes: one already disabled (by a person, or by this run before a crash) stays as it is.
      if (now && (now.enable_state ?? 'SE_STATE_ENABLED') === 'SE_STATE_ENABLED') await deps.writes.engines.setEnableState(se.uuid, FOR_PLACEMENT);
    }
  }, async ({ item }, w) => {
    for (const se of item.ses) if (se.stateBefore === 'SE_STATE_ENABLED') await w.engines.setEnableState(se.uuid, FOR_PLACEMENT);
  });
}

/** Rollback: the SEs that still exist get back the enable_state they had when the run found them. */
export function restoreEnableState(deps: Deps) {
  const plan = async ({ item }: GroupScope, w: Pick<Writes, 'engines'>) => {
    for (const se of item.ses) if (se.stateBefore !== 'SE_STATE_DISABLED') await w.engines.setEnableState(se.uuid, se.stateBefore);
  };
  return action<SeData, SeGroupItem>(async ({ item }) => {
    const current = await currentSes(deps, item);
    for (const se of item.ses) {
      const now = current.get(se.uuid);
      if (now && now.enable_state !== se.stateBefore) await deps.writes.engines.setEnableState(se.uuid, se.stateBefore);
    }
  }, plan);
}
