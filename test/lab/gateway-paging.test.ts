// The tool's AWS reads against the lab at `--page-size 1`: every collection is read to its last
// page, so nothing beyond the first item is missed; a first-page-only read would miss it.

import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { createAwsReads, type AwsReads } from '../../src/aws/gateway-reads.js';
import { REGION, startLab, type Lab } from './aws-harness.js';

let lab: Lab;
let reads: AwsReads;
beforeAll(async () => {
  lab = await startLab({ nodes: 3, pageSize: 1 });
  reads = createAwsReads({ ec2: lab.ec2, kms: lab.kms });
});
afterAll(async () => lab.close());

const calls = (operation: string) => lab.log.list().filter((r) => r.operation === operation).length;

describe('gateway reads at page size 1', () => {
  it('finds every Controller node by private IP, over as many pages as there are instances', async () => {
    const before = calls('DescribeInstances');
    const found = await reads.findInstancesByPrivateIp(lab.seed.nodes.map((n) => n.ip), lab.seed.vpcId);
    expect(found.map((i) => i.instanceId).sort()).toEqual(lab.seed.nodes.map((n) => n.instanceId).sort());
    expect(calls('DescribeInstances') - before).toBe(3);
    // What a first-page-only read would have seen.
    const first = await lab.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'vpc-id', Values: [lab.seed.vpcId] }] }));
    expect(first.Reservations!.flatMap((r) => r.Instances!)).toHaveLength(1);
  });

  it('finds every volume carrying the run tags', async () => {
    const tags = { 'avi-encrypt:run-id': 'r-paging' };
    const made = [1, 2, 3].map(() => lab.world.createVolume({ availabilityZone: `${REGION}a`, size: 8, tags }).volumeId);
    expect((await reads.findVolumesByTags(tags)).map((v) => v.volumeId).sort()).toEqual(made.sort());
  });

  it('describes one image, snapshot, instance and volume by id', async () => {
    const node = lab.seed.nodes[2]!.instanceId;
    expect((await reads.describeImage(lab.seed.encryptedAmiId)).imageId).toBe(lab.seed.encryptedAmiId);
    expect((await reads.describeSnapshot(lab.seed.encryptedSnapshotId)).snapshotId).toBe(lab.seed.encryptedSnapshotId);
    expect((await reads.describeInstance(node)).instanceId).toBe(node);
    const root = lab.world.rootVolume(node)!.volumeId;
    expect((await reads.describeVolume(root)).volumeId).toBe(root);
  });

  it('describes many instances and volumes by an id filter, over every page (a filtered page may be empty); unknown ids are left out', async () => {
    const ids = lab.seed.nodes.map((n) => n.instanceId);
    const roots = ids.map((id) => lab.world.rootVolume(id)!.volumeId);
    expect((await reads.describeInstances([...ids, 'i-0000000000000dead'])).map((i) => i.instanceId).sort()).toEqual([...ids].sort());
    expect((await reads.describeVolumes([...roots, 'vol-0000000000000dead'])).map((v) => v.volumeId).sort()).toEqual([...roots].sort());
    // No ids, no call (an empty filter would describe the whole region).
    const [inst2, vols2] = [calls('DescribeInstances'), calls('DescribeVolumes')];
    expect(await reads.describeInstances([])).toEqual([]);
    expect(await reads.describeVolumes([])).toEqual([]);
    expect([calls('DescribeInstances') - inst2, calls('DescribeVolumes') - vols2]).toEqual([0, 0]);
  });
});
