// The world a plan was made from, as facts and their fingerprint: the runbook's shape, the key's
// ARN and state, and what the runbook says its plan depends on (its `world` hook: targets, their
// roots, the AMIs), or, for a runbook without one, its plan's target table.

import { createHash } from 'node:crypto';
import type { AnyRunbookModule, WorldFact } from '../../runbook/module.js';
import type { Settings } from '../../runbook/settings.js';
import type { Reads } from '../../steps/gateways.js';

export async function worldFacts(module: AnyRunbookModule, settings: Settings, reads: Reads, data: object, shape: string): Promise<WorldFact[]> {
  // An alias names its key in the value: re-pointing the alias to another key is a change.
  const key = await reads.kms.describeKey(settings.kmsKey).then(
    (k) => `${k.arn === settings.kmsKey ? '' : `${k.arn} `}${k.state}${k.deletionDate ? ` (deletion on ${k.deletionDate})` : ''}`,
    (e: { code?: string; message?: string }) => `not readable (${e.code ?? e.message})`,
  );
  const own = module.world
    ? await module.world(reads, data)
    : module.targets(data).map((t) => ({ key: `target ${t.key}`, value: t.line }));
  return [{ key: 'runbook shape', value: shape }, { key: `KMS key ${settings.kmsKey}`, value: key }, ...own];
}

export function worldFingerprint(facts: WorldFact[]): string {
  const text = JSON.stringify([...facts].sort((a, b) => a.key.localeCompare(b.key)).map((f) => [f.key, f.value]));
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** The first fact that reads otherwise now, in one line (and how many more do); undefined when none. */
export function worldChange(then: WorldFact[], now: WorldFact[]): string | undefined {
  const before = new Map(then.map((f) => [f.key, f.value]));
  const after = new Map(now.map((f) => [f.key, f.value]));
  const changes: string[] = [];
  for (const [key, value] of before) {
    const current = after.get(key);
    if (current === undefined) changes.push(`${key} is gone (was: ${value})`);
    else if (current !== value) changes.push(`${key}: was ${value}, is now ${current}`);
  }
  for (const [key, value] of after) if (!before.has(key)) changes.push(`${key} is new (${value})`);
  if (changes.length === 0) return undefined;
  return `${changes[0]}${changes.length > 1 ? ` (and ${changes.length - 1} more change${changes.length === 2 ? '' : 's'})` : ''}`;
}
