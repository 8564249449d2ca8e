// Rollback of one node, as controller-swap declares it (its compensation steps, in order, with
// their `when`), over the real gateway (mocked EC2) and a fake Controller. Each step looks
// first, so whatever state the failed swap left the node in, the same list puts it back on its
// original root, at the same device, with its original DeleteOnTermination, running.
import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  AttachVolumeCommand, DescribeInstancesCommand, DescribeVolumesCommand, DetachVolumeCommand, EC2Client, ModifyInstanceAttributeCommand,
  StartInstancesCommand, StopInstancesCommand, type DescribeVolumesCommandInput,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { definition } from '../../runbooks/controller-swap.js';
import type { StepSpec } from '../../src/runbook/language.js';
import type { ControllerData, ControllerNode } from '../../src/steps/controller/context.js';
import {
  FakeAvi, KEY_ARN, MUTATIONS, awsFailure, clusterOf, commandNames, dataWith, effectsFor, makeDeps, node, nodeScope, realGateway, runNodeStep,
  runtimeOf, sdkInstance, sdkVolume, type NodeStepId, type TestScope,
} from './helpers.js';

const ec2 = mockClient(EC2Client);

beforeEach(() => {
  ec2.reset();
});

type Root = { volumeId: string; deleteOnTermination: boolean; state: 'attaching' | 'attached' | 'detaching' };

/**
 * One Controller instance (i-1) and its two roots, changed by the writes the steps send.
 * Simplified: each transition (stopping, attaching, detaching) is seen once, then completes;
 * pending is seen `pendingLooks` times. The lab tests EC2's real timing. AttachVolume leaves
 * DeleteOnTermination false, as EC2 does (AttachVolume API reference).
 */
class NodeWorld {
  /** How many more looks still see `pending` (a boot takes a while). */
  pendingLooks = 1;

  constructor(public state: string, public root: Root | undefined, public reason?: { code: string; message: string }) {}

  private settle(): void {
    if (this.state === 'stopping') this.state = 'stopped';
    if (this.state === 'pending' && --this.pendingLooks <= 0) this.state = 'running';
    if (this.root?.state === 'attaching') this.root.state = 'attached';
    else if (this.root?.state === 'detaching') this.root = undefined;
  }

  private refuse(why: string): never {
    throw new Error(`test world: ${why}`);
  }

  install(): void {
    ec2.on(DescribeInstancesCommand).callsFake(() => {
      const devices = this.root ? [{ device: '/dev/xvda', volumeId: this.root.volumeId, deleteOnTermination: this.root.deleteOnTermination }] : [];
      const out = sdkInstance({ id: 'i-1', ip: '10.0.0.1', state: this.state, devices, ...(this.reason ? { reason: this.reason } : {}) });
      this.settle();
      return { Reservations: [{ Instances: [out] }] };
    });
    ec2.on(DescribeVolumesCommand).callsFake((input: DescribeVolumesCommandInput) => {
      const volumes = (input.VolumeIds ?? []).map((id) => {
        const mine = this.root?.volumeId === id ? this.root : undefined;
        return sdkVolume({
          id, state: mine ? 'in-use' : 'available', ...(id === 'vol-new-1' ? { encrypted: true, kmsKeyId: KEY_ARN } : {}),
          ...(mine ? { attachments: [{ instanceId: 'i-1', device: '/dev/xvda', state: mine.state }] } : {}),
        });
      });
      this.settle();
      return { Volumes: volumes };
    });
    ec2.on(StopInstancesCommand).callsFake(() => {
      // AWS: stopping an instance that never reached running fails (reference: aws-ec2-kms.md, StopInstances).
      if (this.state === 'pending') throw awsFailure('IncorrectInstanceState', "The instance 'i-1' cannot be stopped as it has never reached the 'running' state.");
      if (this.state !== 'running') this.refuse(`StopInstances while ${this.state}`);
      this.state = 'stopping';
      return {};
    });
    ec2.on(StartInstancesCommand).callsFake(() => {
      if (this.state !== 'stopped') this.refuse(`StartInstances while ${this.state}`);
      if (this.root?.state !== 'attached') this.refuse('StartInstances with no root attached');
      this.state = 'pending';
      this.pendingLooks = 1;
      this.reason = undefined;
      return {};
    });
    ec2.on(DetachVolumeCommand).callsFake((input: { VolumeId?: string }) => {
      if (this.state !== 'stopped') this.refuse(`DetachVolume of the root while ${this.state}`);
      const root = this.root;
      if (!root || root.volumeId !== input.VolumeId) this.refuse(`DetachVolume of ${input.VolumeId}, not attached`);
      root.state = 'detaching';
      return {};
    });
    ec2.on(AttachVolumeCommand).callsFake((input: { VolumeId?: string }) => {
      if (this.root) this.refuse(`AttachVolume at /dev/xvda, which holds ${this.root.volumeId}`);
      this.root = { volumeId: input.VolumeId!, deleteOnTermination: false, state: 'attaching' };
      return {};
    });
    ec2.on(ModifyInstanceAttributeCommand).callsFake((input: { BlockDeviceMappings?: Array<{ Ebs?: { DeleteOnTermination?: boolean } }> }) => {
      if (!this.root) this.refuse('ModifyInstanceAttribute with no root');
      this.root.deleteOnTermination = input.BlockDeviceMappings![0]!.Ebs!.DeleteOnTermination!;
      return {};
    });
  }
}

