// Document steps 3-6 and 9 for one node over the real gateway (mocked EC2): each action looks
// first and only acts when needed; each wait polls on the fake clock.
import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  AttachVolumeCommand, CreateTagsCommand, DescribeInstancesCommand, DetachVolumeCommand, EC2Client, ModifyInstanceAttributeCommand,
  StartInstancesCommand, StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AwsError, TAG } from '../../src/aws/types.js';
import type { ControllerData } from '../../src/steps/controller/context.js';
import { WaitFailedError, WaitTimeoutError } from '../../src/steps/errors.js';
import {
  Ec2World, FakeAvi, KEY_ARN, MUTATIONS, RUN_ID, T0, awsFailure, clusterOf, commandNames, dataWith, effectsFor, makeDeps, node,
  nodeScope, realGateway, rejection, runNodeStep, runtimeOf, type InstanceSpec, type NodeStepId, type TestScope, type VolumeSpec,
} from './helpers.js';

const ec2 = mockClient(EC2Client);

beforeEach(() => {
  ec2.reset();
});

// The node worked on is the second one, so a step that reads another node from the data shows.
const DATA: ControllerData = dataWith({
  nodes: [
    node('10.0.0.2', 'follower', { instanceId: 'i-2', oldVolumeId: 'vol-old-2', newVolumeId: 'vol-new-2' }),
    node('10.0.0.1', 'leader', { instanceId: 'i-1', oldVolumeId: 'vol-old-1', newVolumeId: 'vol-new-1', deleteOnTermination: true }),
  ],
});

const inst = (state: string, extra: Partial<InstanceSpec> = {}): InstanceSpec => ({
  id: 'i-1', ip: '10.0.0.1', state, devices: [{ device: '/dev/xvda', volumeId: 'vol-old-1', deleteOnTermination: true }], ...extra,
});
const oldRoot = (state: string, attachment?: string): VolumeSpec => ({
  id: 'vol-old-1', state, ...(attachment ? { attachments: [{ instanceId: 'i-1', device: '/dev/xvda', state: attachment }] } : {}),
});
const newRoot = (state: string, attachment?: string, device = '/dev/xvda', instanceId = 'i-1'): VolumeSpec => ({
  id: 'vol-new-1', state, encrypted: true, kmsKeyId: KEY_ARN, ...(attachment ? { attachments: [{ instanceId, device, state: attachment }] } : {}),
});

/** The effects over the world; `run` works on node 10.0.0.1, and every wait it runs reports into `waits`. */
function setup(world: Ec2World) {
  world.install(ec2);
  const deps = makeDeps(realGateway(), new FakeAvi(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [])]));
  const effects = effectsFor(deps);
  const waits: TestScope<unknown>['waits'] = [];
  const run = (id: NodeStepId, opts: { data?: ControllerData; deadline?: number } = {}) =>
    runNodeStep(effects, id, nodeScope(opts.data ?? DATA, '10.0.0.1', { waits, ...(opts.deadline ? { deadline: opts.deadline } : {}) }));
  return { deps, waits, run };
}

/** Asserts exactly these mutating commands (by name, in order) were sent. */
function expectMutations(names: string[]): void {
  const mutating = new Set<string>(MUTATIONS.map((m) => m.name));
  expect(commandNames(ec2).filter((n) => mutating.has(n))).toEqual(names);
}

