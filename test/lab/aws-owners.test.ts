// DescribeImages `Owners` and DescribeSnapshots `OwnerIds`, as the API reference scopes them: the
// account's own AMIs and snapshots, the public Marketplace listing (owner aws-marketplace), and
// what another account keeps to itself (the listing's snapshot).

import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { DescribeImagesCommand, DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { ACCOUNT, failure, startLab, type Lab } from './aws-harness.js';
import { MARKETPLACE_ACCOUNT } from '../../src/lab/world/seed-images.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ nodes: 1 });
});
afterAll(async () => lab.close());

const imageIds = async (Owners?: string[], ImageIds?: string[]) =>
  ((await lab.ec2.send(new DescribeImagesCommand({ ...(Owners ? { Owners } : {}), ...(ImageIds ? { ImageIds } : {}) }))).Images ?? [])
    .map((i) => i.ImageId).sort();
const snapshotIds = async (OwnerIds?: string[]) =>
  ((await lab.ec2.send(new DescribeSnapshotsCommand(OwnerIds ? { OwnerIds } : {}))).Snapshots ?? []).map((s) => s.SnapshotId).sort();

describe('DescribeImages Owners', () => {
  it('lists every launchable AMI without Owners: the own ones and the public listing', async () => {
    expect(await imageIds()).toEqual([lab.seed.controllerAmiId, lab.seed.encryptedAmiId, lab.seed.marketplaceAmiId].sort());
  });

  it('scopes to self or the own account id, to aws-marketplace, and finds nothing owned by amazon', async () => {
    const own = [lab.seed.controllerAmiId, lab.seed.encryptedAmiId].sort();
    expect(await imageIds(['self'])).toEqual(own);
    expect(await imageIds([ACCOUNT])).toEqual(own);
    expect(await imageIds(['aws-marketplace'])).toEqual([lab.seed.marketplaceAmiId]);
    expect(await imageIds([MARKETPLACE_ACCOUNT])).toEqual([lab.seed.marketplaceAmiId]);
    expect(await imageIds(['amazon'])).toEqual([]);
    expect(await imageIds(['self', 'aws-marketplace'])).toHaveLength(3);
  });

  it('applies Owners to named ids too, and shows the listing as Marketplace-owned with its product code', async () => {
    expect(await imageIds(['self'], [lab.seed.marketplaceAmiId, lab.seed.controllerAmiId])).toEqual([lab.seed.controllerAmiId]);
    const [listing] = (await lab.ec2.send(new DescribeImagesCommand({ ImageIds: [lab.seed.marketplaceAmiId] }))).Images!;
    expect(listing).toMatchObject({
      OwnerId: MARKETPLACE_ACCOUNT, ImageOwnerAlias: 'aws-marketplace', Public: true,
      ProductCodes: [{ ProductCodeId: lab.seed.productCode, ProductCodeType: 'marketplace' }],
    });
    const [own] = (await lab.ec2.send(new DescribeImagesCommand({ ImageIds: [lab.seed.controllerAmiId] }))).Images!;
    expect(own).toMatchObject({ OwnerId: ACCOUNT, Public: false, ProductCodes: [{ ProductCodeId: lab.seed.productCode }] });
    expect(own!.ImageOwnerAlias).toBeUndefined();
  });

  it('refuses an owner that is neither an alias nor an account id', async () => {
    const err = await failure(lab.ec2.send(new DescribeImagesCommand({ Owners: ['someone'] })));
    expect({ name: err.name, message: err.message }).toEqual({ name: 'InvalidUserID.Malformed', message: "Invalid user id: 'someone'" });
  });
});

describe('DescribeSnapshots OwnerIds', () => {
  const own = () => [lab.seed.encryptedSnapshotId, lab.world.images.get(lab.seed.controllerAmiId)!.blockDevices[0]!.snapshotId].sort();

  it('lists only the own snapshots, with or without OwnerIds self / the account id; amazon owns none here', async () => {
    expect(await snapshotIds()).toEqual(own());
    expect(await snapshotIds(['self'])).toEqual(own());
    expect(await snapshotIds([ACCOUNT])).toEqual(own());
    expect(await snapshotIds(['amazon'])).toEqual([]);
    expect(await snapshotIds([MARKETPLACE_ACCOUNT])).toEqual([]);
  });

  it("answers NotFound for another account's snapshot, named by id", async () => {
    const listingSnapshot = lab.world.images.get(lab.seed.marketplaceAmiId)!.blockDevices[0]!.snapshotId;
    const err = await failure(lab.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [listingSnapshot] })));
    expect(err.name).toBe('InvalidSnapshot.NotFound');
  });
});
