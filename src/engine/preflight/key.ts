// The checks every runbook needs, whatever it migrates: the KMS key is fit for EBS, and EC2 may
// use it on the caller's behalf (it creates a grant at every start of an instance with an
// encrypted volume; without kms:CreateGrant the start falls back to stopped with
// Client.InternalError; re:Post knowledge center "kms-iam-ec2-permission").

import type { KeyInfo } from '../../aws/types.js';
import { fail, pass, skip, type CheckResult } from '../../steps/check-result.js';
import { PreflightError } from '../../steps/errors.js';
import type { Probes, Reads } from '../../steps/gateways.js';
import { describeKeyOrRefuse, keyProblem } from '../../steps/key.js';

const KEY = 'KMS key';
const GRANT = 'EC2 may use the key for these credentials (kms:CreateGrant, DryRun)';
// What EBS asks for when it creates its grant (UNVERIFIED as an exact list; the permission this
// check is about is kms:CreateGrant itself).
const EBS_GRANT_OPERATIONS = ['Decrypt', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'CreateGrant', 'DescribeKey'];

export async function keyCheck(reads: Pick<Reads, 'kms'>, ref: string, region: string): Promise<{ result: CheckResult; key?: KeyInfo }> {
  let key: KeyInfo;
  try {
    key = await describeKeyOrRefuse(reads, ref);
  } catch (e) {
    if (e instanceof PreflightError) return { result: fail('kms-key', KEY, e.message) };
    throw e;
  }
  const problem = keyProblem(key, region);
  if (problem) return { result: fail('kms-key', KEY, problem), key };
  return { result: pass('kms-key', KEY, `${key.arn}: Enabled, ${key.spec} ${key.usage}, in ${region}`), key };
}

/** The grant's grantee: the key's own account (a DryRun creates nothing; the caller's permission is what is checked). */
function accountRoot(keyArn: string): string {
  const [, partition = 'aws', , , account = ''] = keyArn.split(':');
  return `arn:${partition}:iam::${account}:root`;
}

/**
 * `usesKey`: the plan makes encrypted volumes or starts instances with these credentials (or no
 * plan was made to say otherwise); a run whose EC2 work another system does needs no grant of ours.
 */
export async function grantCheck(probes: Pick<Probes, 'kms'>, key: KeyInfo | undefined, usesKey = true): Promise<CheckResult> {
  if (!key) return skip('kms-grant', GRANT, 'needs the key (see "KMS key")');
  if (!usesKey) return pass('kms-grant', GRANT, 'not needed: the plan creates no volume and starts no instance with these credentials');
  // The key policy of an AWS managed key lets every principal of the account use it through EC2.
  if (key.manager === 'AWS') return pass('kms-grant', GRANT, `${key.arn} is AWS managed: EC2 may use it for every principal of the account`);
  if (key.state !== 'Enabled') return skip('kms-grant', GRANT, `the key is ${key.state} (see "KMS key")`);
  const answer = await probes.kms.createGrant(key.arn, accountRoot(key.arn), EBS_GRANT_OPERATIONS);
  if (answer.verdict === 'allowed') return pass('kms-grant', GRANT, `kms:CreateGrant on ${key.arn} would succeed`);
  if (answer.verdict === 'denied') {
    return fail('kms-grant', GRANT,
      `kms:CreateGrant on KMS key ${key.arn} is not allowed for these AWS credentials; EC2 needs it to start an instance with an encrypted volume (it falls back to stopped): allow kms:CreateGrant on the key in its key policy or the IAM policy (a policy that allows it only with the condition kms:GrantIsForAWSResource fails this check although EC2 would succeed)`);
  }
  return pass('kms-grant', GRANT, `kms:CreateGrant on ${key.arn}`, `KMS answered ${answer.code}: ${answer.message}`);
}
