// DescribeImages and DescribeSnapshots as the caller sees them: its own AMIs and snapshots plus
// public AMIs (a Marketplace listing), scoped by `Owners` / `OwnerIds` as the API reference says;
// and CopyImage (rules in world/copy-image.ts).

import type { ImageRecord, SnapshotRecord } from '../world/types.js';
import type { LabWorld } from '../world/world.js';
import type { FilterFields } from './ec2-filters.js';
import { describe } from './ec2-describe.js';
import { imageShape, snapshotShape } from './ec2-shapes.js';
import type { Ec2Action } from './ec2.js';
import { AwsFault } from './fault.js';
import { notFound } from './resource-ids.js';
import { isRegionName } from './regions.js';
import { copyImage } from '../world/copy-image.js';

const IMAGE_FILTERS: FilterFields<ImageRecord> = {
  'image-id': (i) => [i.imageId],
  name: (i) => [i.name],
  state: (i) => [i.state],
  'owner-id': (i) => [i.ownerId],
  'owner-alias': (i) => [i.ownerAlias],
  'is-public': (i) => [i.public === true],
  'product-code': (i) => (i.productCodes ?? []).map((c) => c.productCodeId),
  'root-device-name': (i) => [i.rootDeviceName],
  'block-device-mapping.snapshot-id': (i) => i.blockDevices.map((b) => b.snapshotId),
  'block-device-mapping.encrypted': (i) => i.blockDevices.map((b) => b.encrypted),
};

const SNAPSHOT_FILTERS: FilterFields<SnapshotRecord> = {
  'snapshot-id': (s) => [s.snapshotId],
  'owner-id': (s) => [s.ownerId],
  status: (s) => [s.state],
  encrypted: (s) => [s.encrypted],
  'kms-key-id': (s) => [s.kmsKeyArn],
  'volume-size': (s) => [s.volumeSize],
};

/** Owner fields filled in: absent means the world's own account. */
const ownerOf = (world: LabWorld, r: { ownerId?: string }) => r.ownerId ?? world.accountId;

/** `self`, an account id, `amazon`, `aws-marketplace` (and `aws-backup-vault`, which owns nothing here). */
function ownerTest(world: LabWorld, owners: string[]): (r: { ownerId?: string; ownerAlias?: string }) => boolean {
  for (const o of owners) {
    if (!/^(self|amazon|aws-marketplace|aws-backup-vault|\d{12})$/.test(o)) {
      throw new AwsFault('InvalidUserID.Malformed', `Invalid user id: '${o}'`);
    }
  }
  return (r) => owners.some((o) =>
    (o === 'self' && ownerOf(world, r) === world.accountId) || o === ownerOf(world, r) || o === r.ownerAlias);
}

/** An AMI the caller may launch: its own, or public. Others' private AMIs are NotFound. */
const launchable = (world: LabWorld, i: ImageRecord) => ownerOf(world, i) === world.accountId || i.public === true;

const describeImages: Ec2Action = (world, q, ctx) => {
  const owners = q.list('Owner');
  const owned = owners.length ? ownerTest(world, owners) : () => true;
  // DescribeImages MaxResults: the API reference gives no range; the lab applies the usual 5-1000 (lab assumption).
  const { items, nextToken } = describe(q, ctx, {
    action: 'DescribeImages', rule: { min: 5, max: 1000 }, ids: q.list('ImageId'), fields: IMAGE_FILTERS,
    all: () => world.listed(world.images).filter((i) => launchable(world, i) && owned(i)),
    byId: (id) => {
      const image = world.image(id);
      if (!launchable(world, image)) throw notFound('image', id);
      return image;
    },
  });
  // Asking for ids and owners answers the ids that have one of those owners.
  return { imagesSet: items.filter(owned).map((i) => imageShape(world, i)), nextToken };
};

const describeSnapshots: Ec2Action = (world, q, ctx) => {
  const owners = q.list('Owner');
  const owned = owners.length ? ownerTest(world, owners) : () => true;
  const mine = (s: SnapshotRecord) => ownerOf(world, s) === world.accountId;
  // AWS: DescribeSnapshots MaxResults 5-1000, not with snapshot ids (API reference).
  const { items, nextToken } = describe(q, ctx, {
    action: 'DescribeSnapshots', rule: { min: 5, max: 1000, idsSet: 'snapshotSet' }, ids: q.list('SnapshotId'), fields: SNAPSHOT_FILTERS,
    all: () => world.listed(world.snapshots).filter((s) => mine(s) && owned(s)),
    byId: (id) => {
      const snap = world.snapshot(id);
      if (!mine(snap)) throw notFound('snapshot', id);
      return snap;
    },
  });
  return { snapshotSet: items.filter(owned).map((s) => snapshotShape(world, s)), nextToken };
};

const copyImageAction: Ec2Action = (world, q, ctx) => {
  const sourceRegion = q.require('SourceRegion');
  if (!isRegionName(sourceRegion)) throw new AwsFault('InvalidParameterValue', `Invalid value '${sourceRegion}' for SourceRegion.`);
  const source = sourceRegion === world.region ? world : ctx.regions?.get(sourceRegion);
  if (!source) throw new AwsFault('InvalidParameterValue', `Invalid value '${sourceRegion}' for SourceRegion.`);
  const tags = q.tagSpecifications(['image', 'snapshot']);
  const optional = {
    description: q.get('Description'), encrypted: q.bool('Encrypted'), kmsKeyId: q.get('KmsKeyId'), clientToken: q.get('ClientToken'),
    copyImageTags: q.bool('CopyImageTags'), imageTags: tags['image'], snapshotTags: tags['snapshot'],
  };
  const copy = copyImage(world, source, {
    sourceImageId: q.require('SourceImageId'),
    name: q.require('Name'),
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  }, ctx.caller.launcher);
  return { imageId: copy.imageId };
};

export const IMAGE_ACTIONS: Record<string, Ec2Action> = {
  DescribeImages: describeImages,
  DescribeSnapshots: describeSnapshots,
  CopyImage: copyImageAction,
};
