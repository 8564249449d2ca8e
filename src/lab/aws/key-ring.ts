// The lab's KMS keys and aliases, with KMS's own rules: DescribeKey accepts a key id, key ARN, alias
// name or alias ARN (moto 500s on ARNs; AWS does not), the key-management operations a key id or key
// ARN only, key states move as the KMS docs say, and AWS-managed keys (alias/aws/<service>) are
// created on first use and cannot be managed.

import type { AliasRecord, KeyRecord } from '../world/types.js';
import { AwsFault } from './fault.js';
import { newKeyId } from './resource-ids.js';

export interface KeyRing {
  /** The key behind any of the four reference forms, or undefined. */
  findKey(ref: string): KeyRecord | undefined;
  /** Like findKey, but throws KMS's NotFoundException. */
  requireKey(ref: string): KeyRecord;
  /** A key named by key id or key ARN only, as the key-management operations take it; else NotFoundException. */
  requireKeyById(ref: string): KeyRecord;
  createKey(opts?: { description?: string; manager?: KeyRecord['manager'] }): KeyRecord;
  createAlias(aliasName: string, keyRef: string): AliasRecord;
  /** The `alias/aws/<service>` key, created the first time anything asks for it, as AWS does. */
  awsManagedKey(service: string): KeyRecord;
  keyCreationDate(keyId: string): Date;
  disableKey(keyRef: string): KeyRecord;
  enableKey(keyRef: string): KeyRecord;
  scheduleKeyDeletion(keyRef: string, pendingWindowInDays?: number): KeyRecord;
  cancelKeyDeletion(keyRef: string): KeyRecord;
  /** The waiting period of a PendingDeletion key ends now: KMS deletes it and its aliases (the lab's way to rehearse a deleted key). */
  completeKeyDeletion(keyRef: string): KeyRecord;
}

