// Where a KMS key stands for EBS, read with DescribeKey: Enabled, Disabled, PendingDeletion (with the
// date KMS deletes it), or gone (NotFoundException: deleted after its waiting period, or never in
// this account and region). A refused DescribeKey is "unknown", never taken for healthy.

import type { Reads } from '../gateways.js';

export interface KeyState {
  /** The key ARN (or the reference, when KMS does not know it). */
  key: string;
  state: 'Enabled' | 'Disabled' | 'PendingDeletion' | 'gone' | 'unknown' | string;
  /** PendingDeletion: when KMS deletes it (ISO 8601). */
  deletionDate?: string;
  /** AWS managed (alias/aws/ebs): the account cannot disable or delete it. */
  awsManaged?: boolean;
  /** Why the state is unknown. */
  detail?: string;
}

export async function keyState(reads: Pick<Reads, 'kms'>, ref: string): Promise<KeyState> {
  try {
    const k = await reads.kms.describeKey(ref);
    return {
      key: k.arn, state: k.state, ...(k.deletionDate ? { deletionDate: k.deletionDate } : {}), ...(k.manager === 'AWS' ? { awsManaged: true } : {}),
    };
  } catch (e) {
    const { code, message } = e as { code?: string; message?: string };
    if (code === 'NotFoundException') return { key: ref, state: 'gone' };
    return { key: ref, state: 'unknown', detail: `${code ?? 'error'}: ${(message ?? String(e)).split('\n')[0]}` };
  }
}

/** Whether EBS can use the key: only an Enabled one decrypts a volume's data key. */
export const usable = (s: KeyState): boolean => s.state === 'Enabled';
