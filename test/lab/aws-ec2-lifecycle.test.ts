// Instance and attachment state machines through the real SDK: stop/start with their (scaled)
// durations and events, the root-volume swap the Avi doc describes, and the refusals AWS makes.

import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import {
  AttachVolumeCommand, CreateTagsCommand, CreateVolumeCommand, DescribeInstancesCommand, DetachVolumeCommand,
  ModifyInstanceAttributeCommand, StartInstancesCommand, StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { InstanceRecord } from '../../src/lab/world/types.js';
import { failure, startLab, until, type Lab } from './aws-harness.js';

let lab: Lab;
beforeEach(async () => {
  lab = await startLab({ nodes: 3, scale: 0.002 });
});
afterEach(async () => lab.close());

const node = (i: number) => lab.seed.nodes[i]!.instanceId;
const state = (id: string) => lab.world.instances.get(id)!.state;

async function describeInstance(id: string) {
  const out = await lab.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return out.Reservations![0]!.Instances![0]!;
}

async function stopped(id: string): Promise<void> {
  await lab.ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
  await until(() => state(id) === 'stopped');
}

/** A ready encrypted volume restored from the encrypted AMI snapshot in the node's zone. */
async function encryptedRoot(i: number): Promise<string> {
  const out = await lab.ec2.send(new CreateVolumeCommand({
    SnapshotId: lab.seed.encryptedSnapshotId, AvailabilityZone: lab.seed.nodes[i]!.az, VolumeType: 'gp3',
  }));
  await until(() => lab.world.volumes.get(out.VolumeId!)!.state === 'available');
  return out.VolumeId!;
}

describe('stop and start', () => {
  it('walks running → stopping → stopped → pending → running, taking the documented times, and emits every change', async () => {
    const id = node(0);
    const seen: string[] = [];
    lab.world.events.on('instance', (inst: InstanceRecord, from) => inst.instanceId === id && seen.push(`${from}>${inst.state}`));
    const began = Date.now();
    const stop = await lab.ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    expect(stop.StoppingInstances).toEqual([{ InstanceId: id, CurrentState: { Code: 64, Name: 'stopping' }, PreviousState: { Code: 16, Name: 'running' } }]);
    // `stopping` lasts 60 ms at this scale, shorter than a Describe round trip on a loaded machine:
    // the answer above and the events below show it, not a Describe racing the clock.
    await until(() => state(id) === 'stopped');
    expect(Date.now() - began).toBeGreaterThanOrEqual(lab.world.clock.scaled(30_000) - 5);
    expect((await describeInstance(id)).StateReason).toEqual({ Code: 'Client.UserInitiatedShutdown', Message: 'Client.UserInitiatedShutdown: User initiated shutdown' });

    const start = await lab.ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    expect(start.StartingInstances![0]).toMatchObject({ CurrentState: { Name: 'pending' }, PreviousState: { Name: 'stopped' } });
    await until(() => state(id) === 'running');
    const inst = await describeInstance(id);
    expect(inst.State).toEqual({ Code: 16, Name: 'running' });
    expect(inst.StateReason).toBeUndefined();
    expect(seen).toEqual(['running>stopping', 'stopping>stopped', 'stopped>pending', 'pending>running']);
  });

  it('treats starting a running instance as a no-op and refuses to stop a pending one', async () => {
    const id = node(1);
    const again = await lab.ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    expect(again.StartingInstances![0]).toMatchObject({ CurrentState: { Name: 'running' }, PreviousState: { Name: 'running' } });
    // A slower lab, so `pending` (20 s real) outlasts the next HTTP round trip by a wide margin.
    const slow = await startLab({ nodes: 1, scale: 0.02 });
    try {
      const slowId = slow.seed.nodes[0]!.instanceId;
      slow.world.instances.get(slowId)!.state = 'stopped';
      await slow.ec2.send(new StartInstancesCommand({ InstanceIds: [slowId] }));
      const err = await failure(slow.ec2.send(new StopInstancesCommand({ InstanceIds: [slowId] })));
      expect(err.name).toBe('IncorrectInstanceState');
      expect(err.message).toContain(slowId);
    } finally {
      await slow.close();
    }
  });
});

describe('root volume swap (Avi doc: existing Controller VMs)', () => {
  it('refuses to detach the root of a running instance, then swaps it once stopped', async () => {
    const id = node(1);
    const oldRoot = lab.world.rootVolume(id)!.volumeId;
    // The seeded roots carry a Marketplace product code, which AWS names first.
    const refused = await failure(lab.ec2.send(new DetachVolumeCommand({ VolumeId: oldRoot, InstanceId: id, Device: '/dev/xvda' })));
    expect(refused.name).toBe('IncorrectInstanceState');
    expect(refused.message).toBe(`Unable to detach volume '${oldRoot}' with Marketplace codes from instance '${id}' as the instance is not in the 'stopped' state.`);
    const codes = lab.world.volumes.get(oldRoot)!.productCodes;
    delete lab.world.volumes.get(oldRoot)!.productCodes;
    const plain = await failure(lab.ec2.send(new DetachVolumeCommand({ VolumeId: oldRoot, InstanceId: id, Device: '/dev/xvda' })));
    expect(plain.name).toBe('IncorrectState');
    expect(plain.message).toBe(`Unable to detach root volume '${oldRoot}' from instance '${id}'`);
    lab.world.volumes.get(oldRoot)!.productCodes = codes!;

    const newRoot = await encryptedRoot(1);
    await stopped(id);
    const detach = await lab.ec2.send(new DetachVolumeCommand({ VolumeId: oldRoot, InstanceId: id, Device: '/dev/xvda' }));
    expect(detach).toMatchObject({ State: 'detaching', Device: '/dev/xvda', InstanceId: id });
    await until(() => lab.world.volumes.get(oldRoot)!.state === 'available');

    const attach = await lab.ec2.send(new AttachVolumeCommand({ VolumeId: newRoot, InstanceId: id, Device: '/dev/xvda' }));
    expect(attach).toMatchObject({ State: 'attaching', VolumeId: newRoot });
    await until(() => lab.world.volumes.get(newRoot)!.attachment?.state === 'attached');
    let root = (await describeInstance(id)).BlockDeviceMappings!.find((b) => b.DeviceName === '/dev/xvda')!;
    expect(root.Ebs).toMatchObject({ VolumeId: newRoot, DeleteOnTermination: false, Status: 'attached' });

    await lab.ec2.send(new ModifyInstanceAttributeCommand({
      InstanceId: id, BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true } }],
    }));
    root = (await describeInstance(id)).BlockDeviceMappings!.find((b) => b.DeviceName === '/dev/xvda')!;
    expect(root.Ebs!.DeleteOnTermination).toBe(true);

    await lab.ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    await until(() => state(id) === 'running');
    expect(lab.world.rootVolume(id)).toMatchObject({ volumeId: newRoot, encrypted: true, kmsKeyArn: lab.seed.customerKeyArn, content: 'fresh' });
  });

  it('refuses a zone mismatch, a busy device, an in-use or still-creating volume, and a wrong instance', async () => {
    const id = node(0);
    const otherZone = await encryptedRoot(1);
    expect((await failure(lab.ec2.send(new AttachVolumeCommand({ VolumeId: otherZone, InstanceId: id, Device: '/dev/sdf' })))).name)
      .toBe('InvalidVolume.ZoneMismatch');
    const sameZone = await encryptedRoot(0);
    const busy = await failure(lab.ec2.send(new AttachVolumeCommand({ VolumeId: sameZone, InstanceId: id, Device: '/dev/sdb' })));
    expect(busy.name).toBe('InvalidParameterValue');
    expect(busy.message).toBe('Attachment point /dev/sdb is already in use');
    const inUse = lab.world.rootVolume(node(2))!.volumeId;
    expect((await failure(lab.ec2.send(new AttachVolumeCommand({ VolumeId: inUse, InstanceId: node(2), Device: '/dev/sdf' })))).name)
      .toBe('VolumeInUse');
    const creating = await lab.ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-west-2a', Size: 8 }));
    expect((await failure(lab.ec2.send(new AttachVolumeCommand({ VolumeId: creating.VolumeId!, InstanceId: id, Device: '/dev/sdf' })))).name)
      .toBe('IncorrectState');
    const dataVol = lab.world.instances.get(id)!.devices['/dev/sdb']!;
    expect((await failure(lab.ec2.send(new DetachVolumeCommand({ VolumeId: dataVol, InstanceId: node(2) })))).name)
      .toBe('InvalidAttachment.NotFound');
    expect((await failure(lab.ec2.send(new DetachVolumeCommand({ VolumeId: sameZone })))).name).toBe('IncorrectState');
  });

  it('keeps the device taken while a detach is still in progress', async () => {
    const id = node(0);
    const data = lab.world.instances.get(id)!.devices['/dev/sdb']!;
    // A volume without Marketplace codes: those attach to stopped instances only.
    const { VolumeId: spare } = await lab.ec2.send(new CreateVolumeCommand({ AvailabilityZone: lab.seed.nodes[0]!.az, Size: 8 }));
    await until(() => lab.world.volumes.get(spare!)!.state === 'available');
    // Called on the world directly: over HTTP the scaled 5 s detach may finish before the next request.
    lab.world.detachVolume(data, id, '/dev/sdb');
    expect(() => lab.world.attachVolume(spare!, id, '/dev/sdb')).toThrow('Attachment point /dev/sdb is already in use');
    await until(() => lab.world.volumes.get(data)!.state === 'available');
    lab.world.attachVolume(spare!, id, '/dev/sdb');
    expect(lab.world.volumes.get(spare!)!.attachment).toMatchObject({ device: '/dev/sdb', state: 'attaching', deleteOnTermination: false });
  });

  it('refuses to start an instance with nothing at its root device', async () => {
    const id = node(2);
    await stopped(id);
    const root = lab.world.rootVolume(id)!.volumeId;
    await lab.ec2.send(new DetachVolumeCommand({ VolumeId: root, InstanceId: id, Device: '/dev/xvda' }));
    await until(() => lab.world.volumes.get(root)!.state === 'available');
    const err = await failure(lab.ec2.send(new StartInstancesCommand({ InstanceIds: [id] })));
    expect(err.name).toBe('InvalidParameterValue');
    expect(err.message).toContain('Instance does not have a volume attached at root (/dev/xvda)');
    expect(state(id)).toBe('stopped');
  });
});

