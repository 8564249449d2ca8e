// CopyImage as the EC2 API reference and user guide describe it: a new AMI and new snapshots in the
// destination Region, optionally encrypted with a key that is validated only while the copy runs
// (a bad key "can appear to complete, but eventually fails": the image ends `failed` with a
// StateReason), ClientToken idempotency, tags for the image and its snapshots, and the refusal to
// copy a billing-product (Marketplace) AMI owned by another account.
// Duration: AWS publishes no per-GiB figure for best-effort copies (reference: UNVERIFIED); the lab
// takes 2 minutes plus 5 s per GiB (about 200 MiB/s, under the documented 500 MiB/s per-copy cap of
// time-based copies), so the seeded 128 GiB root takes about 12.7 minutes, scaled by the clock.

import type { ImageRecord, SnapshotRecord, StateReason, Tags } from './types.js';
import type { LabWorld } from './world.js';
import { AwsFault } from '../aws/fault.js';
import { newResourceId, notFound } from '../aws/resource-ids.js';
import { volumeEncryption } from '../aws/ebs-volume-rules.js';
import { idempotent } from './client-token.js';
import type { Launcher } from './instances.js';

export const COPY_MS = { base: 120_000, perGiB: 5_000 } as const;

export interface CopyImageSpec {
  sourceImageId: string;
  name: string;
  description?: string;
  encrypted?: boolean;
  kmsKeyId?: string;
  clientToken?: string;
  copyImageTags?: boolean;
  imageTags?: Tags;
  snapshotTags?: Tags;
}

// Lab wording: AWS documents that the copy fails, not the exact StateReason (UNVERIFIED).
const keyFailure = (keyArn: string): StateReason => ({
  code: 'Client.InvalidKMSKey.InvalidState',
  message: `Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state or cannot be used: ${keyArn}`,
});

/** `source` is the world of SourceRegion (the destination itself for an in-Region copy). */
export function copyImage(world: LabWorld, source: LabWorld, spec: CopyImageSpec, launcher?: Launcher): ImageRecord {
  const { clientToken, ...asked } = spec;
  return idempotent(world, 'CopyImage', clientToken, { ...asked, sourceRegion: source.region }, (ids) => world.images.get(ids[0]!)!, () => {
    const image = source.image(spec.sourceImageId);
    const owner = image.ownerId ?? source.accountId;
    if (owner !== world.accountId && !image.public) throw notFound('image', spec.sourceImageId);
    // AWS (user guide, "Copy an AMI"): an AMI with a billing product code shared from another account cannot be copied.
    if (owner !== world.accountId && image.productCodes?.length) {
      throw new AwsFault('InvalidRequest', image.ownerAlias === 'aws-marketplace'
        ? 'Images from AWS Marketplace cannot be copied to another AWS account'
        : 'Images with EC2 BillingProduct codes cannot be copied to another AWS account');
    }
    if (image.state !== 'available') throw new AwsFault('InvalidRequest', `Image ${image.imageId} is not in a copyable state: ${image.state}.`);
    const sources = image.blockDevices.map((b) => source.snapshots.get(b.snapshotId)!);
    const keys = sources.map((snap) => {
      // A key belongs to its Region: across Regions, an encrypted snapshot copied without KmsKeyId takes the destination's EBS default key.
      if (source.region !== world.region && snap.encrypted && spec.kmsKeyId === undefined) return { encrypted: true, kmsKeyArn: world.awsManagedKey('ebs').arn };
      return volumeEncryption(spec, snap, world);
    });
    world.commit();

    const imageId = newResourceId('ami');
    const copies: SnapshotRecord[] = sources.map((snap, i) => ({
      snapshotId: newResourceId('snap'),
      state: 'pending',
      volumeSize: snap.volumeSize,
      ...keys[i]!,
      content: snap.content,
      description: `Copied for DestinationAmi ${imageId} from SourceAmi ${image.imageId} for SourceSnapshot ${snap.snapshotId}. Task created on ${Math.floor(Date.now() / 1000)}.`,
      tags: { ...spec.snapshotTags },
      ...(snap.productCodes ? { productCodes: snap.productCodes.map((c) => ({ ...c })) } : {}),
    }));
    const userTags = spec.copyImageTags ? Object.fromEntries(Object.entries(image.tags).filter(([k]) => !k.startsWith('aws:'))) : {};
    const copy: ImageRecord = {
      imageId,
      name: spec.name,
      state: 'pending',
      rootDeviceName: image.rootDeviceName,
      blockDevices: image.blockDevices.map((b, i) => ({ ...b, snapshotId: copies[i]!.snapshotId, encrypted: copies[i]!.encrypted })),
      tags: { ...userTags, ...spec.imageTags },
      ...(image.productCodes ? { productCodes: image.productCodes.map((c) => ({ ...c })) } : {}),
      ...(spec.description === undefined ? {} : { description: spec.description }),
      creationDate: new Date().toISOString(),
    };
    for (const snap of copies) world.snapshots.set(snap.snapshotId, snap);
    world.images.set(imageId, copy);
    world.created(imageId, ...copies.map((s) => s.snapshotId));

    const gib = copies.reduce((n, s) => n + s.volumeSize, 0);
    world.clock.after(COPY_MS.base + COPY_MS.perGiB * gib, () => finish(world, copy, copies, launcher));
    return { result: copy, ids: [imageId] };
  });
}

/** KMS is consulted as the data is re-encrypted: an unusable key (or no kms:CreateGrant on it) fails the copy. */
function finish(world: LabWorld, copy: ImageRecord, copies: SnapshotRecord[], launcher?: Launcher): void {
  if (copy.state !== 'pending') return;
  const bad = copies.find((s) => s.encrypted && (!world.keyUsable(s.kmsKeyArn)
    || (world.findKey(s.kmsKeyArn!)?.manager === 'CUSTOMER' && launcher && !launcher.mayCreateGrant(s.kmsKeyArn!))));
  for (const snap of copies) snap.state = bad ? 'error' : 'completed';
  copy.state = bad ? 'failed' : 'available';
  if (bad) copy.stateReason = keyFailure(bad.kmsKeyArn!);
  world.events.emit('image', copy);
}
