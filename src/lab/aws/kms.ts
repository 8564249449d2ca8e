// The KMS JSON 1.1 front end (`X-Amz-Target: TrentService.<Op>`): the few operations avi-encrypt
// and the lab's tests need, with KMS's error shape `{"__type": ..., "message": ...}`, the caller's
// IAM policy, and ListKeys/ListAliases paging.

import type { KeyRecord } from '../world/types.js';
import type { LabWorld } from '../world/world.js';
import type { AwsReply } from './ec2.js';
import { AwsFault } from './fault.js';
import { kmsAccessDenied, type Caller } from './caller.js';
import { keyRefArn } from './ebs-volume-rules.js';
import { kmsPage } from './paging.js';
import { createGrant } from './kms-grants.js';

type Json = Record<string, unknown>;
interface KmsContext { caller: Caller; pageSize?: number }
type KmsOperation = (world: LabWorld, input: Json, ctx: KmsContext) => Json;

const CONTENT_TYPE = 'application/x-amz-json-1.1';
const epochSeconds = (d: Date | string) => new Date(d).getTime() / 1000;

function keyRef(input: Json): string {
  const ref = input['KeyId'];
  if (typeof ref !== 'string' || ref === '') {
    throw new AwsFault('ValidationException', "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null");
  }
  return ref;
}

export function keyMetadata(world: LabWorld, key: KeyRecord): Json {
  return {
    AWSAccountId: world.accountId,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: epochSeconds(world.keyCreationDate(key.keyId)),
    Enabled: key.state === 'Enabled',
    Description: key.description ?? '',
    KeyUsage: key.usage,
    KeyState: key.state,
    ...(key.deletionDate ? { DeletionDate: epochSeconds(key.deletionDate) } : {}),
    Origin: 'AWS_KMS',
    KeyManager: key.manager,
    CustomerMasterKeySpec: key.spec,
    KeySpec: key.spec,
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
  };
}

const OPERATIONS: Record<string, KmsOperation> = {
  DescribeKey: (world, input) => ({ KeyMetadata: keyMetadata(world, world.requireKey(keyRef(input))) }),
  // AWS: ListKeys Limit 1-1000, default 100; ListAliases Limit 1-100, default 50 (KMS API reference).
  ListKeys: (world, input, ctx) => {
    const { page, ...more } = kmsPage([...world.keys.values()], input, { action: 'ListKeys', max: 1000, byDefault: 100, forcedPageSize: ctx.pageSize });
    return { Keys: page.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })), ...more };
  },
  ListAliases: (world, input, ctx) => {
    // ListAliases takes "the key ID or key ARN" (KMS API reference).
    const only = input['KeyId'] === undefined ? undefined : world.requireKeyById(keyRef(input)).keyId;
    const aliases = [...world.aliases.values()].filter((a) => only === undefined || a.targetKeyId === only);
    const { page, ...more } = kmsPage(aliases, input, { action: 'ListAliases', max: 100, byDefault: 50, forcedPageSize: ctx.pageSize });
    return { Aliases: page.map((a) => ({ AliasName: a.name, AliasArn: a.arn, TargetKeyId: a.targetKeyId })), ...more };
  },
  CreateKey: (world, input) => {
    const spec = input['KeySpec'] ?? input['CustomerMasterKeySpec'] ?? 'SYMMETRIC_DEFAULT';
    if (spec !== 'SYMMETRIC_DEFAULT' || (input['KeyUsage'] ?? 'ENCRYPT_DECRYPT') !== 'ENCRYPT_DECRYPT') {
      throw new AwsFault('UnsupportedOperationException', 'The lab models symmetric ENCRYPT_DECRYPT keys only.');
    }
    const description = typeof input['Description'] === 'string' ? input['Description'] : undefined;
    return { KeyMetadata: keyMetadata(world, world.createKey(description === undefined ? {} : { description })) };
  },
  CreateAlias: (world, input) => {
    const name = input['AliasName'];
    const target = input['TargetKeyId'];
    if (typeof name !== 'string' || typeof target !== 'string') {
      throw new AwsFault('ValidationException', 'AliasName and TargetKeyId are required');
    }
    world.createAlias(name, target);
    return {};
  },
  DisableKey: (world, input) => (world.disableKey(keyRef(input)), {}),
  EnableKey: (world, input) => (world.enableKey(keyRef(input)), {}),
  ScheduleKeyDeletion: (world, input) => {
    const days = input['PendingWindowInDays'];
    if (days !== undefined && typeof days !== 'number') throw new AwsFault('ValidationException', 'PendingWindowInDays must be a number');
    const key = world.scheduleKeyDeletion(keyRef(input), days);
    return { KeyId: key.arn, DeletionDate: epochSeconds(key.deletionDate!), KeyState: key.state, PendingWindowInDays: days ?? 30 };
  },
  CancelKeyDeletion: (world, input) => ({ KeyId: world.cancelKeyDeletion(keyRef(input)).arn }),
  CreateGrant: (world, input, ctx) => createGrant(world, input, ctx.caller),
};


/** The key ARN an operation is authorized on (its alias or id resolved), or `*` for account-wide ones. */
function resources(world: LabWorld, operation: string, input: Json): string[] {
  const arnOf = (ref: unknown) => (typeof ref === 'string' && ref !== '' ? world.findKey(ref)?.arn ?? keyRefArn(ref, world) : '*');
  if (operation === 'CreateAlias') return [keyRefArn(String(input['AliasName'] ?? '*'), world), arnOf(input['TargetKeyId'])];
  if (operation === 'ListAliases' || !('KeyId' in input)) return ['*'];
  return [arnOf(input['KeyId'])];
}

export function handleKms(world: LabWorld, operation: string, body: string, ctx: KmsContext): AwsReply {
  try {
    const run = Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
    if (!run) throw new AwsFault('UnknownOperationException', `Unknown operation ${operation}`);
    let input: unknown;
    try {
      input = body === '' ? {} : JSON.parse(body);
    } catch {
      throw new AwsFault('SerializationException', 'Start of structure or map found where not expected');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new AwsFault('SerializationException', 'Expected a JSON object');
    }
    const json = input as Json;
    const refused = ctx.caller.refusal(`kms:${operation}`, resources(world, operation, json));
    if (refused) throw kmsAccessDenied(ctx.caller, `kms:${operation}`, refused.resource, refused.decision);
    return { status: 200, contentType: CONTENT_TYPE, body: JSON.stringify(run(world, json, ctx)) };
  } catch (err) {
    return kmsFault(err instanceof AwsFault ? err : new AwsFault('KMSInternalException', `Lab failure: ${(err as Error).message}`, 500));
  }
}

/** KMS's JSON error shape: `{"__type": code, "message": text}`. */
export function kmsFault(fault: AwsFault): AwsReply {
  return {
    status: fault.status,
    contentType: CONTENT_TYPE,
    body: JSON.stringify({ __type: fault.code, message: fault.message }),
    error: fault.code,
  };
}
