// The Controller runbooks' effects, built over injected gateways. Runbooks name these ids;
// the engine provides them to the machine (real, planned, or faked in tests).

import type { StepDeps } from '../deps.js';
import type { Effect } from '../effect.js';
import { checkAmiCopy, checkSourceAmi, copyAmi } from './ami.js';
import { exportConfig } from './backup.js';
import { claimNodes, releaseNodes } from './claim.js';
import { clusterReady, controllerUp, saveClusterConfig } from './cluster.js';
import type { ControllerData } from './context.js';
import { discoverNodes } from './discover.js';
import {
  attachRoot, detachRoot, keepDeleteOnTermination, newRoot, nodeStopped, oldRoot, rootAttached, rootDetached, startNode, stopNode, tagOldRoot,
} from './node-swap.js';
import { checkEncryptedAmi, checkKey } from './preflight.js';
import { checkSsh, restoreConfig } from './restore.js';
import { rollbackNodeStopped, rollbackStopNode } from './rollback.js';
import { askNodePassword } from './secrets.js';
import { verifyNodes } from './verify.js';
import { createVolumes } from './volumes.js';

export function controllerSteps(deps: StepDeps) {
  return {
    'check-key': checkKey(deps),
    'check-encrypted-ami': checkEncryptedAmi(deps),
    'discover-nodes': discoverNodes(deps),
    'check-source-ami': checkSourceAmi(deps),
    'check-ssh': checkSsh(deps),
    'ask-node-password': askNodePassword(deps),
    'claim-nodes': claimNodes(deps),
    'copy-ami': copyAmi(deps),
    'check-ami-copy': checkAmiCopy(deps),
    'export-config': exportConfig(deps),
    'create-volumes': createVolumes(deps),
    'stop-node': stopNode(deps),
    'node-stopped': nodeStopped(deps),
    'detach-old-root': detachRoot(deps, oldRoot),
    'old-root-detached': rootDetached(deps, oldRoot),
    'attach-new-root': attachRoot(deps, newRoot),
    'new-root-attached': rootAttached(deps, newRoot),
    'keep-delete-on-termination': keepDeleteOnTermination(deps),
    'start-node': startNode(deps),
    'controller-up': controllerUp(deps),
    'restore-config': restoreConfig(deps),
    'save-cluster-config': saveClusterConfig(deps),
    'cluster-ready': clusterReady(deps),
    'tag-old-root': tagOldRoot(deps),
    verify: verifyNodes(deps),
    'release-nodes': releaseNodes(deps),
    // Rollback of one node: the same pieces pointed at the other volume.
    'rollback-stop-node': rollbackStopNode(deps),
    'rollback-node-stopped': rollbackNodeStopped(deps),
    'rollback-detach-new-root': detachRoot(deps, newRoot),
    'rollback-new-root-detached': rootDetached(deps, newRoot),
    'rollback-attach-old-root': attachRoot(deps, oldRoot),
    'rollback-old-root-attached': rootAttached(deps, oldRoot),
    'rollback-delete-on-termination': keepDeleteOnTermination(deps),
    'rollback-start-node': startNode(deps),
    'rollback-controller-up': controllerUp(deps),
    'rollback-rejoin': saveClusterConfig(deps),
    'rollback-cluster-ready': clusterReady(deps),
  } satisfies Record<string, Effect<ControllerData>>;
}

export type ControllerStepId = keyof ReturnType<typeof controllerSteps>;
