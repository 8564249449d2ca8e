// The REAL AwsGateway over SDK clients mocked with aws-sdk-client-mock, SDK response shapes,
// and a tiny in-memory EC2 "world" answering the Describe* calls; for the step tests.

import { expect } from '@jest/globals';
import {
  AttachVolumeCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DeleteTagsCommand,
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

export const REGION = 'eu-west-1';

/** Every mutating EC2 command the gateway can send. */
export const MUTATIONS = [
  CreateVolumeCommand,
  StopInstancesCommand,
  StartInstancesCommand,
  AttachVolumeCommand,
  DetachVolumeCommand,
  ModifyInstanceAttributeCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
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
  /** The AMI it was launched from. */
  image?: string;
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
    ...(s.image ? { ImageId: s.image } : {}),
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
      // By ids, or by an instance-id filter (the batched read): each named instance moves along its queue.
      const named = input.InstanceIds ?? input.Filters?.find((f) => f.Name === 'instance-id')?.Values;
      if (named) {
        const found = named.flatMap((id) => (this.instances.has(id) ? [Ec2World.take(this.instances.get(id)!)] : []));
        return { Reservations: found.length ? [{ Instances: found }] : [] };
      }
      const ips = input.Filters?.find((f) => f.Name === 'private-ip-address')?.Values ?? [];
      const vpc = input.Filters?.find((f) => f.Name === 'vpc-id')?.Values;
      const all = [...this.instances.values()].map((q) => q[0]!);
      const found = all.filter((i) => ips.includes(i.PrivateIpAddress ?? '') && (!vpc || vpc.includes(i.VpcId ?? '')));
      return { Reservations: found.map((i) => ({ Instances: [i] })) };
    });
    ec2.on(DescribeVolumesCommand).callsFake((input: DescribeVolumesCommandInput) => {
      const named = input.VolumeIds ?? input.Filters?.find((f) => f.Name === 'volume-id')?.Values;
      if (named) {
        return { Volumes: named.flatMap((id) => (this.volumes.has(id) ? [Ec2World.take(this.volumes.get(id)!)] : [])) };
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
