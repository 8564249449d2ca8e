// The gateway calls cleanup and doctor add, over a mocked SDK: this account's snapshots by tag
// (every page, with their tags), DeleteVolume and DeleteSnapshot with AWS's refusals mapped.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { DeleteSnapshotCommand, DeleteVolumeCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createAwsGateway } from '../../src/aws/gateway.js';
import { awsFailure, failure } from './sdk-errors.js';

const ec2Mock = mockClient(EC2Client);
const gateway = createAwsGateway({ ec2: new EC2Client({ region: 'us-east-1' }), kms: new KMSClient({ region: 'us-east-1' }) });

beforeEach(() => {
  ec2Mock.reset();
});

describe('cleanup calls', () => {
  it("findSnapshotsByTags asks for this account's own snapshots with every tag, reads every page, keeps the tags", async () => {
    ec2Mock.on(DescribeSnapshotsCommand)
      .resolvesOnce({ Snapshots: [{ SnapshotId: 'snap-1', State: 'completed', VolumeSize: 8, Tags: [{ Key: 'avi-encrypt:run-id', Value: 'r1' }] }], NextToken: 't' })
      .resolvesOnce({ Snapshots: [{ SnapshotId: 'snap-2', State: 'pending', VolumeSize: 8 }] });
    const found = await gateway.findSnapshotsByTags({ 'avi-encrypt:run-id': 'r1', 'avi-encrypt:role': 'temporary-snapshot' });
    expect(found.map((s) => [s.snapshotId, s.state, s.tags])).toEqual([['snap-1', 'completed', { 'avi-encrypt:run-id': 'r1' }], ['snap-2', 'pending', {}]]);
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeSnapshotsCommand, {
      OwnerIds: ['self'],
      Filters: [{ Name: 'tag:avi-encrypt:run-id', Values: ['r1'] }, { Name: 'tag:avi-encrypt:role', Values: ['temporary-snapshot'] }],
    });
    await expect(gateway.findSnapshotsByTags({})).rejects.toThrow('at least one tag');
  });

  it('deleteVolume and deleteSnapshot send one id each and map VolumeInUse / InvalidSnapshot.InUse', async () => {
    ec2Mock.on(DeleteVolumeCommand, { VolumeId: 'vol-free' }).resolves({});
    ec2Mock.on(DeleteVolumeCommand, { VolumeId: 'vol-busy' }).rejects(awsFailure('VolumeInUse', 'Volume vol-busy is currently attached to i-1'));
    ec2Mock.on(DeleteSnapshotCommand, { SnapshotId: 'snap-ami' }).rejects(awsFailure('InvalidSnapshot.InUse', 'The snapshot snap-ami is currently in use by ami-1'));
    await gateway.deleteVolume('vol-free');
    expect(ec2Mock).toHaveReceivedCommandWith(DeleteVolumeCommand, { VolumeId: 'vol-free' });
    expect(await failure(gateway.deleteVolume('vol-busy'))).toMatchObject({ code: 'VolumeInUse', operation: 'DeleteVolume' });
    expect(await failure(gateway.deleteSnapshot('snap-ami'))).toMatchObject({ code: 'InvalidSnapshot.InUse', operation: 'DeleteSnapshot' });
  });
});
