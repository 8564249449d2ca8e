// Which key ARN a reference stands for: a key id, alias or alias ARN is resolved through KMS
// (DescribeKey takes all four forms), a key ARN is taken as it is (a deleted key still names the
// volumes encrypted with it), and a cloud's blank master key is the service's default key
// (Avi docs: "If left blank, the default KMS CMK of the service will be used").

import type { AwsEncryption } from '../../avi/types.js';
import type { Reads } from '../gateways.js';
import type { ExpectedKey } from './report.js';

const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
export const SSE_KMS = 'AWS_ENCRYPTION_MODE_SSE_KMS';

/** Resolves references to key ARNs, each once; undefined for a key KMS does not know. */
export function keyArns(reads: Pick<Reads, 'kms'>): (ref: string) => Promise<string | undefined> {
  const memo = new Map<string, Promise<string | undefined>>();
  return (ref) => {
    if (KEY_ARN.test(ref)) return Promise.resolve(ref);
    let found = memo.get(ref);
    if (!found) {
      found = reads.kms.describeKey(ref).then((k) => k.arn, (e: { code?: string }) => {
        if (e.code === 'NotFoundException') return undefined;
        throw e;
      });
      memo.set(ref, found);
    }
    return found;
  };
}

/** The key given with --kms-key (or the run's), as an ARN. */
export async function givenKey(arnOf: (ref: string) => Promise<string | undefined>, ref: string): Promise<ExpectedKey> {
  const arn = await arnOf(ref);
  return arn ? { arn, from: `--kms-key ${ref}` } : { from: `--kms-key ${ref}, which KMS does not know in this region` };
}

/** What a cloud's encryption field says the key is: its master key, or the service default when blank; none when it does not encrypt. */
export async function cloudKey(
  arnOf: (ref: string) => Promise<string | undefined>,
  enc: AwsEncryption | undefined,
  where: string,
  service: 'ebs' | 's3',
): Promise<ExpectedKey & { ref?: string }> {
  if (enc?.mode !== SSE_KMS) return { from: `${where} is ${enc?.mode ?? 'AWS_ENCRYPTION_MODE_NONE'}` };
  if (enc.master_key) return { ref: enc.master_key, from: where, ...(await withArn(arnOf, enc.master_key)) };
  const alias = `alias/aws/${service}`;
  return { ref: alias, from: `${where} (blank master key: the service default ${alias})`, ...(await withArn(arnOf, alias)) };
}

async function withArn(arnOf: (ref: string) => Promise<string | undefined>, ref: string): Promise<{ arn?: string }> {
  const arn = await arnOf(ref);
  return arn ? { arn } : {};
}