describe('stop-node', () => {
  it('stops a running node: StopInstances for its instance only, not forced', async () => {
    const { run } = setup(new Ec2World().instance(inst('running')));
    await expect(run('stop-node')).resolves.toBeUndefined();
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { InstanceIds: ['i-1'] });
    expect(ec2.commandCalls(StopInstancesCommand).map((c) => c.args[0].input)).toEqual([{ InstanceIds: ['i-1'] }]);
    expectMutations(['StopInstancesCommand']);
  });

  it.each(['stopped', 'stopping'])('does nothing when the node is already %s', async (state) => {
    const { run } = setup(new Ec2World().instance(inst(state)));
    await run('stop-node');
    expect(ec2).toHaveReceivedCommand(DescribeInstancesCommand);
    expect(ec2).not.toHaveReceivedCommand(StopInstancesCommand);
  });

  it('an AWS refusal surfaces as AwsError with its code', async () => {
    const { run } = setup(new Ec2World().instance(inst('running')));
    ec2.on(StopInstancesCommand).rejects(awsFailure('UnauthorizedOperation', 'You are not authorized'));
    const e = await rejection(run('stop-node'));
    expect(e).toBeInstanceOf(AwsError);
    expect((e as AwsError).code).toBe('UnauthorizedOperation');
  });
});

describe('node-stopped', () => {
  it('polls until stopped', async () => {
    const { run, deps, waits } = setup(new Ec2World().instance(inst('stopping'), inst('stopping'), inst('stopped')));
    await run('node-stopped');
    expect(waits.map((w) => w.value)).toEqual(['stopping', 'stopping', 'stopped']);
    expect(deps.clock.sleeps).toEqual([10_000, 10_000]);
    expectMutations([]);
  });

  it.each(['terminated', 'shutting-down'])('a %s instance fails the wait at once', async (state) => {
    const { run, deps, waits } = setup(new Ec2World().instance(inst(state)));
    const e = await rejection(run('node-stopped'));
    expect(e).toBeInstanceOf(WaitFailedError);
    expect(e.message).toContain(`i-1 (10.0.0.1) is ${state}`);
    expect(deps.clock.sleeps).toEqual([]);
  });

  it('times out at the deadline with the last state seen', async () => {
    const { run, deps, waits } = setup(new Ec2World().instance(inst('stopping')));
    const e = await rejection(run('node-stopped', { deadline: T0 + 30_000 }));
    expect(e).toBeInstanceOf(WaitTimeoutError);
    expect(e.message).toContain('last seen: stopping');
    expect(deps.clock.t).toBe(T0 + 30_000);
  });
});

describe('detach-old-root', () => {
  it('detaches the old root when it is attached, pinned to the instance and device', async () => {
    const { run } = setup(new Ec2World().volume(oldRoot('in-use', 'attached')));
    await run('detach-old-root');
    expect(ec2.commandCalls(DetachVolumeCommand).map((c) => c.args[0].input)).toEqual([
      { VolumeId: 'vol-old-1', InstanceId: 'i-1', Device: '/dev/xvda' },
    ]);
    expectMutations(['DetachVolumeCommand']);
  });

  it.each([
    ['already detached', oldRoot('available')],
    ['detaching', oldRoot('in-use', 'detaching')],
  ])('sends nothing when the old root is %s', async (_what, volume) => {
    const { run } = setup(new Ec2World().volume(volume));
    await run('detach-old-root');
    expect(ec2).not.toHaveReceivedCommand(DetachVolumeCommand);
  });

  it('does not detach a volume attached to another instance', async () => {
    const { run } = setup(new Ec2World().volume({ id: 'vol-old-1', state: 'in-use', attachments: [{ instanceId: 'i-9', device: '/dev/xvda' }] }));
    await run('detach-old-root');
    expect(ec2).not.toHaveReceivedCommand(DetachVolumeCommand);
  });
});

describe('old-root-detached', () => {
  it('polls until the old root is available', async () => {
    const { run, deps, waits } = setup(new Ec2World().volume(oldRoot('in-use', 'detaching'), oldRoot('available')));
    await run('old-root-detached');
    expect(waits.map((w) => w.value)).toEqual(['detaching', 'available']);
    expectMutations([]);
  });
});

