// Every key the deployment depends on, and what depends on it: the volumes of the Controllers and
// SEs (the fleet report's rows), the encrypted AMIs (the images they were launched from, and the
// Controller AMI copies runs made), and the clouds' ebs_encryption / s3_encryption. Reads only.

import { TAG } from '../../aws/types.js';
import { ROLE_ENCRYPTED_AMI } from '../controller/ami.js';
import type { FleetReport, InstanceRow } from '../fleet/report.js';
import type { Reads } from '../gateways.js';

export type UseKind = 'controller-volume' | 'se-volume' | 'image' | 'cloud-ebs' | 'cloud-s3';

export interface KeyDependency {
  keyRef: string;
  kind: UseKind;
  /** "Controller 10.10.1.11 (i-0abc) root vol-0def", "AMI ami-0123 (Controller AMI copy)". */
  what: string;
  /** The Avi cloud, for a cloud's encryption setting. */
  cloud?: string;
}

const volumeKind = (row: InstanceRow): UseKind => (row.kind === 'SE' ? 'se-volume' : 'controller-volume');

export async function keyDependencies(reads: Pick<Reads, 'ec2'>, report: FleetReport): Promise<KeyDependency[]> {
  const deps: KeyDependency[] = report.keyUses.map((u) => ({ ...u }));
  for (const row of report.instances) {
    for (const v of row.volumes) {
      if (v.encrypted && v.keyArn) deps.push({ keyRef: v.keyArn, kind: volumeKind(row), what: `${row.kind} ${row.name} (${row.instanceId}, ${row.state}) ${v.root ? 'root' : 'volume'} ${v.volumeId}` });
    }
  }
  // The images the instances came from, and the encrypted Controller AMIs the runs made (kept for new Controllers).
  const images = new Map<string, string>();
  for (const row of report.instances) if (row.imageId && !images.has(row.imageId)) images.set(row.imageId, row.kind === 'SE' ? 'the SE image the SEs were launched from' : 'the AMI the Controllers were launched from');
  for (const image of await reads.ec2.findImagesByTags({ [TAG.role]: ROLE_ENCRYPTED_AMI })) {
    images.set(image.imageId, `encrypted Controller AMI copy${image.tags[TAG.runId] ? ` made by run ${image.tags[TAG.runId]}` : ''}`);
  }
  for (const [imageId, what] of images) deps.push(...(await imageKeys(reads, imageId, what)));
  return deps;
}

/** The keys of an image's encrypted snapshots; none for an unencrypted, deregistered or foreign one. */
async function imageKeys(reads: Pick<Reads, 'ec2'>, imageId: string, what: string): Promise<KeyDependency[]> {
  const image = await reads.ec2.describeImage(imageId).catch((e: { code?: string }) => {
    if (e.code?.startsWith('InvalidAMIID')) return undefined;
    throw e;
  });
  if (!image) return [];
  const keys = new Set<string>();
  for (const id of image.snapshotIds) {
    const snap = await reads.ec2.describeSnapshot(id).catch((e: { code?: string }) => {
      // Another account's snapshot behind a shared AMI is not readable here, and not ours to judge.
      if (e.code === 'InvalidSnapshot.NotFound' || e.code === 'UnauthorizedOperation') return undefined;
      throw e;
    });
    if (snap?.encrypted && snap.kmsKeyId) keys.add(snap.kmsKeyId);
  }
  return [...keys].map((keyRef) => ({ keyRef, kind: 'image' as const, what: `AMI ${imageId}${image.name ? ` "${image.name}"` : ''} (${what})` }));
}