const IPS = ['10.0.0.2', '10.0.0.3', '10.0.0.1'];
const swapped = (extra: Partial<ControllerNode> = {}) =>
  node('10.0.0.1', 'leader', { instanceId: 'i-1', oldVolumeId: 'vol-old-1', newVolumeId: 'vol-new-1', deleteOnTermination: true, ...extra });

/** The compensation of the nodes block, in order, as the runbook declares it. */
function compensation(): StepSpec<ControllerData>[] {
  const block = definition.entries.find((e) => e.kind === 'each');
  if (!block || block.kind !== 'each') throw new Error('controller-swap has no each block');
  return block.compensate ?? [];
}

/** Runs the node's rollback (its `when`s decided by the data) and returns the ids run and what the waits saw. */
async function rollBack(world: NodeWorld, data: ControllerData, avi: FakeAvi) {
  world.install();
  const effects = effectsFor(makeDeps(realGateway(), avi));
  const waits: TestScope<unknown>['waits'] = [];
  const ran: string[] = [];
  for (const s of compensation()) {
    const scope = nodeScope(data, '10.0.0.1', { waits });
    if (s.when && !s.when({ data, item: scope.item })) continue;
    ran.push(s.id);
    await runNodeStep(effects, s.id as NodeStepId, scope);
  }
  return { ran, waits };
}

const mutations = () => {
  const mutating = new Set<string>([...MUTATIONS.map((m) => m.name), 'DeleteVolumeCommand']);
  return commandNames(ec2).filter((n) => mutating.has(n));
};
const threeNodes = (n: ControllerNode) => dataWith({ nodes: [node('10.0.0.2', 'follower'), node('10.0.0.3', 'follower'), n] });
const readyAvi = () => new FakeAvi(clusterOf(IPS), [runtimeOf('CLUSTER_UP_HA_ACTIVE', IPS.map((ip) => ({ ip, role: ip === '10.0.0.1' ? 'CLUSTER_LEADER' as const : 'CLUSTER_FOLLOWER' as const })))]);

