// Reads only: the KMS key and the encrypted AMI must be fit before anything is changed.

import { PreflightError } from '../errors.js';
import type { StepDeps } from '../deps.js';
import { check } from '../effect.js';
import { fitKey } from '../key.js';
import type { ControllerData } from './context.js';

export function checkKey(deps: Pick<StepDeps, 'reads'>) {
  return check<ControllerData, ControllerData>(async ({ data }) => ({ keyArn: (await fitKey(deps.reads, data.kmsKey)).arn }));
}

export function checkEncryptedAmi(deps: Pick<StepDeps, 'reads'>) {
  return check<ControllerData, ControllerData>(async ({ data }) => {
    const amiId = data.encryptedAmi;
    if (!amiId) throw new PreflightError('no encrypted AMI given; pass --encrypted-ami (an encrypted copy of the Controller AMI)');
    const image = await deps.reads.ec2.describeImage(amiId).catch((e: { code?: string }) => {
      if (e.code?.startsWith('InvalidAMIID')) throw new PreflightError(`AMI ${amiId} was not found in this region; check --encrypted-ami`);
      throw e;
    });
    if (image.state !== 'available') throw new PreflightError(`AMI ${amiId} is ${image.state}, not available; wait for it or pick another`);
    if (!image.rootSnapshotId) throw new PreflightError(`AMI ${amiId} has no EBS snapshot at its root device ${image.rootDeviceName}`);
    const snap = await deps.reads.ec2.describeSnapshot(image.rootSnapshotId);
    if (!snap.encrypted) {
      throw new PreflightError(
        `AMI ${amiId} root snapshot ${snap.snapshotId} is not encrypted; make an encrypted copy of the AMI with key ${data.keyArn} and pass it with --encrypted-ami`,
      );
    }
    if (snap.kmsKeyId !== data.keyArn) {
      throw new PreflightError(
        `AMI ${amiId} root snapshot ${snap.snapshotId} is encrypted with ${snap.kmsKeyId}, not ${data.keyArn}; pass the matching --kms-key or an AMI copied with that key`,
      );
    }
    return { rootSnapshotId: snap.snapshotId, rootSnapshotSize: snap.volumeSize };
  });
}