describe('attach-new-root', () => {
  it('attaches the encrypted volume at the old root device', async () => {
    const { run } = setup(new Ec2World().volume(newRoot('available')));
    await run('attach-new-root');
    expect(ec2.commandCalls(AttachVolumeCommand).map((c) => c.args[0].input)).toEqual([
      { VolumeId: 'vol-new-1', InstanceId: 'i-1', Device: '/dev/xvda' },
    ]);
    expectMutations(['AttachVolumeCommand']);
  });

  it.each(['attached', 'attaching'])('sends nothing when it is already %s at that device', async (state) => {
    const { run } = setup(new Ec2World().volume(newRoot('in-use', state)));
    await run('attach-new-root');
    expect(ec2).not.toHaveReceivedCommand(AttachVolumeCommand);
  });

  it('a node without a recorded encrypted volume is an error, not an attach', async () => {
    const { run } = setup(new Ec2World());
    const data = { ...DATA, nodes: DATA.nodes.map((n) => ({ ...n, newVolumeId: undefined })) };
    await expect(run('attach-new-root', { data })).rejects.toThrow('no encrypted volume recorded for node 10.0.0.1');
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('new-root-attached', () => {
  it('polls until attached at the device', async () => {
    const { run, deps, waits } = setup(new Ec2World().volume(newRoot('available'), newRoot('in-use', 'attaching'), newRoot('in-use', 'attached')));
    await run('new-root-attached');
    expect(waits.map((w) => w.value)).toEqual(['available', 'attaching', 'attached']);
  });

  it('attached at another device does not count', async () => {
    const { run } = setup(new Ec2World().volume(newRoot('in-use', 'attached', '/dev/sdf')));
    await expect(run('new-root-attached', { deadline: T0 + 20_000 })).rejects.toThrow(WaitTimeoutError);
  });
});

describe('keep-delete-on-termination', () => {
  const attachedNew = (dot: boolean) => inst('stopped', { devices: [{ device: '/dev/xvda', volumeId: 'vol-new-1', deleteOnTermination: dot }] });

  it('restores the old DeleteOnTermination when the attach reset it', async () => {
    const { run } = setup(new Ec2World().instance(attachedNew(false)));
    await run('keep-delete-on-termination');
    expect(ec2.commandCalls(ModifyInstanceAttributeCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceId: 'i-1', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true } }] },
    ]);
    expectMutations(['ModifyInstanceAttributeCommand']);
  });

  it('sends nothing when the value is already what the old root had', async () => {
    const { run } = setup(new Ec2World().instance(attachedNew(true)));
    await run('keep-delete-on-termination');
    expect(ec2).not.toHaveReceivedCommand(ModifyInstanceAttributeCommand);
  });

  it('keeps false as false (no call), and sets false when the old root had false', async () => {
    const keepFalse = { ...DATA, nodes: DATA.nodes.map((n) => ({ ...n, deleteOnTermination: false })) };
    const a = setup(new Ec2World().instance(attachedNew(false)));
    await a.run('keep-delete-on-termination', { data: keepFalse });
    expect(ec2).not.toHaveReceivedCommand(ModifyInstanceAttributeCommand);

    ec2.reset();
    const b = setup(new Ec2World().instance(attachedNew(true)));
    await b.run('keep-delete-on-termination', { data: keepFalse });
    expect(ec2).toHaveReceivedCommandWith(ModifyInstanceAttributeCommand, {
      InstanceId: 'i-1', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: false } }],
    });
  });
});

