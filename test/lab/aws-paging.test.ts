// Paging as AWS documents it (EC2 MaxResults/NextToken, KMS Limit/Marker) and `--page-size`, which
// forces small pages even when the caller asks for none: a first-page-only read misses resources.

import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  DescribeImagesCommand, DescribeInstancesCommand, DescribeSnapshotsCommand, DescribeSubnetsCommand, DescribeVolumesCommand,
  paginateDescribeImages, paginateDescribeInstances, paginateDescribeSnapshots, paginateDescribeSubnets, paginateDescribeVolumes,
} from '@aws-sdk/client-ec2';
import { ListAliasesCommand, ListKeysCommand, paginateListAliases, paginateListKeys } from '@aws-sdk/client-kms';
import { failure, startLab, type Lab } from './aws-harness.js';

async function all<P>(pages: AsyncIterable<P>): Promise<P[]> {
  const out: P[] = [];
  for await (const p of pages) out.push(p);
  return out;
}

describe('AWS paging rules (no forced page size)', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ nodes: 3 });
  });
  afterAll(async () => lab.close());

  it('answers everything in one page without MaxResults, and pages with it', async () => {
    const whole = await lab.ec2.send(new DescribeVolumesCommand({}));
    expect(whole.Volumes).toHaveLength(4);
    expect(whole.NextToken).toBeUndefined();
    const first = await lab.ec2.send(new DescribeVolumesCommand({ MaxResults: 5 }));
    expect(first.Volumes).toHaveLength(4);
    const created = await Promise.all([1, 2].map(() => lab.world.createVolume({ availabilityZone: 'us-west-2a', size: 8 })));
    const page1 = await lab.ec2.send(new DescribeVolumesCommand({ MaxResults: 5 }));
    expect(page1.Volumes).toHaveLength(5);
    const page2 = await lab.ec2.send(new DescribeVolumesCommand({ MaxResults: 5, NextToken: page1.NextToken! }));
    expect(page2.Volumes!.map((v) => v.VolumeId)).toEqual([created[1]!.volumeId]);
    expect(page2.NextToken).toBeUndefined();
  });

  it('refuses a MaxResults below 5, and MaxResults or NextToken together with ids, in AWS words', async () => {
    const small = await failure(lab.ec2.send(new DescribeInstancesCommand({ MaxResults: 2 })));
    expect({ name: small.name, message: small.message }).toEqual({
      name: 'InvalidParameterValue', message: 'Value ( 2 ) for parameter maxResults is invalid. Expecting a value greater than 5.',
    });
    const withIds = await failure(lab.ec2.send(new DescribeInstancesCommand({ MaxResults: 5, InstanceIds: [lab.seed.nodes[0]!.instanceId] })));
    expect({ name: withIds.name, message: withIds.message }).toEqual({
      name: 'InvalidParameterCombination', message: 'The parameter instancesSet cannot be used with the parameter maxResults',
    });
    const volumeId = lab.world.rootVolume(lab.seed.nodes[0]!.instanceId)!.volumeId;
    const token = await failure(lab.ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId], NextToken: 'abc' })));
    expect(token.message).toBe('The parameter volumeIdsSet cannot be used with the parameter nextToken');
  });

  it('refuses a NextToken it did not issue, or issued for another listing', async () => {
    const bogus = await failure(lab.ec2.send(new DescribeInstancesCommand({ NextToken: 'not-a-token' })));
    expect({ name: bogus.name, message: bogus.message }).toEqual({ name: 'InvalidParameterValue', message: 'Unable to parse pagination token' });
    const page = await lab.ec2.send(new DescribeVolumesCommand({ MaxResults: 5 }));
    const other = await failure(lab.ec2.send(new DescribeVolumesCommand({ MaxResults: 5, NextToken: page.NextToken!, Filters: [{ Name: 'size', Values: ['8'] }] })));
    expect(other.name).toBe('InvalidParameterValue');
  });

  it('checks KMS Limit (1-1000 keys, 1-100 aliases) and Marker', async () => {
    for (const call of [lab.kms.send(new ListKeysCommand({ Limit: 0 })), lab.kms.send(new ListAliasesCommand({ Limit: 101 }))]) {
      expect((await failure(call)).name).toBe('ValidationException');
    }
    expect((await failure(lab.kms.send(new ListKeysCommand({ Marker: 'nope' })))).name).toBe('InvalidMarkerException');
    const one = await lab.kms.send(new ListKeysCommand({ Limit: 1 }));
    expect(one).toMatchObject({ Truncated: true, NextMarker: expect.any(String) });
    const rest = await lab.kms.send(new ListKeysCommand({ Limit: 1, Marker: one.NextMarker! }));
    expect(rest.Truncated).toBe(false);
    expect([...one.Keys!, ...rest.Keys!].map((k) => k.KeyArn).sort()).toEqual([lab.seed.customerKeyArn, lab.seed.awsManagedKeyArn].sort());
  });
});

