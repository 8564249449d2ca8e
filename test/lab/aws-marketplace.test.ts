// Marketplace product codes: the seeded Controller AMI chain carries one (AMI, snapshot, node
// volumes, instances), and a volume with product codes attaches or detaches only while its
// instance is stopped, with AWS's IncorrectInstanceState messages.

import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { AttachVolumeCommand, CreateVolumeCommand, DescribeInstancesCommand, DetachVolumeCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { failure, startLab, until, type Lab } from './aws-harness.js';

let lab: Lab;
beforeEach(async () => {
  lab = await startLab({ nodes: 1, scale: 0.002 });
});
afterEach(async () => lab.close());

const id = () => lab.seed.nodes[0]!.instanceId;
const codes = async () => (await lab.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id()] }))).Reservations![0]!.Instances![0]!.ProductCodes ?? [];

async function codedVolume(): Promise<string> {
  const { VolumeId } = await lab.ec2.send(new CreateVolumeCommand({ AvailabilityZone: lab.seed.nodes[0]!.az, SnapshotId: lab.seed.encryptedSnapshotId }));
  await until(() => lab.world.volumes.get(VolumeId!)!.state === 'available');
  return VolumeId!;
}

describe('product codes', () => {
  it('are on the seeded instance and on volumes restored from the Controller snapshots', async () => {
    expect(await codes()).toEqual([{ ProductCodeId: lab.seed.productCode, ProductCodeType: 'marketplace' }]);
    const vol = await codedVolume();
    expect(lab.world.volumes.get(vol)!.productCodes).toEqual([{ productCodeId: lab.seed.productCode, productCodeType: 'marketplace' }]);
  });

  it('keep a coded volume off a running instance, in AWS words; a stopped one takes it', async () => {
    const vol = await codedVolume();
    const err = await failure(lab.ec2.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: id(), Device: '/dev/sdf' })));
    expect({ name: err.name, message: err.message }).toEqual({
      name: 'IncorrectInstanceState',
      message: `Cannot attach volume '${vol}' with Marketplace codes as the instance '${id()}' is not in the 'stopped' state.`,
    });
    await lab.ec2.send(new StopInstancesCommand({ InstanceIds: [id()] }));
    await until(() => lab.world.instances.get(id())!.state === 'stopped');
    await lab.ec2.send(new AttachVolumeCommand({ VolumeId: vol, InstanceId: id(), Device: '/dev/sdf' }));
    await until(() => lab.world.volumes.get(vol)!.attachment?.state === 'attached');
  });

  it('leave the instance with its coded root, and come off with it when the stopped instance loses it', async () => {
    // A volume without codes (the data disk) detaches from the running instance as usual.
    const data = lab.world.instances.get(id())!.devices['/dev/sdb']!;
    await lab.ec2.send(new DetachVolumeCommand({ VolumeId: data }));
    await lab.ec2.send(new StopInstancesCommand({ InstanceIds: [id()] }));
    await until(() => lab.world.instances.get(id())!.state === 'stopped');
    const root = lab.world.rootVolume(id())!.volumeId;
    await lab.ec2.send(new DetachVolumeCommand({ VolumeId: root }));
    await until(() => lab.world.volumes.get(root)!.state === 'available');
    expect(await codes()).toEqual([]);
  });
});
