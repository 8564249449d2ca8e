// How the Controller runbooks show their targets: the plan's node table and the end-of-run
// summary, from the runbook's data (the verify report is read live: fleet.ts).

import type { ControllerData } from './context.js';

export function nodeTargets(data: ControllerData) {
  return data.nodes.map((n) => ({
    key: n.ip,
    skipped: !!n.alreadyEncrypted,
    detail: n,
    line: `${n.ip.padEnd(15)} ${n.role.padEnd(8)} ${n.instanceId}  ${n.availabilityZone}  root ${n.rootDevice} ${n.oldVolumeId}  DeleteOnTermination=${n.deleteOnTermination}${n.alreadyEncrypted ? '  already encrypted with the key: passed over' : ''}`,
  }));
}

export function nodeSummary(data: ControllerData): string[] {
  return [
    `done: every Controller root volume is encrypted with ${data.keyArn}`,
    ...(data.amiCopied ? [`  encrypted AMI ${data.encryptedAmi}: this run's copy of ${data.sourceAmi?.imageId} (kept, tagged avi-encrypt:role=encrypted-ami)`] : []),
    ...data.nodes.map((n) =>
      `  ${n.ip.padEnd(15)} ${n.instanceId}  ${n.rootDevice}  ${n.newVolumeId ?? n.oldVolumeId}${n.alreadyEncrypted ? ' (was already encrypted)' : `  (old root ${n.oldVolumeId} kept)`}`),
  ];
}