describe('--page-size 1', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ nodes: 3, pageSize: 1 });
  });
  afterAll(async () => lab.close());

  it('gives one item per page even without MaxResults, so only paging sees everything', async () => {
    const first = await lab.ec2.send(new DescribeInstancesCommand({}));
    expect(first.Reservations).toHaveLength(1);
    expect(first.NextToken).toEqual(expect.any(String));
    const pages = await all(paginateDescribeInstances({ client: lab.ec2 }, {}));
    expect(pages.flatMap((p) => p.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId))).sort())
      .toEqual(lab.seed.nodes.map((n) => n.instanceId).sort());
    expect(pages).toHaveLength(3);
  });

  it('pages volumes, snapshots, images and subnets the same way', async () => {
    const vols = await all(paginateDescribeVolumes({ client: lab.ec2 }, {}));
    expect(vols.map((p) => p.Volumes!.length)).toEqual([1, 1, 1, 1]);
    const snaps = await all(paginateDescribeSnapshots({ client: lab.ec2 }, { OwnerIds: ['self'] }));
    expect(snaps.flatMap((p) => p.Snapshots!)).toHaveLength(2);
    expect((await lab.ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }))).Snapshots).toHaveLength(1);
    const images = await all(paginateDescribeImages({ client: lab.ec2 }, {}));
    expect(images.flatMap((p) => p.Images!.map((i) => i.ImageId)).sort())
      .toEqual([lab.seed.controllerAmiId, lab.seed.encryptedAmiId, lab.seed.marketplaceAmiId].sort());
    expect((await lab.ec2.send(new DescribeImagesCommand({}))).Images).toHaveLength(1);
    const subnets = await all(paginateDescribeSubnets({ client: lab.ec2 }, {}));
    expect(subnets.flatMap((p) => p.Subnets!)).toHaveLength(3);
    expect((await lab.ec2.send(new DescribeSubnetsCommand({}))).Subnets).toHaveLength(1);
  });

  it('cuts the page before filtering: a page can be empty and still have a next one', async () => {
    const last = lab.seed.nodes[2]!;
    const filter = { Filters: [{ Name: 'private-ip-address', Values: [last.ip] }] };
    const first = await lab.ec2.send(new DescribeInstancesCommand(filter));
    expect(first.Reservations).toEqual([]);
    expect(first.NextToken).toEqual(expect.any(String));
    const found = (await all(paginateDescribeInstances({ client: lab.ec2 }, filter))).flatMap((p) => p.Reservations!);
    expect(found.map((r) => r.Instances![0]!.InstanceId)).toEqual([last.instanceId]);
  });

  it('answers ids in one page: ids and paging do not mix', async () => {
    const ids = lab.seed.nodes.map((n) => n.instanceId);
    const out = await lab.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
    expect(out.Reservations).toHaveLength(3);
    expect(out.NextToken).toBeUndefined();
  });

  it('caps a larger MaxResults and KMS Limit at the page size', async () => {
    expect((await lab.ec2.send(new DescribeVolumesCommand({ MaxResults: 100 }))).Volumes).toHaveLength(1);
    const aliases = await lab.kms.send(new ListAliasesCommand({ Limit: 50 }));
    expect(aliases).toMatchObject({ Truncated: true });
    expect(aliases.Aliases).toHaveLength(1);
    const everything = await all(paginateListAliases({ client: lab.kms }, {}));
    expect(everything.flatMap((p) => p.Aliases!.map((a) => a.AliasName)).sort()).toEqual(['alias/avi-controller', 'alias/aws/ebs']);
    expect((await all(paginateListKeys({ client: lab.kms }, {}))).flatMap((p) => p.Keys!)).toHaveLength(2);
  });
});
