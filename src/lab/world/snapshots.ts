// DeleteSnapshot: AWS refuses a snapshot a registered AMI uses ("deregister first", InvalidSnapshot.InUse,
// DeleteSnapshot API reference); a volume restored from it does not hold it. The lab removes it at once.

import { AwsFault } from '../aws/fault.js';
import type { LabWorld } from './world.js';

export function deleteSnapshot(world: LabWorld, snapshotId: string): void {
  const snap = world.snapshot(snapshotId);
  if (snap.ownerId && snap.ownerId !== world.accountId) {
    throw new AwsFault('UnauthorizedOperation', `You are not authorized to delete snapshot ${snapshotId} of account ${snap.ownerId}.`);
  }
  const user = [...world.images.values()].find((i) => i.blockDevices.some((b) => b.snapshotId === snapshotId));
  if (user) throw new AwsFault('InvalidSnapshot.InUse', `The snapshot ${snapshotId} is currently in use by ${user.imageId}`);
  world.commit();
  world.snapshots.delete(snapshotId);
}
