// Shared fixtures for the step tests: the REAL AwsGateway over mocked SDK clients and a tiny
// EC2 world (ec2-world.ts), a fake AviGateway (fake-avi.ts), StepDeps with their reads and
// writes split by domain and a fake clock that advances on sleep, and the Scope an effect sees
// (its item, its deadline, and a report() that records what its waits saw).

import type { AwsGateway } from '../../src/aws/types.js';
import type { AviGateway } from '../../src/avi/types.js';
import type { ControllerData, ControllerNode } from '../../src/steps/controller/context.js';
import { controllerSteps } from '../../src/steps/controller/index.js';
import type { StepDeps } from '../../src/steps/deps.js';
import type { Effect, Scope } from '../../src/steps/effect.js';
import { REGION } from './ec2-world.js';
import { FakeShell } from './fake-shell.js';

export * from './ec2-world.js';
export * from './fake-avi.js';
export * from './fake-shell.js';

export const KEY_ID = '0b7f3f5e-1111-4222-8333-944444444444';
export const KEY_ARN = `arn:aws:kms:${REGION}:123456789012:key/${KEY_ID}`;
export const OTHER_KEY_ARN = `arn:aws:kms:${REGION}:123456789012:key/99999999-1111-4222-8333-944444444444`;
export const RUN_ID = 'run-2024-0001';
export const T0 = 1_700_000_000_000;

// ---------- deps with a fake clock, and the scope a step sees ----------

export interface TestDeps extends StepDeps {
  clock: { t: number; sleeps: number[] };
  /** Files written through deps.files, by path. */
  saved: Map<string, string>;
}

/**
 * StepDeps over one AWS gateway and one Avi gateway, split by domain the way connectTarget
 * splits the real ones. The clock only moves when a step sleeps.
 */
export function makeDeps(aws: AwsGateway, avi: AviGateway, shell: FakeShell = new FakeShell()): TestDeps {
  const clock = { t: T0, sleeps: [] as number[] };
  const saved = new Map<string, string>();
  return {
    reads: { ec2: aws, kms: aws, cluster: avi, cloud: avi, engines: avi, shell, access: avi },
    writes: { ec2: aws, cluster: avi, cloud: avi, engines: avi, shell },
    clock,
    saved,
    files: {
      async save(name, text) {
        const path = `/runs/${RUN_ID}/backups/${name}`;
        saved.set(path, text);
        return path;
      },
      async load(path) {
        const text = saved.get(path);
        if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
        return text;
      },
    },
    backupPassphrase: async () => 'correct horse battery staple',
    nodePassword: async () => 'initial-admin-password',
    pollIntervalMs: 10_000,
    sleep: async (ms, signal) => {
      signal.throwIfAborted();
      clock.sleeps.push(ms);
      clock.t += ms;
    },
    now: () => clock.t,
  };
}

/** The Controller effects, by id, as the engine provides them: `effects[id].run(scope, signal)`. */
export function effectsFor(deps: StepDeps): ReturnType<typeof controllerSteps> {
  return controllerSteps(deps);
}

/** A scope that records what its waits report, in order. */
export type TestScope<I> = Scope<ControllerData, I> & { waits: Array<{ awaits: string; value: string }> };

export interface ScopeOptions {
  /** Epoch ms on the fake clock; default 10 minutes after T0. */
  deadline?: number;
  /** Where report() records; several scopes may share one list. */
  waits?: TestScope<unknown>['waits'];
}

function scopeOf<I>(data: ControllerData, item: I, key: string, opts: ScopeOptions): TestScope<I> {
  const waits = opts.waits ?? [];
  return {
    runId: RUN_ID, data, item, key, parents: [], deadline: opts.deadline ?? T0 + 600_000, waits,
    report: (awaits, value) => void waits.push({ awaits, value }),
  };
}

/** The run's own scope (steps outside the nodes loop). */
export function runScope(data: ControllerData, opts: ScopeOptions = {}): TestScope<ControllerData> {
  return scopeOf(data, data, '', opts);
}

/** The scope of one node inside the nodes loop, found by its IP, keyed by it as the engine keys it. */
export function nodeScope(data: ControllerData, ip: string, opts: ScopeOptions = {}): TestScope<ControllerNode> {
  const item = data.nodes.find((n) => n.ip === ip);
  if (!item) throw new Error(`test setup: no node ${ip} in the data`);
  return scopeOf(data, item, ip, opts);
}

export type ControllerEffects = ReturnType<typeof controllerSteps>;
/** Ids of the effects that work on one node (inside the nodes loop, rollback included). */
export type NodeStepId = {
  [K in keyof ControllerEffects]: ControllerEffects[K] extends Effect<ControllerData, infer I> ? (ControllerNode extends I ? K : never) : never;
}[keyof ControllerEffects];

/** Runs a node effect by id (the table mixes run-level and node-level effects, so an id union needs this). */
export function runNodeStep(effects: ControllerEffects, id: NodeStepId, scope: Scope<ControllerData, ControllerNode>, sig = signal()) {
  return (effects[id] as Effect<ControllerData, ControllerNode>).run(scope, sig);
}

// ---------- the runbook's data ----------

export function node(ip: string, role: ControllerNode['role'], extra: Partial<ControllerNode> = {}): ControllerNode {
  return {
    ip, role, instanceId: `i-${ip}`, availabilityZone: `${REGION}a`, rootDevice: '/dev/xvda', oldVolumeId: `vol-old-${ip}`,
    deleteOnTermination: true, volumeType: 'gp3', size: 128, iops: 3000, throughput: 125, ...extra,
  };
}

/** controller-swap data after preflight (key, snapshot), with the given nodes and overrides. */
export function dataWith(extra: Partial<ControllerData> = {}): ControllerData {
  return {
    controller: 'https://avi.example', kmsKey: 'alias/avi-ebs', encryptedAmi: 'ami-enc', keyArn: KEY_ARN,
    rootSnapshotId: 'snap-enc', rootSnapshotSize: 64, nodes: [], ...extra,
  };
}

export const signal = (): AbortSignal => new AbortController().signal;

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  const outcome = await p.then(
    (v) => ({ ok: true as const, v }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  if (outcome.ok) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.v)}`);
  return outcome.e as Error;
}

/** The fields a step changed (fails the test when it changed none). */
export async function changed<T>(p: Promise<Partial<T> | void>): Promise<Partial<T>> {
  const out = await p;
  if (!out) throw new Error('expected the step to return the fields it changed, got nothing');
  return out;
}
