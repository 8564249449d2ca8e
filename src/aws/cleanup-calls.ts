// The EC2 calls `cleanup` makes and needs: this account's snapshots by tag, DeleteVolume and
// DeleteSnapshot. Apart from gateway-reads/-writes so the calls for after a run sit together.

import { DeleteSnapshotCommand, DeleteVolumeCommand, paginateDescribeSnapshots, type EC2Client, type Filter } from '@aws-sdk/client-ec2';
import { ec2Sender } from './dry-run-sender.js';
import { awsCall } from './errors.js';
import { tagsToRecord, toSnapshotInfo } from './mapping.js';
import type { Ec2Reads, Ec2Writes, SnapshotInfo, Tags } from './types.js';

export function createCleanupReads({ ec2 }: { ec2: EC2Client }): Pick<Ec2Reads, 'findSnapshotsByTags'> {
  return {
    async findSnapshotsByTags(tags: Tags) {
      const entries = Object.entries(tags);
      // Without tags this would list every snapshot of the account: never what a caller means.
      if (entries.length === 0) throw new Error('findSnapshotsByTags needs at least one tag');
      const Filters: Filter[] = entries.map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] }));
      const found: SnapshotInfo[] = [];
      // OwnerIds=self: a public snapshot carrying the same tags is never ours.
      await awsCall('DescribeSnapshots', async () => {
        for await (const page of paginateDescribeSnapshots({ client: ec2 }, { OwnerIds: ['self'], Filters })) {
          found.push(...(page.Snapshots ?? []).map((s) => ({ ...toSnapshotInfo(s), tags: tagsToRecord(s.Tags) })));
        }
      });
      return found;
    },
  };
}

/** With `dryRun` every request carries DryRun=true (the gateway's DryRun face). */
export function createCleanupWrites({ ec2: client }: { ec2: EC2Client }, opts: { dryRun?: boolean } = {}): Pick<Ec2Writes, 'deleteVolume' | 'deleteSnapshot'> {
  const ec2 = ec2Sender(client, opts.dryRun === true);
  return {
    async deleteVolume(volumeId) {
      await awsCall('DeleteVolume', () => ec2.send(new DeleteVolumeCommand({ VolumeId: volumeId })));
    },
    async deleteSnapshot(snapshotId) {
      await awsCall('DeleteSnapshot', () => ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })));
    },
  };
}
