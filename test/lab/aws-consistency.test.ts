// `--consistency-delay`: the EC2 API is eventually consistent, so a resource just created can be
// NotFound (with its type's AWS code) to the calls that follow, by id and in listings, for a while.

import { describe, it, expect, afterEach } from '@jest/globals';
import {
  AllocateAddressCommand, AttachVolumeCommand, CreateTagsCommand, CreateVolumeCommand, DescribeAddressesCommand,
  DescribeVolumesCommand,
} from '@aws-sdk/client-ec2';
import { REGION, failure, startLab, until, type Lab } from './aws-harness.js';

let lab: Lab;
afterEach(async () => lab.close());

const tagged = { TagSpecifications: [{ ResourceType: 'volume' as const, Tags: [{ Key: 'run', Value: 'r1' }] }] };

describe('a long consistency delay', () => {
  it('hides a new volume from other calls by id, from filtered listings, and from calls that use it', async () => {
    lab = await startLab({ nodes: 1, consistencyDelayMs: 60_000 });
    const out = await lab.ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 8, ...tagged }));
    expect(out).toMatchObject({ State: 'creating', Tags: [{ Key: 'run', Value: 'r1' }] });
    const byId = await failure(lab.ec2.send(new DescribeVolumesCommand({ VolumeIds: [out.VolumeId!] })));
    expect({ name: byId.name, message: byId.message }).toEqual({ name: 'InvalidVolume.NotFound', message: `The volume '${out.VolumeId}' does not exist.` });
    const listed = await lab.ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'tag:run', Values: ['r1'] }] }));
    expect(listed.Volumes).toEqual([]);
    const attach = await failure(lab.ec2.send(new AttachVolumeCommand({ VolumeId: out.VolumeId!, InstanceId: lab.seed.nodes[0]!.instanceId, Device: '/dev/sdf' })));
    expect(attach.name).toBe('InvalidVolume.NotFound');
    const tag = await failure(lab.ec2.send(new CreateTagsCommand({ Resources: [out.VolumeId!], Tags: [{ Key: 'k', Value: 'v' }] })));
    expect(tag.name).toBe('InvalidVolume.NotFound');
    // The seed, there before the lab came up, is visible at once.
    expect((await lab.ec2.send(new DescribeVolumesCommand({}))).Volumes).toHaveLength(2);
  });

  it('hides a new Elastic IP with InvalidAllocationID.NotFound', async () => {
    lab = await startLab({ nodes: 1, consistencyDelayMs: 60_000 });
    const { AllocationId } = await lab.ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    const err = await failure(lab.ec2.send(new DescribeAddressesCommand({ AllocationIds: [AllocationId!] })));
    expect(err.name).toBe('InvalidAllocationID.NotFound');
  });
});

describe('a short consistency delay', () => {
  it('shows the volume once the delay has passed', async () => {
    lab = await startLab({ nodes: 1, consistencyDelayMs: 50 });
    const out = await lab.ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 8, ...tagged }));
    await until(async () => ((await lab.ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'tag:run', Values: ['r1'] }] }))).Volumes ?? []).length === 1);
    expect((await lab.ec2.send(new DescribeVolumesCommand({ VolumeIds: [out.VolumeId!] }))).Volumes![0]!.VolumeId).toBe(out.VolumeId);
  });

  it('is off by default: a new volume is visible to the next call', async () => {
    lab = await startLab({ nodes: 1 });
    const out = await lab.ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 8 }));
    expect((await lab.ec2.send(new DescribeVolumesCommand({ VolumeIds: [out.VolumeId!] }))).Volumes).toHaveLength(1);
  });
});
