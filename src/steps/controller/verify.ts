// After the last node: every Controller's root is the encrypted volume, with the key, at the
// same device of the same instance, with DeleteOnTermination kept; the old roots are kept.

import { TAG } from '../../aws/types.js';
import type { StepDeps } from '../deps.js';
import { check } from '../effect.js';
import { instanceRow, volumeProblem } from '../fleet/report.js';
import type { Reads } from '../gateways.js';
import type { ControllerData } from './context.js';

/** What is wrong with the end state, one line per problem; empty when every root is right. */
export async function rootProblems(reads: Reads, data: ControllerData): Promise<string[]> {
  const problems: string[] = [];
  const expected = data.keyArn ? { arn: data.keyArn, from: `the run's key ${data.kmsKey}` } : { from: 'the run did not resolve its key' };
  for (const node of data.nodes) {
    const instance = await reads.ec2.describeInstance(node.instanceId);
    // The fleet report's row, judged at the node's own root device (the swap's one volume).
    const row = await instanceRow(reads, instance, { kind: 'Controller', name: node.ip, group: 'this run', expected });
    const root = instance.blockDevices.find((b) => b.device === node.rootDevice);
    const volume = row.volumes.find((v) => v.device === node.rootDevice);
    if (!root || !volume) {
      problems.push(`${node.ip}: no volume at ${node.rootDevice}`);
      continue;
    }
    const wrong = volumeProblem(row, volume);
    if (wrong) problems.push(wrong);
    if (root.deleteOnTermination !== node.deleteOnTermination) problems.push(`${node.ip}: DeleteOnTermination changed`);
    if (!node.alreadyEncrypted) {
      const old = await reads.ec2.describeVolume(node.oldVolumeId);
      if (old.tags[TAG.replacedBy] !== root.volumeId) problems.push(`${node.ip}: old root ${node.oldVolumeId} is not tagged as replaced`);
    }
  }
  return problems;
}

export function verifyNodes(deps: Pick<StepDeps, 'reads'>) {
  return check<ControllerData, ControllerData>(async ({ data }) => {
    const problems = await rootProblems(deps.reads, data);
    if (problems.length) throw new Error(`verification failed: ${problems.join('; ')}`);
    return { verified: true };
  });
}
