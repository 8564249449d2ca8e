// Is the KMS key fit for EBS? The one place that says so: the runbooks' key steps and the
// engine's preflight checklist both ask here. EBS needs a symmetric ENCRYPT_DECRYPT key that is
// Enabled, in the Region of the volumes (KMS keys are regional).

import type { KeyInfo } from '../aws/types.js';
import { PreflightError } from './errors.js';
import type { Reads } from './gateways.js';

/** The key behind a key id, ARN, alias or alias ARN; a key that is not there is a refusal naming it. */
export async function describeKeyOrRefuse(reads: Pick<Reads, 'kms'>, ref: string): Promise<KeyInfo> {
  return reads.kms.describeKey(ref).catch((e: { code?: string }) => {
    if (e.code === 'NotFoundException') {
      throw new PreflightError(`KMS key ${ref} was not found in this region; pass an existing key with --kms-key`);
    }
    throw e;
  });
}

/** What makes the key unfit, as one line with the fix; undefined when it is fit. */
export function keyProblem(key: KeyInfo, region?: string): string | undefined {
  if (key.state !== 'Enabled') {
    if (key.state === 'PendingDeletion') {
      const when = key.deletionDate ? ` (KMS deletes it on ${key.deletionDate})` : '';
      return `KMS key ${key.arn} is PendingDeletion${when}; cancel its deletion and enable it, or pass another key with --kms-key`;
    }
    return `KMS key ${key.arn} is ${key.state}; enable it, or pass another key with --kms-key`;
  }
  if (key.spec !== 'SYMMETRIC_DEFAULT' || key.usage !== 'ENCRYPT_DECRYPT') {
    return `KMS key ${key.arn} is ${key.spec}/${key.usage}; EBS needs a symmetric ENCRYPT_DECRYPT key, pass one with --kms-key`;
  }
  const keyRegion = key.arn.split(':')[3];
  if (region && keyRegion && keyRegion !== region) {
    return `KMS key ${key.arn} is in ${keyRegion}, not in ${region} where the volumes are; pass a key of ${region} with --kms-key`;
  }
  return undefined;
}

/** The key, refused unless it is fit. */
export async function fitKey(reads: Pick<Reads, 'kms'>, ref: string, region?: string): Promise<KeyInfo> {
  const key = await describeKeyOrRefuse(reads, ref);
  const problem = keyProblem(key, region);
  if (problem) throw new PreflightError(problem);
  return key;
}
