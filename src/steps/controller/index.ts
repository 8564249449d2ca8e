// The controller runbooks' effects, built over injected gateways. Runbooks name these ids;
// the engine provides them to the machine (real, recorded for a plan, or faked in tests).

import type { StepEffect } from '../machine.js';
import type { StepDeps } from '../deps.js';
import { exportConfig, restoreConfig } from './backup.js';
import { claimNodes, releaseNodes } from './claim.js';
import { clusterReady, controllerUp, saveClusterConfig } from './cluster.js';
import type { ControllerContext } from './context.js';
import { discoverNodes } from './discover.js';
import {
  attachNewRoot, detachOldRoot, keepDeleteOnTermination, newRootAttached, nodeStopped, oldRootDetached, startNode, stopNode, tagOldRoot,
} from './node-swap.js';
import { checkEncryptedAmi, checkKey } from './preflight.js';
import { verifyNodes } from './verify.js';
import { createVolumes } from './volumes.js';

export function controllerSteps(deps: StepDeps) {
  return {
    'check-key': checkKey(deps),
    'check-encrypted-ami': checkEncryptedAmi(deps),
    'discover-nodes': discoverNodes(deps),
    'claim-nodes': claimNodes(deps),
    'export-config': exportConfig(deps),
    'create-volumes': createVolumes(deps),
    'stop-node': stopNode(deps),
    'node-stopped': nodeStopped(deps),
    'detach-old-root': detachOldRoot(deps),
    'old-root-detached': oldRootDetached(deps),
    'attach-new-root': attachNewRoot(deps),
    'new-root-attached': newRootAttached(deps),
    'keep-delete-on-termination': keepDeleteOnTermination(deps),
    'start-node': startNode(deps),
    'controller-up': controllerUp(deps),
    'restore-config': restoreConfig(deps),
    'save-cluster-config': saveClusterConfig(deps),
    'cluster-ready': clusterReady(deps),
    'tag-old-root': tagOldRoot(deps),
    verify: verifyNodes(deps),
    'release-nodes': releaseNodes(deps),
  } satisfies Record<string, StepEffect<ControllerContext>>;
}

export type ControllerStepId = keyof ReturnType<typeof controllerSteps>;
