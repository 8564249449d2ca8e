// After the last node: every Controller's root is the encrypted volume, with the key, at the
// same device of the same instance, with DeleteOnTermination kept; the old roots are kept.

import { TAG } from '../../aws/types.js';
import type { StepDeps } from '../deps.js';
import type { ControllerContext } from './context.js';

export function verifyNodes(deps: StepDeps) {
  return async (ctx: ControllerContext): Promise<Partial<ControllerContext>> => {
    const problems: string[] = [];
    for (const node of ctx.nodes) {
      const instance = await deps.aws.describeInstance(node.instanceId);
      const root = instance.blockDevices.find((b) => b.device === node.rootDevice);
      if (!root) {
        problems.push(`${node.ip}: no volume at ${node.rootDevice}`);
        continue;
      }
      const volume = await deps.aws.describeVolume(root.volumeId);
      if (!volume.encrypted || volume.kmsKeyId !== ctx.keyArn) problems.push(`${node.ip}: root ${volume.volumeId} is not encrypted with ${ctx.keyArn}`);
      if (root.deleteOnTermination !== node.deleteOnTermination) problems.push(`${node.ip}: DeleteOnTermination changed`);
      if (!node.alreadyEncrypted) {
        const old = await deps.aws.describeVolume(node.oldVolumeId);
        if (old.tags[TAG.replacedBy] !== root.volumeId) problems.push(`${node.ip}: old root ${node.oldVolumeId} is not tagged as replaced`);
      }
    }
    if (problems.length) throw new Error(`verification failed: ${problems.join('; ')}`);
    return { verified: true };
  };
}
