// CreateVolume's parameter rules, as the EBS docs state them: size against the snapshot, which key
// encrypts the volume, and the IOPS/throughput each volume type takes or defaults to.

import type { SnapshotRecord } from '../world/types.js';
import { AwsFault } from './fault.js';
import type { KeyRing } from './key-ring.js';

export function volumeSize(size: number | undefined, snap: SnapshotRecord | undefined): number {
  if (snap && snap.state !== 'completed') throw new AwsFault('IncorrectState', `Snapshot is in invalid state - ${snap.state}`);
  if (size === undefined && !snap) throw new AwsFault('MissingParameter', 'The request must contain the parameter size or snapshotId');
  const actual = size ?? snap!.volumeSize;
  if (snap && actual < snap.volumeSize) {
    throw new AwsFault('InvalidParameterValue',
      `Volume of size ${actual}GB is smaller than snapshot '${snap.snapshotId}', expect size >= ${snap.volumeSize}GB`);
  }
  return actual;
}

/**
 * KmsKeyId needs Encrypted; a given key wins (re-keying an encrypted snapshot); otherwise an encrypted
 * snapshot keeps its key, and Encrypted alone means the account's AWS-managed EBS key.
 * An unknown key is not refused here: AWS checks it asynchronously, so the volume (or image copy)
 * "can appear to complete, but eventually fails" (CreateVolume/CopyImage API reference). It keeps
 * the ARN the reference names, which no key answers to.
 */
export function volumeEncryption(
  asked: { encrypted?: boolean; kmsKeyId?: string },
  snap: SnapshotRecord | undefined,
  keyRing: KeyRing & { region: string; accountId: string },
): { encrypted: boolean; kmsKeyArn?: string } {
  if (asked.kmsKeyId !== undefined && !asked.encrypted) {
    throw new AwsFault('InvalidParameterDependency', 'The parameter KmsKeyId requires the parameter Encrypted to be set.');
  }
  if (asked.kmsKeyId !== undefined) {
    return { encrypted: true, kmsKeyArn: keyRing.findKey(asked.kmsKeyId)?.arn ?? keyRefArn(asked.kmsKeyId, keyRing) };
  }
  if (snap?.encrypted) return { encrypted: true, ...(snap.kmsKeyArn ? { kmsKeyArn: snap.kmsKeyArn } : {}) };
  if (asked.encrypted) return { encrypted: true, kmsKeyArn: keyRing.awsManagedKey('ebs').arn };
  return { encrypted: false };
}

/** A key id or alias name as the ARN it would have in this Region; ARNs as given. */
export function keyRefArn(ref: string, where: { region: string; accountId: string }): string {
  if (ref.startsWith('arn:')) return ref;
  return `arn:aws:kms:${where.region}:${where.accountId}:${ref.startsWith('alias/') ? ref : `key/${ref}`}`;
}

/** gp3 3000 IOPS / 125 MiB/s baseline, gp2 3 IOPS per GiB (100..16000), io1/io2 need Iops. */
export function volumePerformance(
  type: string,
  size: number,
  asked: { iops?: number; throughput?: number },
): { iops?: number; throughput?: number } {
  if (!['gp2', 'gp3', 'io1', 'io2', 'st1', 'sc1', 'standard'].includes(type)) {
    throw new AwsFault('InvalidParameterValue', `Value (${type}) for parameter volumeType is invalid.`);
  }
  if (asked.throughput !== undefined && type !== 'gp3') {
    throw new AwsFault('InvalidParameterCombination', `The parameter throughput is not supported for ${type} volumes.`);
  }
  if (type === 'gp3') return { iops: asked.iops ?? 3000, throughput: asked.throughput ?? 125 };
  if (type === 'io1' || type === 'io2') {
    if (asked.iops === undefined) throw new AwsFault('MissingParameter', 'The request must contain the parameter iops.');
    return { iops: asked.iops };
  }
  if (asked.iops !== undefined) {
    throw new AwsFault('InvalidParameterCombination', `The parameter iops is not supported for ${type} volumes.`);
  }
  return type === 'gp2' ? { iops: Math.min(16000, Math.max(100, size * 3)) } : {};
}
