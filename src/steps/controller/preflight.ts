// Reads only: the KMS key and the encrypted AMI must be fit before anything is changed.

import type { SnapshotInfo } from '../../aws/types.js';
import { PreflightError } from '../errors.js';
import type { StepDeps } from '../deps.js';
import { check } from '../effect.js';
import { fitKey } from '../key.js';
import type { Reads } from '../gateways.js';
import type { ControllerData } from './context.js';

/** What a key check needs of a runbook's data (both Controller runbooks have it). */
export interface KeyData {
  kmsKey: string;
  keyArn?: string;
}

export function checkKey<D extends KeyData>(deps: Pick<StepDeps, 'reads'>) {
  return check<D, D>(async ({ data }) => ({ keyArn: (await fitKey(deps.reads, data.kmsKey)).arn }) as Partial<D>);
}

/**
 * The encrypted AMI's root snapshot, refused unless the AMI is available in this region and its
 * root snapshot is encrypted with `keyArn`. AMIs are regional: one from another region is not found.
 */
export async function encryptedRootSnapshot(reads: Pick<Reads, 'ec2'>, amiId: string, keyArn: string | undefined): Promise<SnapshotInfo> {
  const image = await reads.ec2.describeImage(amiId).catch((e: { code?: string }) => {
    if (e.code?.startsWith('InvalidAMIID')) {
      throw new PreflightError(`AMI ${amiId} was not found in this region (an AMI belongs to one region; copy it here with CopyImage); check --encrypted-ami`);
    }
    throw e;
  });
  if (image.state !== 'available') throw new PreflightError(`AMI ${amiId} is ${image.state}, not available; wait for it or pick another`);
  if (!image.rootSnapshotId) throw new PreflightError(`AMI ${amiId} has no EBS snapshot at its root device ${image.rootDeviceName}`);
  const snap = await reads.ec2.describeSnapshot(image.rootSnapshotId);
  if (!snap.encrypted) {
    throw new PreflightError(
      `AMI ${amiId} root snapshot ${snap.snapshotId} is not encrypted; make an encrypted copy of the AMI with key ${keyArn} and pass it with --encrypted-ami`,
    );
  }
  if (snap.kmsKeyId !== keyArn) {
    throw new PreflightError(
      `AMI ${amiId} root snapshot ${snap.snapshotId} is encrypted with ${snap.kmsKeyId}, not ${keyArn}; pass the matching --kms-key or an AMI copied with that key`,
    );
  }
  return snap;
}

export function checkEncryptedAmi(deps: Pick<StepDeps, 'reads'>) {
  return check<ControllerData, ControllerData>(async ({ data }) => {
    const amiId = data.encryptedAmi;
    if (!amiId) throw new PreflightError('no encrypted AMI given; pass --encrypted-ami (an encrypted copy of the Controller AMI)');
    const snap = await encryptedRootSnapshot(deps.reads, amiId, data.keyArn);
    return { rootSnapshotId: snap.snapshotId, rootSnapshotSize: snap.volumeSize };
  });
}
