// create-volumes over the real gateway (mocked EC2): exact CreateVolume requests, adoption of
// this run's volumes, a fresh token after a failed volume, and the wait until all are available.
import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  CreateVolumeCommand, DescribeVolumesCommand, EC2Client, type CreateVolumeCommandInput,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { clientToken } from '../../src/aws/client-token.js';
import { TAG } from '../../src/aws/types.js';
import type { ControllerData, ControllerNode } from '../../src/steps/controller/context.js';
import { WaitFailedError, WaitTimeoutError } from '../../src/steps/errors.js';
import {
  Ec2World, FakeAvi, KEY_ARN, REGION, RUN_ID, T0, changed, clusterOf, dataWith, effectsFor, makeDeps, node, realGateway, rejection,
  runScope, runtimeOf, signal, type VolumeSpec,
} from './helpers.js';

const ec2 = mockClient(EC2Client);

beforeEach(() => {
  ec2.reset();
});

const tagsFor = (ip: string) => ({ [TAG.runId]: RUN_ID, [TAG.role]: 'encrypted-root', [TAG.node]: ip });

/**
 * Installs the world, and a CreateVolume that adds the created volume to it: the volume then
 * answers DescribeVolumes with `after` states in turn (default: creating, then available).
 */
function setup(world: Ec2World, after: (input: CreateVolumeCommandInput, n: number) => string[] = () => ['creating', 'available']) {
  world.install(ec2);
  let n = 0;
  ec2.on(CreateVolumeCommand).callsFake((input: CreateVolumeCommandInput) => {
    const id = `vol-new-${++n}`;
    const tags = Object.fromEntries((input.TagSpecifications?.[0]?.Tags ?? []).map((t) => [t.Key!, t.Value!]));
    const base: VolumeSpec = {
      id, az: input.AvailabilityZone!, encrypted: true, kmsKeyId: input.KmsKeyId!, size: input.Size!, type: input.VolumeType!, tags,
    };
    world.volume(...after(input, n).map((state) => ({ ...base, state })));
    return { VolumeId: id, State: 'creating', AvailabilityZone: input.AvailabilityZone, Encrypted: true, KmsKeyId: input.KmsKeyId, Size: input.Size };
  });
  const deps = makeDeps(realGateway(), new FakeAvi(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [])]));
  return { deps, create: creator(deps) };
}

/** create-volumes for the run, over the data; the scope shows what its wait reported. */
function creator(deps: ReturnType<typeof makeDeps>) {
  const effect = effectsFor(deps)['create-volumes'];
  return (data: ControllerData, opts: { deadline?: number } = {}) => {
    const scope = runScope(data, opts);
    return { scope, out: changed(effect.run(scope, signal())) };
  };
}

const three = (): ControllerNode[] => [
  node('10.0.0.2', 'follower', { availabilityZone: `${REGION}b` }),
  node('10.0.0.3', 'follower', { availabilityZone: `${REGION}c`, volumeType: 'io2', iops: 6000, throughput: undefined, size: 200 }),
  node('10.0.0.1', 'leader', { volumeType: 'gp2', iops: 384, throughput: undefined, size: 40 }),
];

function createInputs(): CreateVolumeCommandInput[] {
  return ec2.commandCalls(CreateVolumeCommand).map((c) => c.args[0].input);
}

