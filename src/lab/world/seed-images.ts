// The Controller AMIs the lab starts with. Avi Controllers normally run from the AWS Marketplace
// listing (Avi's Terraform module selects `owners = ["aws-marketplace"]`), so the seeded nodes run
// from an own-account AMI that carries the listing's Marketplace product code, as an AMI created
// from a Marketplace-launched instance does: its snapshot, the volumes restored from it and the
// instances they are attached to carry the code too. The public listing itself is seeded as well,
// owned by the aws-marketplace account, so CopyImage's billing-product refusal can be rehearsed.

import { newResourceId } from '../aws/resource-ids.js';
import type { ImageRecord, ProductCode, SnapshotRecord, Tags } from './types.js';
import type { LabWorld } from './world.js';

export const CONTROLLER_AMI_NAME = 'Avi-Controller-22.1.3-9096';
export const ROOT_DEVICE = '/dev/xvda';
export const ROOT_GIB = 128;
/** The AWS Marketplace account (owner id of Marketplace listings; alias `aws-marketplace`). */
export const MARKETPLACE_ACCOUNT = '679593333241';
/** A made-up code in AWS's 25-character product-code form. */
export const CONTROLLER_PRODUCT_CODE: ProductCode = { productCodeId: 'b3avictrl22marketplace9x1', productCodeType: 'marketplace' };

const codes = () => [{ ...CONTROLLER_PRODUCT_CODE }];

export function addSnapshot(world: LabWorld, fields: Omit<SnapshotRecord, 'snapshotId' | 'state'>): SnapshotRecord {
  const snap: SnapshotRecord = { snapshotId: newResourceId('snap'), state: 'completed', ...fields };
  world.snapshots.set(snap.snapshotId, snap);
  return snap;
}

export function addImage(world: LabWorld, name: string, snap: SnapshotRecord, extra: Partial<ImageRecord> & { tags: Tags }): ImageRecord {
  const image: ImageRecord = {
    imageId: newResourceId('ami'),
    name,
    state: 'available',
    rootDeviceName: ROOT_DEVICE,
    blockDevices: [{
      device: ROOT_DEVICE,
      snapshotId: snap.snapshotId,
      volumeSize: snap.volumeSize,
      volumeType: 'gp3',
      encrypted: snap.encrypted,
      deleteOnTermination: true,
    }],
    ...extra,
  };
  world.images.set(image.imageId, image);
  return image;
}

export interface SeededImages {
  controller: ImageRecord;
  controllerSnapshot: SnapshotRecord;
  encrypted: ImageRecord;
  encryptedSnapshot: SnapshotRecord;
  marketplace: ImageRecord;
}

export function seedImages(world: LabWorld, customerKeyArn: string): SeededImages {
  const controllerSnapshot = addSnapshot(world, {
    volumeSize: ROOT_GIB, encrypted: false, content: 'fresh', description: `Root of ${CONTROLLER_AMI_NAME}`, tags: {}, productCodes: codes(),
  });
  const controller = addImage(world, CONTROLLER_AMI_NAME, controllerSnapshot, { tags: {}, productCodes: codes() });
  const encryptedTags = { Name: `${CONTROLLER_AMI_NAME}-encrypted`, 'avi-lab:encrypted-copy-of': controller.imageId };
  const encryptedSnapshot = addSnapshot(world, {
    volumeSize: ROOT_GIB,
    encrypted: true,
    kmsKeyArn: customerKeyArn,
    content: 'fresh',
    description: `Copied for DestinationAmi from SourceAmi ${controller.imageId}`,
    tags: encryptedTags,
    productCodes: codes(),
  });
  const encrypted = addImage(world, `${CONTROLLER_AMI_NAME}-encrypted`, encryptedSnapshot, { tags: encryptedTags, productCodes: codes() });
  // The listing's snapshot belongs to the Marketplace account: launchable through the AMI, not describable.
  const listingSnapshot = addSnapshot(world, {
    volumeSize: ROOT_GIB, encrypted: false, content: 'fresh', tags: {}, ownerId: MARKETPLACE_ACCOUNT, productCodes: codes(),
  });
  const marketplace = addImage(world, `${CONTROLLER_AMI_NAME}-0c8e1f4a-7d2b-4e59-a3b6-5f9d2c7e8a10`, listingSnapshot, {
    tags: {}, ownerId: MARKETPLACE_ACCOUNT, ownerAlias: 'aws-marketplace', public: true, productCodes: codes(),
    description: 'Avi Vantage Controller (AWS Marketplace)',
  });
  return { controller, controllerSnapshot, encrypted, encryptedSnapshot, marketplace };
}