describe('KMS key states at start', () => {
  it('sends an instance with a disabled key back to stopped with Client.InternalError, and starts it once re-enabled', async () => {
    const id = node(0);
    const newRoot = await encryptedRoot(0);
    await stopped(id);
    const oldRoot = lab.world.rootVolume(id)!.volumeId;
    await lab.ec2.send(new DetachVolumeCommand({ VolumeId: oldRoot, InstanceId: id, Device: '/dev/xvda' }));
    await until(() => lab.world.volumes.get(oldRoot)!.state === 'available');
    await lab.ec2.send(new AttachVolumeCommand({ VolumeId: newRoot, InstanceId: id, Device: '/dev/xvda' }));
    lab.world.disableKey(lab.seed.customerKeyArn);

    const seen: string[] = [];
    lab.world.events.on('instance', (inst: InstanceRecord, from) => inst.instanceId === id && seen.push(`${from}>${inst.state}`));
    await lab.ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    await until(() => seen.length === 2);
    expect(seen).toEqual(['stopped>pending', 'pending>stopped']);
    expect((await describeInstance(id)).StateReason).toEqual({ Code: 'Client.InternalError', Message: 'Client.InternalError: Client error on launch' });

    lab.world.enableKey(lab.seed.customerKeyArn);
    await lab.ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    await until(() => state(id) === 'running');
    expect((await describeInstance(id)).StateReason).toBeUndefined();
  });
});

