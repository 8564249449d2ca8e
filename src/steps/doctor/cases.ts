// The document's "Operator Errors on KMS CMK deletion", found: every key the deployment depends on
// that EBS cannot use (Disabled, PendingDeletion, gone), with what depends on it, the consequences
// the document lists for each of those, and the remedy. Reads only.

import type { FleetReport } from '../fleet/report.js';
import type { Reads } from '../gateways.js';
import { consequences, remedy } from './advice.js';
import { keyState, usable, type KeyState } from './key-state.js';
import { keyDependencies, type KeyDependency } from './uses.js';

export interface KeyCase extends KeyState {
  uses: KeyDependency[];
  consequences: string[];
  remedy: string[];
}

export interface DoctorReport {
  /** Every key looked at, with its state. */
  keys: KeyState[];
  cases: KeyCase[];
  ok: boolean;
}

export async function findKeyCases(reads: Pick<Reads, 'ec2' | 'kms'>, report: FleetReport): Promise<DoctorReport> {
  const deps = await keyDependencies(reads, report);
  const byRef = new Map<string, KeyDependency[]>();
  for (const d of deps) byRef.set(d.keyRef, [...(byRef.get(d.keyRef) ?? []), d]);
  const keys: KeyState[] = [];
  const cases: KeyCase[] = [];
  for (const [ref, uses] of byRef) {
    const state = await keyState(reads, ref);
    keys.push(state);
    if (!usable(state)) cases.push({ ...state, uses, consequences: consequences(uses), remedy: remedy(state, uses) });
  }
  return { keys, cases, ok: cases.length === 0 };
}