describe('start-node', () => {
  it('starts a stopped node and waits through pending until running', async () => {
    const { run, deps, waits } = setup(new Ec2World().instance(inst('stopped'), inst('pending'), inst('pending'), inst('running')));
    await run('start-node');
    expect(ec2.commandCalls(StartInstancesCommand).map((c) => c.args[0].input)).toEqual([{ InstanceIds: ['i-1'] }]);
    expectMutations(['StartInstancesCommand']);
    expect(waits.map((w) => w.value)).toEqual(['pending', 'pending', 'running']);
    expect(deps.clock.sleeps).toEqual([10_000, 10_000]);
  });

  it.each(['pending', 'running'])('does not send StartInstances when the node is already %s', async (state) => {
    const { run } = setup(new Ec2World().instance(inst(state), inst('running')));
    await run('start-node');
    expect(ec2).not.toHaveReceivedCommand(StartInstancesCommand);
    expectMutations([]);
  });

  it('pending then back to stopped with Client.InternalError: WaitFailedError with the key and the resume hint', async () => {
    const reason = { code: 'Client.InternalError', message: 'Client.InternalError: Client error on launch' };
    const { run, deps, waits } = setup(new Ec2World().instance(inst('stopped'), inst('pending'), inst('stopped', { reason })));
    const e = await rejection(run('start-node'));
    expect(e).toBeInstanceOf(WaitFailedError);
    expect(e.message).toContain('i-1 (10.0.0.1) fell back to stopped');
    expect(e.message).toContain('(Client.InternalError: Client error on launch)'); // AWS's message repeats its code: said once
    expect(e.message).toContain(`key ${KEY_ARN} is Enabled`);
    expect(e.message).toContain('avi-encrypt resume');
    expect(deps.clock.sleeps).toEqual([10_000]);
    expect(ec2).toHaveReceivedCommandTimes(StartInstancesCommand, 1);
  });

  it('the rollback\'s start on the original root falls back to stopped: the message does not blame the key', async () => {
    const reason = { code: 'Server.InsufficientInstanceCapacity', message: 'Insufficient capacity.' };
    const { run } = setup(new Ec2World().instance(inst('stopped'), inst('pending'), inst('stopped', { reason })));
    const e = await rejection(run('rollback-start-node'));
    expect(e).toBeInstanceOf(WaitFailedError);
    expect(e.message).toContain('fell back to stopped (Server.InsufficientInstanceCapacity: Insufficient capacity.); it is on its original root');
    expect(e.message).not.toContain(KEY_ARN);
    expect(e.message).toContain('avi-encrypt resume');
  });

  it('a first look still showing the previous stop is waited through, not taken as a failure', async () => {
    const stop = { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' };
    const { run, deps, waits } = setup(new Ec2World().instance(inst('stopped', { reason: stop }), inst('stopped', { reason: stop }), inst('pending'), inst('running')));
    await run('start-node');
    expect(waits.map((w) => w.value)).toEqual(['stopped', 'pending', 'running']);
  });

  it('a launch failure seen without the pending in between (polls > 1) still fails', async () => {
    const reason = { code: 'Client.InternalError', message: 'Client.InternalError: Client error on launch' };
    const { run } = setup(new Ec2World().instance(inst('stopped'), inst('stopped'), inst('stopped', { reason })));
    await expect(run('start-node')).rejects.toThrow(WaitFailedError);
  });

  it('times out while the node stays pending', async () => {
    const { run } = setup(new Ec2World().instance(inst('stopped'), inst('pending')));
    const e = await rejection(run('start-node', { deadline: T0 + 15_000 }));
    expect(e).toBeInstanceOf(WaitTimeoutError);
    expect(e.message).toContain('i-1 running');
  });
});

describe('tag-old-root', () => {
  it('tags the old root with what replaced it, the run, its role and the node (and deletes nothing)', async () => {
    const { run } = setup(new Ec2World());
    await run('tag-old-root');
    expect(ec2.commandCalls(CreateTagsCommand).map((c) => c.args[0].input)).toEqual([
      {
        Resources: ['vol-old-1'],
        Tags: [
          { Key: TAG.replacedBy, Value: 'vol-new-1' },
          { Key: TAG.runId, Value: RUN_ID },
          { Key: TAG.role, Value: 'replaced-root' },
          { Key: TAG.node, Value: '10.0.0.1' },
        ],
      },
    ]);
    expect(commandNames(ec2)).toEqual(['CreateTagsCommand']);
  });
});