describe('DryRun and tags', () => {
  it('answers DryRun with DryRunOperation (412) and changes nothing', async () => {
    const id = node(0);
    const before = lab.world.volumes.size;
    for (const call of [
      lab.ec2.send(new StopInstancesCommand({ InstanceIds: [id], DryRun: true })),
      lab.ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-west-2a', Size: 8, DryRun: true })),
      lab.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'k', Value: 'v' }], DryRun: true })),
    ]) {
      const err = await failure(call);
      expect(err.name).toBe('DryRunOperation');
      expect(err.$metadata.httpStatusCode).toBe(412);
    }
    expect(state(id)).toBe('running');
    expect(lab.world.volumes.size).toBe(before);
    expect(lab.world.instances.get(id)!.tags).toEqual({ Name: 'avi-controller-1' });
  });

  it('tags instances, volumes, snapshots and images, and refuses unknown ids', async () => {
    const ids = [node(0), lab.world.rootVolume(node(0))!.volumeId, lab.seed.encryptedSnapshotId, lab.seed.encryptedAmiId];
    await lab.ec2.send(new CreateTagsCommand({ Resources: ids, Tags: [{ Key: 'avi-encrypt:run-id', Value: 'r1' }] }));
    expect(lab.world.images.get(lab.seed.encryptedAmiId)!.tags['avi-encrypt:run-id']).toBe('r1');
    expect(lab.world.snapshots.get(lab.seed.encryptedSnapshotId)!.tags['avi-encrypt:run-id']).toBe('r1');
    const err = await failure(lab.ec2.send(new CreateTagsCommand({ Resources: [node(1), 'vol-0123456789abcdef0'], Tags: [{ Key: 'x', Value: 'y' }] })));
    expect(err.name).toBe('InvalidVolume.NotFound');
    expect(lab.world.instances.get(node(1))!.tags['x']).toBeUndefined();
  });
});