const DAY_MS = 86_400_000;
/** setTimeout's upper bound: a longer (scaled) waiting period outlives any lab session, so it gets no timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function createKeyRing(opts: {
  region: string;
  accountId: string;
  keys: Map<string, KeyRecord>;
  aliases: Map<string, AliasRecord>;
  /** Scales the deletion waiting period; without it a scheduled key is deleted only by completeKeyDeletion. */
  clock?: { scaled(realMs: number): number };
}): KeyRing {
  const { region, accountId, keys, aliases, clock } = opts;
  const prefix = `arn:aws:kms:${region}:${accountId}:`;
  const created = new Map<string, Date>();

  function findKey(ref: string): KeyRecord | undefined {
    const arn = /^arn:aws:kms:([^:]+):(\d{12}):(key|alias)\/(.+)$/.exec(ref);
    if (arn) {
      if (arn[1] !== region || arn[2] !== accountId) return undefined;
      return arn[3] === 'key' ? keys.get(arn[4]!) : keyOfAlias(`alias/${arn[4]}`);
    }
    return ref.startsWith('alias/') ? keyOfAlias(ref) : keys.get(ref);
  }

  function keyOfAlias(name: string): KeyRecord | undefined {
    const alias = aliases.get(name);
    return alias && keys.get(alias.targetKeyId);
  }

  function existing(ref: string): KeyRecord {
    const key = findKey(ref);
    if (key) return key;
    const what = ref.startsWith('alias/') || ref.includes(':alias/') ? 'Alias' : 'Key';
    const shown = ref.startsWith('alias/') ? prefix + ref : ref.startsWith('arn:') ? ref : `${prefix}key/${ref}`;
    throw new AwsFault('NotFoundException', `${what} '${shown}' ${what === 'Alias' ? 'is not found.' : 'does not exist'}`);
  }

  /** AWS: "Specify the key ID or key ARN" for these operations; an alias is an invalid key id (moto mirrors the message). */
  function byId(ref: string): KeyRecord {
    if (ref.startsWith('alias/') || /^arn:[^:]+:kms:[^:]*:[^:]*:alias\//.test(ref)) {
      throw new AwsFault('NotFoundException', `Invalid keyId ${ref}`);
    }
    return existing(ref);
  }

  /** Customer keys only: AWS-managed keys are AWS's to manage. */
  function managed(ref: string): KeyRecord {
    const key = byId(ref);
    if (key.manager === 'AWS') {
      throw new AwsFault('NotAuthorizedException', `${key.arn} is an AWS managed key and cannot be modified.`);
    }
    return key;
  }

  function invalidState(key: KeyRecord): AwsFault {
    return new AwsFault('KMSInvalidStateException', `${key.arn} is ${key.state === 'PendingDeletion' ? 'pending deletion' : key.state}.`);
  }

  function createKey(o: { description?: string; manager?: KeyRecord['manager'] } = {}): KeyRecord {
    const keyId = newKeyId();
    const key: KeyRecord = {
      keyId,
      arn: `${prefix}key/${keyId}`,
      state: 'Enabled',
      spec: 'SYMMETRIC_DEFAULT',
      usage: 'ENCRYPT_DECRYPT',
      manager: o.manager ?? 'CUSTOMER',
      ...(o.description === undefined ? {} : { description: o.description }),
    };
    keys.set(keyId, key);
    created.set(keyId, new Date());
    return key;
  }

  function addAlias(name: string, key: KeyRecord): AliasRecord {
    const alias = { name, arn: prefix + name, targetKeyId: key.keyId };
    aliases.set(name, alias);
    return alias;
  }

  /** KMS: "After the waiting period ends, KMS deletes the KMS key ... including all aliases that refer to it" (ScheduleKeyDeletion). */
  function deleteKey(key: KeyRecord): void {
    keys.delete(key.keyId);
    for (const [name, alias] of aliases) if (alias.targetKeyId === key.keyId) aliases.delete(name);
  }

  return {
    findKey,
    requireKey: existing,
    requireKeyById: byId,
    createKey,
    createAlias(name, keyRef) {
      if (!/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(name)) {
        throw new AwsFault('ValidationException', `Alias must start with the prefix "alias/" and use only [a-zA-Z0-9/_-]: ${name}`);
      }
      if (name.startsWith('alias/aws/')) {
        throw new AwsFault('NotAuthorizedException', 'Cannot create alias with prefix \'alias/aws/\'');
      }
      if (aliases.has(name)) throw new AwsFault('AlreadyExistsException', `An alias with the name ${prefix + name} already exists`);
      const key = existing(keyRef);
      if (key.manager === 'AWS') throw new AwsFault('NotAuthorizedException', 'Cannot alias an AWS managed key.');
      if (key.state === 'PendingDeletion') throw invalidState(key);
      return addAlias(name, key);
    },
    awsManagedKey(service) {
      const name = `alias/aws/${service}`;
      const found = keyOfAlias(name);
      if (found) return found;
      const description = `Default key that protects my ${service.toUpperCase()} volumes when no other key is defined`;
      const key = createKey({ manager: 'AWS', description });
      addAlias(name, key);
      return key;
    },
    keyCreationDate: (keyId) => created.get(keyId) ?? new Date(0),
    disableKey(ref) {
      const key = managed(ref);
      if (key.state === 'PendingDeletion') throw invalidState(key);
      key.state = 'Disabled';
      return key;
    },
    enableKey(ref) {
      const key = managed(ref);
      if (key.state === 'PendingDeletion') throw invalidState(key);
      key.state = 'Enabled';
      return key;
    },
    scheduleKeyDeletion(ref, days = 30) {
      if (!Number.isInteger(days) || days < 7 || days > 30) {
        throw new AwsFault('ValidationException',
          `1 validation error detected: Value '${days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between 7 and 30`);
      }
      const key = managed(ref);
      if (key.state === 'PendingDeletion') throw invalidState(key);
      key.state = 'PendingDeletion';
      const deletionDate = new Date(Date.now() + days * DAY_MS).toISOString();
      key.deletionDate = deletionDate;
      const wait = clock?.scaled(days * DAY_MS);
      if (wait !== undefined && wait <= MAX_TIMER_MS) {
        // Only this schedule's end: a cancelled (or cancelled and re-scheduled) deletion keeps the key.
        setTimeout(() => key.state === 'PendingDeletion' && key.deletionDate === deletionDate && deleteKey(key), wait).unref();
      }
      return key;
    },
    cancelKeyDeletion(ref) {
      const key = managed(ref);
      if (key.state !== 'PendingDeletion') throw invalidState(key);
      key.state = 'Disabled';
      delete key.deletionDate;
      return key;
    },
    completeKeyDeletion(ref) {
      const key = existing(ref);
      if (key.state !== 'PendingDeletion') throw new Error(`${key.arn} is ${key.state}: only a key scheduled for deletion is deleted`);
      deleteKey(key);
      return key;
    },
  };
}
