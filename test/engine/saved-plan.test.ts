// Saved plans without a lab: the world fingerprint and what changed, the plan file refused when
// it is not a plan, and a plan made now that differs from the saved one.

import { describe, expect, it } from '@jest/globals';
import { EXIT, UserFacingError } from '../../src/engine/exit-codes.js';
import { refuseOtherPlan } from '../../src/engine/saved-plan/apply.js';
import { parseSavedPlan, SAVED_PLAN_FORMAT, SAVED_PLAN_KIND, type SavedPlan } from '../../src/engine/saved-plan/file.js';
import { worldChange, worldFacts, worldFingerprint } from '../../src/engine/saved-plan/world.js';
import { PLAN_VERSION, type Plan } from '../../src/engine/plan/types.js';
import type { AnyRunbookModule } from '../../src/runbook/module.js';
import type { Settings } from '../../src/runbook/settings.js';
import type { Reads } from '../../src/steps/gateways.js';

const FACTS = [
  { key: 'runbook shape', value: 'abc123' },
  { key: 'node 10.0.0.2 instance i-2', value: 'follower, running' },
  { key: 'encrypted AMI ami-1', value: 'available, root snapshot snap-1' },
];

describe('the world fingerprint', () => {
  it('is the same for the same facts in any order, and another for any other value', () => {
    expect(worldFingerprint([...FACTS].reverse())).toBe(worldFingerprint(FACTS));
    expect(worldFingerprint(FACTS)).toMatch(/^[0-9a-f]{16}$/);
    expect(worldFingerprint([{ ...FACTS[0]! }, { ...FACTS[1]!, value: 'follower, stopped' }, FACTS[2]!])).not.toBe(worldFingerprint(FACTS));
  });

  it('names the first change in one line, and how many more there are', () => {
    expect(worldChange(FACTS, [...FACTS].reverse())).toBeUndefined();
    expect(worldChange(FACTS, [FACTS[0]!, { ...FACTS[1]!, value: 'follower, stopped' }, FACTS[2]!]))
      .toBe('node 10.0.0.2 instance i-2: was follower, running, is now follower, stopped');
    expect(worldChange(FACTS, [...FACTS, { key: 'node 10.0.0.4 instance i-4', value: 'follower, running' }]))
      .toBe('node 10.0.0.4 instance i-4 is new (follower, running)');
    expect(worldChange(FACTS, [FACTS[0]!, { key: 'runbook shape x', value: '1' }]))
      .toBe('node 10.0.0.2 instance i-2 is gone (was: follower, running) (and 2 more changes)');
  });

  it('holds the runbook shape, the key (its ARN when named by alias) and the module\'s facts, or its targets when it has none', async () => {
    const reads = { kms: { describeKey: async () => ({ arn: 'arn:aws:kms:eu-west-1:1:key/k', state: 'PendingDeletion', deletionDate: '2026-12-06T00:00:00.000Z' }) } } as unknown as Reads;
    const module = { targets: () => [{ key: '10.0.0.2', line: '10.0.0.2 follower i-2 root vol-2' }] } as unknown as AnyRunbookModule;
    const facts = await worldFacts(module, { kmsKey: 'alias/avi' } as Settings, reads, {}, 'abc123');
    expect(facts).toEqual([
      { key: 'runbook shape', value: 'abc123' },
      { key: 'KMS key alias/avi', value: 'arn:aws:kms:eu-west-1:1:key/k PendingDeletion (deletion on 2026-12-06T00:00:00.000Z)' },
      { key: 'target 10.0.0.2', value: '10.0.0.2 follower i-2 root vol-2' },
    ]);
  });
});

const plan = (steps: Plan['steps'] = [{ n: 1, id: 'stop-node', title: 'Shut down the Controller', kind: 'action', item: '10.0.0.2', down: [], calls: [] }]): Plan => ({
  version: PLAN_VERSION, strategy: 'controller-swap', fingerprint: 'abc123', document: 'doc', target: 'Controller https://c', region: 'eu-west-1',
  targets: [{ key: '10.0.0.2', line: '10.0.0.2 follower' }], gates: [], rollback: [], steps,
});

function saved(extra: Partial<SavedPlan> = {}): SavedPlan {
  return {
    kind: SAVED_PLAN_KIND, format: SAVED_PLAN_FORMAT, createdAt: '2026-11-29T10:00:00.000Z', toolVersion: '0.1.0',
    settings: {
      strategy: 'controller-swap', avi: { controller: 'https://c', username: 'admin', tenant: 'admin' }, aws: { region: 'eu-west-1' },
      kmsKey: 'alias/avi', stateDir: './.avi-encrypt', pollIntervalMs: 10_000, waitTimeoutMs: 1_800_000, rollback: true, runbook: { encryptedAmi: 'ami-1' },
    },
    plan: plan(), data: { nodes: [] }, world: { fingerprint: worldFingerprint(FACTS), facts: FACTS }, ...extra,
  };
}

describe('parseSavedPlan', () => {
  it('reads back what was saved', () => {
    expect(parseSavedPlan(JSON.stringify(saved()), 'p.plan')).toEqual(saved());
  });

  it.each([
    ['not JSON', 'not json {', /not JSON/],
    ['another file', JSON.stringify({ hello: 'world' }), /no "kind": "avi-encrypt-plan"/],
    ['another format', JSON.stringify({ ...saved(), format: 2 }), /format 2; this avi-encrypt reads format 1/],
    ['settings missing', JSON.stringify({ ...saved(), settings: { strategy: 'controller-swap' } }), /settings are incomplete/],
    ['a plan of another version', JSON.stringify({ ...saved(), plan: { ...plan(), version: 1 } }), /plan is missing or of another version/],
    ['facts edited by hand', JSON.stringify({ ...saved(), world: { fingerprint: worldFingerprint(FACTS), facts: FACTS.slice(1) } }), /edited or damaged/],
  ])('refuses %s: one line, exit 2, naming the file', (_what, text, why) => {
    let caught: unknown;
    try {
      parseSavedPlan(text, 'p.plan');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UserFacingError);
    const e = caught as UserFacingError;
    expect(e.exitCode).toBe(EXIT.usage);
    expect(e.message).toMatch(/^p\.plan is not an avi-encrypt plan \(/);
    expect(e.message).toMatch(why);
    expect(e.message).toContain('avi-encrypt plan --out p.plan');
    expect(e.message).not.toContain('\n');
  });
});

describe('refuseOtherPlan', () => {
  const input = { file: 'p.plan', saved: saved() };

  it('lets the same plan through', () => {
    expect(() => refuseOtherPlan(input, plan())).not.toThrow();
  });

  it('names the first step that differs, or the targets, exit 3', () => {
    const other = plan([{ n: 1, id: 'stop-node', title: 'Shut down the Controller', kind: 'action', item: '10.0.0.3', down: [], calls: [] }]);
    expect(() => refuseOtherPlan(input, other)).toThrow(/^the plan made now differs from the one in p\.plan at step 1 \(Shut down the Controller \[10\.0\.0\.2\]\); make a new plan/);
    expect(() => refuseOtherPlan(input, { ...plan(), targets: [] })).toThrow(/at its targets, gates or rollback/);
    try {
      refuseOtherPlan(input, { ...plan(), targets: [] });
    } catch (e) {
      expect((e as UserFacingError).exitCode).toBe(EXIT.preflight);
    }
  });
});
