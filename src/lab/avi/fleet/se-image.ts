// The cloud's SE image: an AMI in the world that the Controller launches SEs from. Avi docs
// ("EBS Encryption Support"): the Controller uploads and manages an unencrypted or encrypted SE AMI
// per the cloud's encryption option, and only SEs launched afterwards are encrypted. So a change of
// ebs_encryption/s3_encryption regenerates the image, and the cloud status shows it (CloudStatus
// se_image_state, 18.2.6+; that /cloud/<uuid>/status returns this shape is UNVERIFIED).

import type { AwsEncryption, Cloud } from '../../../avi/types.js';
import { newResourceId } from '../../aws/resource-ids.js';
import type { ImageRecord, KeyRecord, SnapshotRecord } from '../../world/types.js';
import type { LabWorld } from '../../world/world.js';
import { VERSION } from '../config.js';
import { FLEET_DURATIONS, type SeImage } from './model.js';
import type { FleetState } from './state.js';

export const SE_IMAGE_NAME = `Avi-SE-${VERSION.Version}-${VERSION.build}`;
const ROOT_DEVICE = '/dev/xvda';
/** SEG disk_per_se default (15 GB). */
const ROOT_GIB = 15;

/** Registers an SE AMI (root snapshot + image) in the world, encrypted with the key when one is given. */
export function registerSeImage(world: LabWorld, name: string, key?: KeyRecord): ImageRecord {
  const snap: SnapshotRecord = {
    snapshotId: newResourceId('snap'), state: 'completed', volumeSize: ROOT_GIB, encrypted: key !== undefined,
    ...(key ? { kmsKeyArn: key.arn } : {}), content: 'data', description: `Root of ${name}`, tags: { Name: name },
  };
  world.snapshots.set(snap.snapshotId, snap);
  const image: ImageRecord = {
    imageId: newResourceId('ami'), name, state: 'available', rootDeviceName: ROOT_DEVICE, tags: { Name: name },
    blockDevices: [{ device: ROOT_DEVICE, snapshotId: snap.snapshotId, volumeSize: ROOT_GIB, volumeType: 'gp3', encrypted: snap.encrypted, deleteOnTermination: true }],
  };
  world.images.set(image.imageId, image);
  return image;
}

/** What the SE image depends on: the EBS and S3 encryption settings. */
export function encryptionOf(cloud: Cloud | undefined): string {
  const norm = (e: AwsEncryption | undefined) => [e?.mode ?? 'AWS_ENCRYPTION_MODE_NONE', e?.mode === 'AWS_ENCRYPTION_MODE_SSE_KMS' ? e.master_key ?? '' : ''];
  return JSON.stringify([norm(cloud?.aws_configuration?.ebs_encryption), norm(cloud?.aws_configuration?.s3_encryption)]);
}

/** Starts (or restarts) the image regeneration; `done` runs when it has finished either way. */
export function regenerate(f: FleetState, cloud: Cloud, done: () => void): void {
  const image = f.images.get(cloud.uuid);
  if (!image) return;
  const gen = ++image.gen;
  image.state = 'IMG_GEN_IN_PROGRESS';
  image.reason = 'Service Engine image is being regenerated for the new encryption settings';
  f.timeline.record(`cloud:${cloud.name}`, 'CLOUD_STATE_IN_PROGRESS', image.reason);
  f.world.clock.after(FLEET_DURATIONS.imageGenMs, () => {
    if (f.closed || image.gen !== gen) return;
    const now = f.config().clouds.find((c) => c.uuid === cloud.uuid) ?? cloud;
    try {
      const key = imageKey(f.world, now);
      const kind = key ? 'encrypted' : 'plain';
      image.imageId = registerSeImage(f.world, `${SE_IMAGE_NAME}-${kind}-${gen}`, key).imageId;
      image.state = 'IMG_GEN_COMPLETE';
      delete image.reason;
      f.timeline.record(`cloud:${cloud.name}`, 'CLOUD_STATE_PLACEMENT_READY', `SE image ${image.imageId} (${key ? `encrypted with ${key.arn}` : 'unencrypted'})`);
    } catch (e) {
      image.state = 'IMG_GEN_FAILED';
      image.reason = (e as Error).message;
      f.timeline.record(`cloud:${cloud.name}`, 'CLOUD_STATE_FAILED', image.reason);
    }
    done();
  });
}

/** The key the SE AMI is encrypted with; a blank master_key is the service default (alias/aws/ebs). */
function imageKey(world: LabWorld, cloud: Cloud): KeyRecord | undefined {
  const aws = cloud.aws_configuration;
  const s3 = aws?.s3_encryption;
  // Docs: "If the KMS CMK for S3 is deleted ... during an SE image upload, then a new SE upload will fail."
  if (s3?.mode === 'AWS_ENCRYPTION_MODE_SSE_KMS' && s3.master_key) usable(world, s3.master_key, 's3_encryption');
  const ebs = aws?.ebs_encryption;
  if (ebs?.mode !== 'AWS_ENCRYPTION_MODE_SSE_KMS') return undefined;
  return ebs.master_key ? usable(world, ebs.master_key, 'ebs_encryption') : world.awsManagedKey('ebs');
}

function usable(world: LabWorld, arn: string, field: string): KeyRecord {
  const key = world.findKey(arn);
  if (!key) throw new Error(`SE image generation failed: ${field} KMS key ${arn} was not found in ${world.region}`);
  if (key.state !== 'Enabled') throw new Error(`SE image generation failed: ${field} KMS key ${arn} is ${key.state}`);
  return key;
}

/** GET /api/cloud/<uuid>/status: CloudStatus {state, reason, se_image_state[]}. */
export function cloudStatus(image: SeImage | undefined): Record<string, unknown> {
  if (!image) return { state: 'CLOUD_STATE_PLACEMENT_READY', se_image_state: [] };
  const state = image.state === 'IMG_GEN_COMPLETE' ? 'CLOUD_STATE_PLACEMENT_READY' : image.state === 'IMG_GEN_IN_PROGRESS' ? 'CLOUD_STATE_IN_PROGRESS' : 'CLOUD_STATE_FAILED';
  const entry: Record<string, unknown> = { version: `${VERSION.Version}-${VERSION.build}`, state: image.state };
  if (image.reason) entry.reason = image.reason;
  return { state, ...(image.reason ? { reason: image.reason } : {}), se_image_state: [entry] };
}
