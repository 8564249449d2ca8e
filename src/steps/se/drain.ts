// Document steps 3-4, for one SE: disable it (SE_STATE_DISABLED: the Controller moves its virtual
// services to other SEs of the group, launching new ones from the encrypted image where needed),
// then wait until it hosts none and each of them is OPER_UP elsewhere. MIGRATE_SE_FAILED
// (OPER_ERROR_DISABLED, reference §5.3) stops the run naming what did not move.

import type { VirtualService } from '../../avi/fleet-types.js';
import { refName, refUuid } from '../../avi/fleet-types.js';
import type { StepDeps } from '../deps.js';
import { action, wait } from '../effect.js';
import { WaitFailedError } from '../errors.js';
import { pollUntil } from '../wait.js';
import { groupOf, type EngineScope, type SeData, type SeItem } from './context.js';

type Deps = Pick<StepDeps, 'reads' | 'writes' | 'sleep' | 'now' | 'pollIntervalMs'>;

const FAILED = 'SE_MIGRATE_STATE_FINISHED_WITH_FAILURE';

/** The SEs a virtual service is up on, by uuid (vip_summary[].service_engine[]: `url` or, in 22.1, `ref`). */
export function servingSes(vs: VirtualService | undefined): string[] {
  if (vs?.runtime?.oper_status?.state !== 'OPER_UP') return [];
  return (vs.runtime.vip_summary ?? []).flatMap((v) => v.service_engine ?? [])
    .filter((e) => e.connected !== false && (e.oper_status?.state ?? 'OPER_UP') === 'OPER_UP')
    .flatMap((e) => refUuid(e.url ?? e.ref) ?? []);
}

export function disableSe(deps: Deps) {
  return action<SeData, SeItem>(async ({ item }) => {
    const now = await deps.reads.engines.getServiceEngine(item.uuid);
    if (!now) return;
    // Disabled again after a failed move: the Controller restarts the migration (MIGRATE_SE_RESTARTED).
    if (now.enable_state !== 'SE_STATE_DISABLED' || now.runtime?.migrate_state === FAILED) {
      await deps.writes.engines.setEnableState(item.uuid, 'SE_STATE_DISABLED');
    }
  }, ({ item }, w) => w.engines.setEnableState(item.uuid, 'SE_STATE_DISABLED'));
}

export function seDrained(deps: Deps) {
  return wait<SeData, SeItem>(async (s: EngineScope, signal) => {
    const se = s.item;
    const group = groupOf(s);
    await pollUntil(deps, s, `SE ${se.name} drained`, async () => {
      const now = await deps.reads.engines.getServiceEngine(se.uuid);
      const left = (now?.vs_refs ?? []).map((r) => refName(r) ?? refUuid(r) ?? r);
      const oper = now?.runtime?.oper_status;
      if (now && (oper?.state === 'OPER_ERROR_DISABLED' || now.runtime?.migrate_state === FAILED)) {
        throw new WaitFailedError(
          `SE ${se.name} of SE group ${group.name} could not move its virtual services (MIGRATE_SE_FAILED): ${left.join(', ') || 'none named'} did not move and keep running on it${oper?.reason?.length ? ` (${oper.reason.join('; ')})` : ''}; fix the cause (max_se, the cloud's SE image, the key), then run "avi-encrypt resume" (after a failed SE creation the Controller creates none for five minutes)`,
        );
      }
      if (left.length > 0) return { done: false, value: `${oper?.state ?? 'gone'}, hosts ${left.join(', ')}` };
      const vss = new Map((await deps.reads.engines.getVirtualServices(se.vss.map((v) => v.uuid))).map((v) => [v.uuid, v]));
      const notUp = se.vss.filter((v) => servingSes(vss.get(v.uuid)).filter((u) => u !== se.uuid).length === 0).map((v) => v.name);
      return { done: notUp.length === 0, value: notUp.length ? `empty; not yet OPER_UP elsewhere: ${notUp.join(', ')}` : `empty, ${oper?.state ?? 'gone'}` };
    }, signal);
  });
}
