// KMS CreateGrant, with DryRun, as the KMS API reference documents it: the key named by key id or
// key ARN, the grantee an ARN, the operations from KMS's list, the key's state checked (key state
// table: Disabled -> DisabledException, PendingDeletion -> KMSInvalidStateException), and with
// DryRun=true a DryRunOperationException (HTTP 412) where the grant would have been made
// ("Testing your permissions", KMS developer guide). The caller's identity policy is applied by
// kms.ts before this runs. Simplified: a grant made for real is answered but not kept (the lab's
// boot decides from the identity policy alone), and grant constraints and tokens are ignored.

import { randomBytes } from 'node:crypto';
import type { LabWorld } from '../world/world.js';
import { AwsFault } from './fault.js';
import type { Caller } from './caller.js';

type Json = Record<string, unknown>;

// KMS API reference, CreateGrant "Operations" valid values.
const GRANT_OPERATIONS = new Set([
  'Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'Sign', 'Verify',
  'GetPublicKey', 'CreateGrant', 'RetireGrant', 'DescribeKey', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext',
  'GenerateMac', 'VerifyMac', 'DeriveSharedSecret',
]);

const PRINCIPAL = /^arn:aws[a-z-]*:iam::\d{12}:(root|user\/.+|role\/.+)$|^[a-z0-9.-]+\.amazonaws\.com$/;

function validation(member: string, constraint: string): AwsFault {
  return new AwsFault('ValidationException', `1 validation error detected: Value at '${member}' failed to satisfy constraint: ${constraint}`);
}

export function createGrant(world: LabWorld, input: Json, caller: Caller): Json {
  const keyId = input['KeyId'];
  if (typeof keyId !== 'string' || keyId === '') throw validation('keyId', 'Member must not be null');
  const grantee = input['GranteePrincipal'];
  if (typeof grantee !== 'string' || grantee === '') throw validation('granteePrincipal', 'Member must not be null');
  if (!PRINCIPAL.test(grantee)) throw new AwsFault('InvalidArnException', `Invalid principal ${grantee}`);
  const operations = input['Operations'];
  if (!Array.isArray(operations) || operations.length === 0 || !operations.every((o) => typeof o === 'string' && GRANT_OPERATIONS.has(o))) {
    throw validation('operations', `Member must satisfy constraint: [Member must satisfy enum value set: [${[...GRANT_OPERATIONS].join(', ')}]]`);
  }
  // CreateGrant takes "the key ID or key ARN"; an alias is not a key id here.
  const key = world.requireKeyById(keyId);
  // The key policy of an AWS managed key lets principals of the account use it only through the
  // service it belongs to (kms:ViaService), so a grant asked for directly is refused
  // (KMS developer guide, "AWS managed keys").
  if (key.manager === 'AWS') {
    throw new AwsFault('AccessDeniedException',
      `User: ${caller.arn} is not authorized to perform: kms:CreateGrant on resource: ${key.arn} because no resource-based policy allows the kms:CreateGrant action`);
  }
  if (key.state === 'Disabled') throw new AwsFault('DisabledException', `${key.arn} is disabled.`);
  if (key.state === 'PendingDeletion') throw new AwsFault('KMSInvalidStateException', `${key.arn} is pending deletion.`);
  if (input['DryRun'] === true) {
    throw new AwsFault('DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.', 412);
  }
  return { GrantId: randomBytes(32).toString('hex'), GrantToken: randomBytes(48).toString('base64url') };
}