describe('rollback of a node (controller-swap compensation)', () => {
  it('a node still running on its old root needs nothing: no EC2 write, the cluster is re-saved and READY', async () => {
    const world = new NodeWorld('running', { volumeId: 'vol-old-1', deleteOnTermination: true, state: 'attached' });
    const avi = readyAvi();
    const { ran, waits } = await rollBack(world, threeNodes(swapped()), avi);
    expect(mutations()).toEqual([]);
    expect(waits).toContainEqual({ awaits: 'i-1 stopped (or untouched)', value: 'untouched, running on its old root' });
    expect(world).toMatchObject({ state: 'running', root: { volumeId: 'vol-old-1', deleteOnTermination: true } });
    // 3 nodes: re-join and READY, no Controller API probe.
    expect(ran).toContain('rollback-rejoin');
    expect(ran).not.toContain('rollback-controller-up');
    expect(avi.puts).toHaveLength(1);
  });

  it('a node stopped on its new root (its start fell back to stopped): new root detached, old one attached, DeleteOnTermination restored, started', async () => {
    const reason = { code: 'Client.InternalError', message: 'Client.InternalError: Client error on launch' };
    const world = new NodeWorld('stopped', { volumeId: 'vol-new-1', deleteOnTermination: true, state: 'attached' }, reason);
    await rollBack(world, threeNodes(swapped()), readyAvi());
    expect(mutations()).toEqual(['DetachVolumeCommand', 'AttachVolumeCommand', 'ModifyInstanceAttributeCommand', 'StartInstancesCommand']);
    expect(ec2).toHaveReceivedCommandWith(DetachVolumeCommand, { VolumeId: 'vol-new-1', InstanceId: 'i-1', Device: '/dev/xvda' });
    expect(ec2).toHaveReceivedCommandWith(AttachVolumeCommand, { VolumeId: 'vol-old-1', InstanceId: 'i-1', Device: '/dev/xvda' });
    expect(ec2).toHaveReceivedCommandWith(ModifyInstanceAttributeCommand, {
      InstanceId: 'i-1', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true } }],
    });
    expect(ec2).toHaveReceivedCommandWith(StartInstancesCommand, { InstanceIds: ['i-1'] });
    expect(world).toMatchObject({ state: 'running', root: { volumeId: 'vol-old-1', deleteOnTermination: true, state: 'attached' } });
  });

  it('a node running on its new root (it never reached cluster READY) is stopped first', async () => {
    const world = new NodeWorld('running', { volumeId: 'vol-new-1', deleteOnTermination: true, state: 'attached' });
    await rollBack(world, threeNodes(swapped()), readyAvi());
    expect(mutations()).toEqual([
      'StopInstancesCommand', 'DetachVolumeCommand', 'AttachVolumeCommand', 'ModifyInstanceAttributeCommand', 'StartInstancesCommand',
    ]);
    expect(world).toMatchObject({ state: 'running', root: { volumeId: 'vol-old-1', deleteOnTermination: true } });
  });

  it('a node still pending on its new root (its start timed out) is stopped once it has left pending, not while pending', async () => {
    const world = new NodeWorld('pending', { volumeId: 'vol-new-1', deleteOnTermination: true, state: 'attached' });
    world.pendingLooks = 3;
    await rollBack(world, threeNodes(swapped()), readyAvi());
    expect(mutations()).toEqual([
      'StopInstancesCommand', 'DetachVolumeCommand', 'AttachVolumeCommand', 'ModifyInstanceAttributeCommand', 'StartInstancesCommand',
    ]);
    expect(world).toMatchObject({ state: 'running', root: { volumeId: 'vol-old-1', deleteOnTermination: true } });
  });

  it('an old root that had DeleteOnTermination=false keeps false: no ModifyInstanceAttribute after the attach', async () => {
    const world = new NodeWorld('stopped', { volumeId: 'vol-new-1', deleteOnTermination: false, state: 'attached' });
    await rollBack(world, threeNodes(swapped({ deleteOnTermination: false })), readyAvi());
    expect(mutations()).toEqual(['DetachVolumeCommand', 'AttachVolumeCommand', 'StartInstancesCommand']);
    expect(world).toMatchObject({ state: 'running', root: { volumeId: 'vol-old-1', deleteOnTermination: false } });
  });

  it('a node left with no root (it failed between detach and attach): only the old root goes back', async () => {
    const world = new NodeWorld('stopped', undefined);
    await rollBack(world, threeNodes(swapped()), readyAvi());
    expect(mutations()).toEqual(['AttachVolumeCommand', 'ModifyInstanceAttributeCommand', 'StartInstancesCommand']);
    expect(world).toMatchObject({ state: 'running', root: { volumeId: 'vol-old-1', deleteOnTermination: true } });
  });

  it('run again (a crash during the rollback, then resume), it writes nothing more', async () => {
    const world = new NodeWorld('stopped', { volumeId: 'vol-new-1', deleteOnTermination: true, state: 'attached' });
    await rollBack(world, threeNodes(swapped()), readyAvi());
    ec2.resetHistory();
    await rollBack(world, threeNodes(swapped()), readyAvi());
    expect(mutations()).toEqual([]);
  });

  it('1 node: waits for the Controller API instead of re-saving the cluster', async () => {
    const world = new NodeWorld('stopped', { volumeId: 'vol-new-1', deleteOnTermination: true, state: 'attached' });
    const avi = new FakeAvi(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [{ ip: '10.0.0.1', role: 'CLUSTER_LEADER' }])]);
    const { ran } = await rollBack(world, dataWith({ nodes: [swapped()] }), avi);
    expect(ran).toContain('rollback-controller-up');
    expect(ran).not.toContain('rollback-rejoin');
    expect(ran[ran.length - 1]).toBe('rollback-cluster-ready');
    expect(avi.calls).toContain('probe');
    expect(avi.puts).toEqual([]);
    expect(world).toMatchObject({ state: 'running', root: { volumeId: 'vol-old-1' } });
  });
});
