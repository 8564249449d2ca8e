// controller-new-vms' effects, built over injected gateways. The runbook names these ids; the
// engine provides them to the machine (real, planned, or faked in tests).

import type { StepDeps } from '../deps.js';
import type { Effect } from '../effect.js';
import { claimNodes } from '../controller/claim.js';
import { checkKey } from '../controller/preflight.js';
import type { NewVmsData } from './context.js';
import { discoverNodes } from './discover.js';
import { launchReplacement } from './launch.js';
import { leaderHandedOver, membersReady, stopIfLeader, swapMembership } from './membership.js';
import { checkLaunch } from './preflight.js';
import { moveAddresses, oldRetired, releaseOldNodes, retireOld } from './retire.js';
import { rollbackMembersReady, rollbackMembership, rollbackStartOld, rollbackTerminateNew } from './rollback.js';
import { verifyNewVms } from './verify.js';

export function newVmSteps(deps: StepDeps) {
  return {
    'check-key': checkKey<NewVmsData>(deps),
    'discover-nodes': discoverNodes(deps),
    'check-launch': checkLaunch(deps),
    'claim-nodes': claimNodes<NewVmsData>(deps),
    'launch-replacement': launchReplacement(deps),
    // After a rollback terminated the node's new VM, its next attempt launches another.
    'replacement-running': launchReplacement(deps),
    'stop-if-leader': stopIfLeader(deps),
    'leader-handed-over': leaderHandedOver(deps),
    'swap-membership': swapMembership(deps),
    'members-ready': membersReady(deps),
    'rollback-start-old': rollbackStartOld(deps),
    'rollback-membership': rollbackMembership(deps),
    'rollback-members-ready': rollbackMembersReady(deps),
    'rollback-terminate-new': rollbackTerminateNew(deps),
    'move-addresses': moveAddresses(deps),
    'retire-old': retireOld(deps),
    'old-retired': oldRetired(deps),
    verify: verifyNewVms(deps),
    'release-nodes': releaseOldNodes(deps),
  } satisfies Record<string, Effect<NewVmsData>>;
}

export type NewVmStepId = keyof ReturnType<typeof newVmSteps>;