describe('create-volumes', () => {
  it('creates one encrypted, tagged volume per node with an idempotency token, then waits for all to be available', async () => {
    const { deps, create } = setup(new Ec2World());
    const { scope, out: running } = create(dataWith({ nodes: three() }));
    const out = await running;

    expect(ec2).toHaveReceivedCommandTimes(CreateVolumeCommand, 3);
    const inputs = createInputs();
    expect(inputs[0]).toEqual({
      SnapshotId: 'snap-enc',
      AvailabilityZone: `${REGION}b`,
      Encrypted: true,
      KmsKeyId: KEY_ARN,
      VolumeType: 'gp3',
      ClientToken: clientToken(RUN_ID, 'create-volume:10.0.0.2:0'),
      TagSpecifications: [{ ResourceType: 'volume', Tags: [
        { Key: TAG.runId, Value: RUN_ID },
        { Key: TAG.role, Value: 'encrypted-root' },
        { Key: TAG.node, Value: '10.0.0.2' },
        { Key: 'Name', Value: 'avi-encrypt root for Controller 10.0.0.2' },
      ] }],
      Size: 128, // max(old 128, snapshot 64)
      Iops: 3000,
      Throughput: 125,
    });
    // io2 keeps its iops but has no throughput; size max(200, 64).
    expect(inputs[1]).toMatchObject({ AvailabilityZone: `${REGION}c`, VolumeType: 'io2', Iops: 6000, Size: 200 });
    expect(inputs[1]).not.toHaveProperty('Throughput');
    // gp2 provisions no iops: dropped; a 40 GiB old root grows to the 64 GiB snapshot.
    expect(inputs[2]).toMatchObject({ VolumeType: 'gp2', Size: 64 });
    expect(inputs[2]).not.toHaveProperty('Iops');
    // One token per node, all within EC2's 64 characters.
    const tokens = inputs.map((i) => i.ClientToken!);
    expect(new Set(tokens).size).toBe(3);
    for (const t of tokens) expect(t.length).toBeLessThanOrEqual(64);

    // Each node got its own volume, nothing else in the node changed.
    expect(out.nodes!.map((n) => [n.ip, n.newVolumeId])).toEqual([['10.0.0.2', 'vol-new-1'], ['10.0.0.3', 'vol-new-2'], ['10.0.0.1', 'vol-new-3']]);
    expect(out.nodes![0]).toEqual({ ...three()[0], newVolumeId: 'vol-new-1' });
    // Looked for this run's volume per node first (tag filters), then polled by id: creating, then available.
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, {
      Filters: [
        { Name: `tag:${TAG.runId}`, Values: [RUN_ID] },
        { Name: `tag:${TAG.role}`, Values: ['encrypted-root'] },
        { Name: `tag:${TAG.node}`, Values: ['10.0.0.3'] },
        { Name: 'status', Values: ['creating', 'available', 'in-use', 'error'] },
      ],
    });
    expect(deps.clock.sleeps).toEqual([10_000]);
    expect(scope.waits).toEqual([
      { awaits: 'encrypted volumes available', value: '3 of 3 creating' },
      { awaits: 'encrypted volumes available', value: 'available' },
    ]);
  });

  it('adopts a volume this run already created (no CreateVolume sent)', async () => {
    const world = new Ec2World().volume({ id: 'vol-earlier', state: 'creating', encrypted: true, kmsKeyId: KEY_ARN, tags: tagsFor('10.0.0.2') },
      { id: 'vol-earlier', state: 'available', encrypted: true, kmsKeyId: KEY_ARN, tags: tagsFor('10.0.0.2') });
    const { create } = setup(world);
    const out = await create(dataWith({ nodes: [node('10.0.0.2', 'leader')] })).out;
    expect(ec2).not.toHaveReceivedCommand(CreateVolumeCommand);
    expect(out.nodes![0]!.newVolumeId).toBe('vol-earlier');
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, { Filters: [{ Name: 'volume-id', Values: ['vol-earlier'] }] });
  });

  it('a volume tagged for another node or another run is not adopted', async () => {
    const world = new Ec2World()
      .volume({ id: 'vol-other-node', tags: tagsFor('10.0.0.9') })
      .volume({ id: 'vol-other-run', tags: { ...tagsFor('10.0.0.2'), [TAG.runId]: 'run-older' } });
    const { create } = setup(world);
    const out = await create(dataWith({ nodes: [node('10.0.0.2', 'leader')] })).out;
    expect(ec2).toHaveReceivedCommandTimes(CreateVolumeCommand, 1);
    expect(out.nodes![0]!.newVolumeId).toBe('vol-new-1');
  });

  it('a node whose root is already encrypted gets no volume and is left as it is', async () => {
    const { create } = setup(new Ec2World());
    const done = node('10.0.0.3', 'follower', { alreadyEncrypted: true });
    const out = await create(dataWith({ nodes: [node('10.0.0.2', 'follower'), done, node('10.0.0.1', 'leader')] })).out;
    expect(ec2).toHaveReceivedCommandTimes(CreateVolumeCommand, 2);
    expect(ec2).not.toHaveReceivedCommandWith(DescribeVolumesCommand, { Filters: expect.arrayContaining([{ Name: `tag:${TAG.node}`, Values: ['10.0.0.3'] }]) as never });
    expect(out.nodes![1]).toEqual(done);
  });

  it('fails with WaitFailedError when a volume goes to error; the retry does not adopt it and sends a new token', async () => {
    const world = new Ec2World();
    // The first volume created errors (an unusable key); later ones become available.
    const { create, deps } = setup(world, (_input, n) => (n === 1 ? ['creating', 'error'] : ['creating', 'available']));
    const data = dataWith({ nodes: [node('10.0.0.2', 'leader')] });

    const e = await rejection(create(data).out);
    expect(e).toBeInstanceOf(WaitFailedError);
    expect(e.message).toContain('vol-new-1 went to state error');
    expect(e.message).toContain(KEY_ARN);
    expect(e.message).toContain('resume');
    const firstToken = createInputs()[0]!.ClientToken;

    // Resume: the errored volume is still there, tagged for the node.
    ec2.resetHistory();
    deps.clock.sleeps.length = 0;
    const out = await create(data).out;
    expect(ec2).toHaveReceivedCommandTimes(CreateVolumeCommand, 1);
    const secondToken = createInputs()[0]!.ClientToken;
    expect(secondToken).not.toBe(firstToken);
    expect(secondToken).toBe(clientToken(RUN_ID, 'create-volume:10.0.0.2:1'));
    expect(out.nodes![0]!.newVolumeId).toBe('vol-new-2');
  });

  it('an errored volume the operator deleted before resuming: its token is answered with the failed volume, the next token creates a new one', async () => {
    // EC2 honours ClientToken: a repeated token returns the original (here: deleted) volume, not a new one.
    const world = new Ec2World();
    world.install(ec2);
    const byToken = new Map<string, string>();
    let n = 0;
    ec2.on(CreateVolumeCommand).callsFake((input: CreateVolumeCommandInput) => {
      const known = byToken.get(input.ClientToken!);
      if (known) return { VolumeId: known, State: 'error' };
      const id = `vol-new-${++n}`;
      byToken.set(input.ClientToken!, id);
      const tags = Object.fromEntries((input.TagSpecifications?.[0]?.Tags ?? []).map((t) => [t.Key!, t.Value!]));
      const base: VolumeSpec = { id, encrypted: true, kmsKeyId: input.KmsKeyId!, tags };
      // The first volume fails (unusable key); later ones work.
      world.volume(...(n === 1 ? ['creating', 'error'] : ['creating', 'available']).map((state) => ({ ...base, state })));
      return { VolumeId: id, State: 'creating' };
    });
    const create = creator(makeDeps(realGateway(), new FakeAvi(clusterOf(['10.0.0.2']), [runtimeOf('CLUSTER_UP_NO_HA', [])])));
    const data = dataWith({ nodes: [node('10.0.0.2', 'leader')] });

    await expect(create(data).out).rejects.toThrow(WaitFailedError);
    // As AWS advises for a volume in `error`: the operator deletes it, fixes the key, resumes.
    world.volumes.delete('vol-new-1');
    ec2.resetHistory();

    const out = await create(data).out;
    const tokens = createInputs().map((i) => i.ClientToken);
    expect(tokens).toEqual([clientToken(RUN_ID, 'create-volume:10.0.0.2:0'), clientToken(RUN_ID, 'create-volume:10.0.0.2:1')]);
    expect(out.nodes![0]!.newVolumeId).toBe('vol-new-2');
  });

  it('does not adopt a pre-existing errored volume: creates a new one with a token other than attempt 0', async () => {
    const world = new Ec2World().volume({ id: 'vol-broken', state: 'error', tags: tagsFor('10.0.0.2') });
    const { create } = setup(world);
    const out = await create(dataWith({ nodes: [node('10.0.0.2', 'leader')] })).out;
    expect(out.nodes![0]!.newVolumeId).toBe('vol-new-1');
    expect(ec2).toHaveReceivedCommandWith(CreateVolumeCommand, { ClientToken: clientToken(RUN_ID, 'create-volume:10.0.0.2:1') });
    expect(ec2).not.toHaveReceivedCommandWith(CreateVolumeCommand, { ClientToken: clientToken(RUN_ID, 'create-volume:10.0.0.2:0') });
  });

  it('times out with WaitTimeoutError at the deadline, sleeping no further than the deadline', async () => {
    const { create, deps } = setup(new Ec2World(), () => ['creating']);
    const e = await rejection(create(dataWith({ nodes: [node('10.0.0.2', 'leader')] }), { deadline: T0 + 25_000 }).out);
    expect(e).toBeInstanceOf(WaitTimeoutError);
    expect(e.message).toContain('encrypted volumes available');
    expect(e.message).toContain('1 of 1 creating');
    expect(deps.clock.sleeps).toEqual([10_000, 10_000, 5_000]);
    expect(deps.clock.t).toBe(T0 + 25_000);
    expect(ec2).toHaveReceivedCommandTimes(CreateVolumeCommand, 1);
  });

  it('a deadline already past: looks once, then WaitTimeoutError without sleeping', async () => {
    const { create, deps } = setup(new Ec2World(), () => ['creating']);
    const e = await rejection(create(dataWith({ nodes: [node('10.0.0.2', 'leader')] }), { deadline: T0 - 1 }).out);
    expect(e).toBeInstanceOf(WaitTimeoutError);
    expect(deps.clock.sleeps).toEqual([]);
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, { Filters: [{ Name: 'volume-id', Values: ['vol-new-1'] }] });
  });

  it('without the preflight results it refuses before creating anything', async () => {
    const { create } = setup(new Ec2World());
    await expect(create(dataWith({ nodes: [node('10.0.0.2', 'leader')], rootSnapshotId: undefined })).out).rejects.toThrow(/rootSnapshotId/);
    expect(ec2).not.toHaveReceivedCommand(CreateVolumeCommand);
  });
});

