// Shared fixtures for the step tests: the REAL AwsGateway over SDK clients mocked with
// aws-sdk-client-mock (a tiny in-memory EC2 "world" answers the Describe* calls), a
// hand-written fake AviGateway, StepDeps with their reads and writes split by domain and a
// fake clock that advances on sleep, and the Scope an effect sees (its item, its deadline,
// and a report() that records what its waits saw).

import { expect } from '@jest/globals';
import {
  AttachVolumeCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  type DescribeInstancesCommandInput,
  type DescribeVolumesCommandInput,
  type Instance,
  type Volume,
} from '@aws-sdk/client-ec2';
import { KMSClient } from '@aws-sdk/client-kms';
import type { AwsStub } from 'aws-sdk-client-mock';
import { createAwsGateway } from '../../src/aws/gateway.js';
import type { AwsGateway } from '../../src/aws/types.js';
import type { AviGateway, ClusterConfig, ClusterRuntime, Cloud } from '../../src/avi/types.js';
import type { ControllerData, ControllerNode } from '../../src/steps/controller/context.js';
import { controllerSteps } from '../../src/steps/controller/index.js';
import type { StepDeps } from '../../src/steps/deps.js';
import type { Effect, Scope } from '../../src/steps/effect.js';

export const REGION = 'eu-west-1';
export const KEY_ID = '0b7f3f5e-1111-4222-8333-944444444444';
export const KEY_ARN = `arn:aws:kms:${REGION}:123456789012:key/${KEY_ID}`;
export const OTHER_KEY_ARN = `arn:aws:kms:${REGION}:123456789012:key/99999999-1111-4222-8333-944444444444`;
export const RUN_ID = 'run-2024-0001';
export const T0 = 1_700_000_000_000;

/** Every mutating EC2 command the gateway can send. */
export const MUTATIONS = [
  CreateVolumeCommand,
  StopInstancesCommand,
  StartInstancesCommand,
  AttachVolumeCommand,
  DetachVolumeCommand,
  ModifyInstanceAttributeCommand,
  CreateTagsCommand,
] as const;

// Loosely typed stub: the concrete AwsStub<EC2 in/out> types are verbose and irrelevant here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStub = AwsStub<any, any, any>;

export function realGateway(): AwsGateway {
  return createAwsGateway({ ec2: new EC2Client({ region: REGION }), kms: new KMSClient({ region: REGION }) });
}

/** What the SDK throws for an AWS error response: the code in `name`. */
export function awsFailure(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400, requestId: 'req-1' } });
}

/** Names of all commands the stub received, in order. */
export function commandNames(stub: AnyStub): string[] {
  return stub.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name);
}

/** Asserts the stub never received a mutating command (and shows which one if it did). */
export function expectNoMutations(stub: AnyStub): void {
  for (const cmd of MUTATIONS) expect(stub).not.toHaveReceivedCommand(cmd as typeof CreateVolumeCommand);
  expect(commandNames(stub).filter((n) => !n.startsWith('Describe'))).toEqual([]);
}

// ---------- SDK response shapes ----------

export interface InstanceSpec {
  id: string;
  ip: string;
  state?: string;
  az?: string;
  vpc?: string;
  rootDevice?: string;
  devices?: Array<{ device: string; volumeId: string; deleteOnTermination?: boolean }>;
  reason?: { code: string; message: string };
}

export function sdkInstance(s: InstanceSpec): Instance {
  const rootDevice = s.rootDevice ?? '/dev/xvda';
  return {
    InstanceId: s.id,
    State: { Name: (s.state ?? 'running') as never },
    PrivateIpAddress: s.ip,
    Placement: { AvailabilityZone: s.az ?? `${REGION}a` },
    VpcId: s.vpc ?? 'vpc-1',
    RootDeviceName: rootDevice,
    BlockDeviceMappings: (s.devices ?? [{ device: rootDevice, volumeId: `vol-${s.id}`, deleteOnTermination: true }]).map((d) => ({
      DeviceName: d.device,
      Ebs: { VolumeId: d.volumeId, DeleteOnTermination: d.deleteOnTermination ?? true, Status: 'attached' },
    })),
    ...(s.reason ? { StateReason: { Code: s.reason.code, Message: s.reason.message } } : {}),
  };
}

export interface VolumeSpec {
  id: string;
  state?: string;
  az?: string;
  encrypted?: boolean;
  kmsKeyId?: string;
  size?: number;
  type?: string;
  iops?: number;
  throughput?: number;
  attachments?: Array<{ instanceId: string; device: string; state?: string }>;
  tags?: Record<string, string>;
}

