// The Service Engine runbooks' effects, built over injected gateways. Both SE runbooks name
// these ids; the engine provides them to the machine (real, planned, or faked in tests).

import type { StepDeps } from '../deps.js';
import type { Effect } from '../effect.js';
import { checkCapacity } from './capacity.js';
import { checkCloud, checkCloudKey, cloudReady, setCloudEncryption } from './cloud.js';
import type { SeData } from './context.js';
import { deleteOldSes, deleteSes, oldSesTerminated } from './delete.js';
import { discoverGroups } from './discover.js';
import { disableSe, seDrained } from './drain.js';
import { disableForPlacement, restoreEnableState } from './placement.js';
import { vssServedAgain } from './relaunch.js';
import { verifyGroup } from './verify.js';

/** `scaleOut`: zero-downtime replacement (legacy HA refused, old SEs count until deleted); otherwise relaunch. */
export function seSteps(deps: StepDeps, opts: { scaleOut: boolean }) {
  return {
    'check-cloud': checkCloud(deps),
    'check-cloud-key': checkCloudKey(deps),
    'discover-groups': discoverGroups(deps, opts),
    'check-capacity': checkCapacity(deps, opts),
    'set-cloud-encryption': setCloudEncryption(deps),
    'cloud-ready': cloudReady(deps),
    'disable-for-placement': disableForPlacement(deps),
    'disable-se': disableSe(deps),
    'se-drained': seDrained(deps),
    'delete-old-ses': deleteOldSes(deps),
    'delete-ses': deleteSes(deps),
    'vss-served-again': vssServedAgain(deps),
    'old-ses-terminated': oldSesTerminated(deps),
    'verify-group': verifyGroup(deps),
    'restore-enable-state': restoreEnableState(deps),
  } satisfies Record<string, Effect<SeData>>;
}

export type SeStepId = keyof ReturnType<typeof seSteps>;