export function sdkVolume(s: VolumeSpec): Volume {
  return {
    VolumeId: s.id,
    State: (s.state ?? 'available') as never,
    AvailabilityZone: s.az ?? `${REGION}a`,
    Encrypted: s.encrypted ?? false,
    ...(s.kmsKeyId ? { KmsKeyId: s.kmsKeyId } : {}),
    Size: s.size ?? 128,
    VolumeType: (s.type ?? 'gp3') as never,
    ...(s.iops !== undefined ? { Iops: s.iops } : {}),
    ...(s.throughput !== undefined ? { Throughput: s.throughput } : {}),
    Attachments: (s.attachments ?? []).map((a) => ({
      InstanceId: a.instanceId, Device: a.device, State: (a.state ?? 'attached') as never, DeleteOnTermination: false,
    })),
    Tags: Object.entries(s.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
  };
}

// ---------- a tiny EC2 world answering Describe* ----------

/**
 * Instances and volumes by id. A value may be a queue: each describe returns the head and drops
 * it while more than one is left, so [creating, available] answers "creating" once, then "available".
 */
export class Ec2World {
  readonly instances = new Map<string, Instance[]>();
  readonly volumes = new Map<string, Volume[]>();

  instance(...seq: InstanceSpec[]): this {
    this.instances.set(seq[0]!.id, seq.map(sdkInstance));
    return this;
  }

  volume(...seq: VolumeSpec[]): this {
    this.volumes.set(seq[0]!.id, seq.map(sdkVolume));
    return this;
  }

  private static take<T>(queue: T[]): T {
    return queue.length > 1 ? queue.shift()! : queue[0]!;
  }

  /** Installs the Describe* behaviours on the stub (call after reset()). */
  install(ec2: AnyStub): void {
    ec2.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
      if (input.InstanceIds) {
        const found = input.InstanceIds.flatMap((id) => (this.instances.has(id) ? [Ec2World.take(this.instances.get(id)!)] : []));
        return { Reservations: found.length ? [{ Instances: found }] : [] };
      }
      const ips = input.Filters?.find((f) => f.Name === 'private-ip-address')?.Values ?? [];
      const vpc = input.Filters?.find((f) => f.Name === 'vpc-id')?.Values;
      const all = [...this.instances.values()].map((q) => q[0]!);
      const found = all.filter((i) => ips.includes(i.PrivateIpAddress ?? '') && (!vpc || vpc.includes(i.VpcId ?? '')));
      return { Reservations: found.map((i) => ({ Instances: [i] })) };
    });
    ec2.on(DescribeVolumesCommand).callsFake((input: DescribeVolumesCommandInput) => {
      if (input.VolumeIds) {
        return { Volumes: input.VolumeIds.flatMap((id) => (this.volumes.has(id) ? [Ec2World.take(this.volumes.get(id)!)] : [])) };
      }
      const tagFilters = (input.Filters ?? []).filter((f) => f.Name?.startsWith('tag:'));
      const status = input.Filters?.find((f) => f.Name === 'status')?.Values;
      const all = [...this.volumes.values()].map((q) => q[0]!);
      return {
        Volumes: all.filter(
          (v) =>
            (!status || status.includes(v.State ?? '')) &&
            tagFilters.every((f) => (v.Tags ?? []).some((t) => `tag:${t.Key}` === f.Name && f.Values?.includes(t.Value ?? ''))),
        ),
      };
    });
  }
}

// ---------- fake Avi ----------

export type RuntimeAnswer = ClusterRuntime | Error;

export class FakeAvi implements AviGateway {
  cluster: ClusterConfig;
  /** Answers of getClusterRuntime, as a queue (the last one repeats). */
  runtimes: RuntimeAnswer[];
  clouds: Cloud[] = [];
  exported = 'EXPORTED-CONFIG';
  probeAnswers: Array<string | undefined> = ['22.1.3'];
  readonly calls: string[] = [];
  readonly puts: ClusterConfig[] = [];
  readonly imports: Array<{ configuration: string; passphrase: string }> = [];
  readonly exports: string[] = [];

  constructor(cluster: ClusterConfig, runtimes: RuntimeAnswer[]) {
    this.cluster = cluster;
    this.runtimes = runtimes;
  }

  async login(): Promise<string> {
    this.calls.push('login');
    return '22.1.3';
  }
  async probe(): Promise<string | undefined> {
    this.calls.push('probe');
    return this.probeAnswers.length > 1 ? this.probeAnswers.shift() : this.probeAnswers[0];
  }
  async getCluster(): Promise<ClusterConfig> {
    this.calls.push('getCluster');
    return structuredClone(this.cluster);
  }
  async getClusterRuntime(): Promise<ClusterRuntime> {
    this.calls.push('getClusterRuntime');
    const next = this.runtimes.length > 1 ? this.runtimes.shift()! : this.runtimes[0]!;
    if (next instanceof Error) throw next;
    return structuredClone(next);
  }
  async putCluster(cluster: ClusterConfig): Promise<ClusterConfig> {
    this.calls.push('putCluster');
    this.puts.push(cluster);
    return cluster;
  }
  async exportConfiguration(passphrase: string): Promise<string> {
    this.calls.push('exportConfiguration');
    this.exports.push(passphrase);
    return this.exported;
  }
  async importConfiguration(configuration: string, passphrase: string): Promise<void> {
    this.calls.push('importConfiguration');
    this.imports.push({ configuration, passphrase });
  }
  async listClouds(): Promise<Cloud[]> {
    this.calls.push('listClouds');
    return this.clouds;
  }
}

export const CLUSTER_UUID = 'cluster-0c1d2e3f';

export function clusterOf(ips: string[]): ClusterConfig {
  return { uuid: CLUSTER_UUID, name: 'cluster-0-1', nodes: ips.map((ip) => ({ name: ip, ip: { addr: ip, type: 'V4' } })) };
}

export function runtimeOf(
  state: string,
  nodes: Array<{ ip: string; role?: 'CLUSTER_LEADER' | 'CLUSTER_FOLLOWER'; state?: string }>,
): ClusterRuntime {
  return {
    cluster_state: { state },
    node_states: nodes.map((n) => ({ name: n.ip, mgmt_ip: n.ip, role: n.role ?? 'CLUSTER_FOLLOWER', state: n.state ?? 'CLUSTER_ACTIVE' })),
  };
}

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
export function makeDeps(aws: AwsGateway, avi: AviGateway): TestDeps {
  const clock = { t: T0, sleeps: [] as number[] };
  const saved = new Map<string, string>();
  return {
    reads: { ec2: aws, kms: aws, cluster: avi, cloud: avi },
    writes: { ec2: aws, cluster: avi },
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
