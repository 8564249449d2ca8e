// The after-run domains over small in-memory gateways: the fleet report's rows and verdict (roots
// judged, other volumes warned about), which key a cloud expects, doctor's cases with the
// document's consequences and remedy per key state, and cleanup's leftovers and removal rules.

import { describe, expect, it } from '@jest/globals';
import { AwsError, type ImageInfo, type InstanceInfo, type KeyInfo, type SnapshotInfo, type VolumeInfo } from '../../src/aws/types.js';
import { KEPT_ROLES, findLeftovers } from '../../src/steps/cleanup/leftovers.js';
import { removeLeftover } from '../../src/steps/cleanup/remove.js';
import { findKeyCases } from '../../src/steps/doctor/cases.js';
import { cloudKey, keyArns } from '../../src/steps/fleet/expected-key.js';
import { fleetReport, instanceRow, mergeReports, volumeProblem } from '../../src/steps/fleet/report.js';
import type { Reads, Writes } from '../../src/steps/gateways.js';

const arn = (n: string) => `arn:aws:kms:eu-west-1:123456789012:key/${n}`;
const A = arn('aaaa');
const B = arn('bbbb');
const C = arn('cccc');

function volume(id: string, fields: Partial<VolumeInfo> = {}): VolumeInfo {
  return { volumeId: id, state: 'in-use', availabilityZone: 'eu-west-1a', encrypted: false, size: 8, volumeType: 'gp3', attachments: [], tags: {}, ...fields };
}

function instance(id: string, devices: string[], imageId?: string): InstanceInfo {
  return {
    instanceId: id, state: 'running', availabilityZone: 'eu-west-1a', rootDeviceName: '/dev/xvda', tags: {}, ...(imageId ? { imageId } : {}),
    blockDevices: devices.map((v, i) => ({ device: i === 0 ? '/dev/xvda' : '/dev/sdb', volumeId: v, deleteOnTermination: true, status: 'attached' })),
  };
}

const notFound = (code: string) => new AwsError(code, `${code}: not found`, 'Describe');

/** Reads over maps; anything not listed is NotFound, as AWS answers. */
function reads(world: { volumes?: VolumeInfo[]; keys?: KeyInfo[]; images?: ImageInfo[]; snapshots?: SnapshotInfo[]; refuseKey?: string }): Reads {
  const find = <T>(list: T[] | undefined, hit: (t: T) => boolean, code: string) => {
    const found = list?.find(hit);
    return found ? Promise.resolve(found) : Promise.reject(notFound(code));
  };
  const ec2 = {
    describeVolume: (id: string) => find(world.volumes, (v) => v.volumeId === id, 'InvalidVolume.NotFound'),
    describeImage: (id: string) => find(world.images, (i) => i.imageId === id, 'InvalidAMIID.NotFound'),
    describeSnapshot: (id: string) => find(world.snapshots, (s) => s.snapshotId === id, 'InvalidSnapshot.NotFound'),
    findImagesByTags: async () => (world.images ?? []).filter((i) => i.tags['avi-encrypt:role'] === 'encrypted-ami'),
    findVolumesByTags: async (tags: Record<string, string>) => (world.volumes ?? []).filter((v) => Object.entries(tags).every(([k, x]) => v.tags[k] === x)),
    findSnapshotsByTags: async (tags: Record<string, string>) => (world.snapshots ?? []).filter((s) => Object.entries(tags).every(([k, x]) => s.tags?.[k] === x)),
  };
  const kms = {
    describeKey: (ref: string) => (ref === world.refuseKey
      ? Promise.reject(new AwsError('AccessDeniedException', 'not allowed', 'DescribeKey'))
      : find(world.keys, (k) => k.arn === ref || k.keyId === ref || ref === `alias/${k.keyId}`, 'NotFoundException')),
  };
  return { ec2, kms } as unknown as Reads;
}

const key = (a: string, state = 'Enabled', extra: Partial<KeyInfo> = {}): KeyInfo => ({ keyId: a.split('/')[1]!, arn: a, state, spec: 'SYMMETRIC_DEFAULT', usage: 'ENCRYPT_DECRYPT', manager: 'CUSTOMER', ...extra });

describe('the fleet report', () => {
  it('judges the root: a data disk that is not on the key is a warning, another key on the root is a failure naming both keys', async () => {
    const r = reads({ volumes: [volume('vol-root', { encrypted: true, kmsKeyId: A }), volume('vol-data'), volume('vol-other', { encrypted: true, kmsKeyId: B })] });
    const expected = { arn: A, from: '--kms-key alias/x' };
    const good = await instanceRow(r, instance('i-1', ['vol-root', 'vol-data']), { kind: 'Controller', name: '10.0.0.1', group: 'cluster c', expected });
    const bad = await instanceRow(r, instance('i-2', ['vol-other']), { kind: 'Controller', name: '10.0.0.2', group: 'cluster c', expected });
    expect([good.ok, bad.ok]).toEqual([true, false]);
    const report = fleetReport(['cluster c'], [good, bad], [], []);
    expect(report.ok).toBe(false);
    expect(report.warnings).toEqual([expect.stringMatching(/^Controller 10\.0\.0\.1 \(i-1\): volume vol-data at \/dev\/sdb is unencrypted, .*not a root volume, no runbook migrates it$/)]);
    expect(volumeProblem(bad, bad.volumes[0]!)).toBe(`Controller 10.0.0.2 (i-2): root vol-other at /dev/xvda is encrypted with ${B}, not with the expected ${A} (--kms-key alias/x)`);
    expect(mergeReports([report, fleetReport(['again'], [good], [], ['p'])]).instances.map((i) => i.instanceId)).toEqual(['i-1', 'i-2']);
  });

  it("reads a cloud's key: a blank master key is the service default, a key ARN is taken even when KMS no longer knows it, NONE expects nothing", async () => {
    const arnOf = keyArns(reads({ keys: [key(C, 'Enabled', { keyId: 'aws/ebs' })] }));
    expect(await cloudKey(arnOf, { mode: 'AWS_ENCRYPTION_MODE_SSE_KMS' }, 'cloud X ebs_encryption', 'ebs'))
      .toEqual({ ref: 'alias/aws/ebs', arn: C, from: 'cloud X ebs_encryption (blank master key: the service default alias/aws/ebs)' });
    expect(await cloudKey(arnOf, { mode: 'AWS_ENCRYPTION_MODE_SSE_KMS', master_key: B }, 'cloud X ebs_encryption', 'ebs')).toEqual({ ref: B, arn: B, from: 'cloud X ebs_encryption' });
    expect(await cloudKey(arnOf, undefined, 'cloud X s3_encryption', 's3')).toEqual({ from: 'cloud X s3_encryption is AWS_ENCRYPTION_MODE_NONE' });
  });
});

describe('doctor', () => {
  const image = (id: string, snaps: string[], tags: Record<string, string> = {}): ImageInfo => ({ imageId: id, state: 'available', rootDeviceName: '/dev/xvda', snapshotIds: snaps, productCodes: [], tags });
  const snapshot = (id: string, k?: string): SnapshotInfo => ({ snapshotId: id, state: 'completed', encrypted: !!k, ...(k ? { kmsKeyId: k } : {}), volumeSize: 8 });

  it('finds a Disabled volume key, a PendingDeletion AMI key with its date, a gone cloud key; an Enabled key is no case', async () => {
    const D = arn('dddd');
    const r = reads({
      volumes: [volume('vol-se', { encrypted: true, kmsKeyId: A }), volume('vol-ctl', { encrypted: true, kmsKeyId: D })],
      keys: [key(A, 'Disabled'), key(B, 'PendingDeletion', { deletionDate: '2031-01-08T00:00:00.000Z' }), key(D)],
      images: [image('ami-se', ['snap-se']), image('ami-copy', ['snap-copy'], { 'avi-encrypt:role': 'encrypted-ami', 'avi-encrypt:run-id': 'run-1' })],
      snapshots: [snapshot('snap-se'), snapshot('snap-copy', B)],
    });
    const se = await instanceRow(r, instance('i-se', ['vol-se'], 'ami-se'), { kind: 'SE', name: 'se-1', group: 'g', expected: { arn: A, from: 'x' } });
    const ctl = await instanceRow(r, instance('i-ctl', ['vol-ctl']), { kind: 'Controller', name: '10.0.0.1', group: 'c', expected: { arn: D, from: 'x' } });
    const report = fleetReport([], [se, ctl], [{ keyRef: C, kind: 'cloud-ebs', what: 'cloud X aws_configuration.ebs_encryption', cloud: 'X' }], []);
    const found = await findKeyCases(r, report);
    expect(found.ok).toBe(false);
    expect(found.keys.map((k) => [k.key, k.state])).toEqual([[C, 'gone'], [A, 'Disabled'], [D, 'Enabled'], [B, 'PendingDeletion']]);
    const byKey = Object.fromEntries(found.cases.map((c) => [c.key, c]));
    expect(byKey[A]!.uses.map((u) => u.what)).toEqual(['SE se-1 (i-se, running) root vol-se']);
    expect(byKey[A]!.consequences).toEqual(['the running Service Engines keep working', expect.stringContaining('starting or restarting them fails')]);
    expect(byKey[A]!.remedy).toEqual([`enable the key: aws kms enable-key --key-id ${A} (EnableKey)`]);
    expect(byKey[B]!.uses.map((u) => u.what)).toEqual(['AMI ami-copy (encrypted Controller AMI copy made by run run-1)']);
    expect(byKey[B]!.remedy[0]).toBe(`before 2031-01-08T00:00:00.000Z: aws kms cancel-key-deletion --key-id ${B}, then aws kms enable-key --key-id ${B} (CancelKeyDeletion leaves it Disabled)`);
    expect(byKey[B]!.consequences[0]).toContain('the encrypted AMI is no longer usable');
    expect(byKey[C]!.consequences).toContain('new Service Engine VMs cannot be launched: the cloud\'s SE image and SE volumes use this key (a scale-out, a failed SE\'s replacement, an upgrade)');
    expect(byKey[C]!.remedy).toEqual([expect.stringContaining('cannot be recovered'), expect.stringContaining('avi-encrypt migrate --strategy se-scale-out --cloud X --kms-key <new key> --rekey')]);
    expect(byKey[D]).toBeUndefined();
  });

  it('reports a key it may not read as unknown, never as healthy', async () => {
    const r = reads({ volumes: [volume('vol-1', { encrypted: true, kmsKeyId: A })], refuseKey: A });
    const row = await instanceRow(r, instance('i-1', ['vol-1']), { kind: 'Controller', name: 'n', group: 'c', expected: { arn: A, from: 'x' } });
    const found = await findKeyCases(r, fleetReport([], [row], [], []));
    expect(found.cases.map((c) => [c.state, c.remedy[0]])).toEqual([['unknown', expect.stringContaining('allow kms:DescribeKey')]]);
  });
});

describe('cleanup', () => {
  const tags = (run: string, role: string, more: Record<string, string> = {}) => ({ 'avi-encrypt:run-id': run, 'avi-encrypt:role': role, ...more });

  it("lists only what carries the run's id and a kept role, and says what it leaves alone", async () => {
    const r = reads({
      volumes: [
        volume('vol-old', { state: 'available', tags: tags('run-1', KEPT_ROLES.volume, { 'avi-encrypt:replaced-by': 'vol-new', 'avi-encrypt:node': '10.0.0.1' }) }),
        volume('vol-back', { state: 'in-use', attachments: [{ instanceId: 'i-1', device: '/dev/xvda', state: 'attached', deleteOnTermination: true }], tags: tags('run-1', KEPT_ROLES.volume, { 'avi-encrypt:replaced-by': 'vol-x' }) }),
        volume('vol-other-run', { state: 'available', tags: tags('run-2', KEPT_ROLES.volume, { 'avi-encrypt:replaced-by': 'vol-y' }) }),
        volume('vol-new', { state: 'in-use', tags: tags('run-1', 'encrypted-root') }),
      ],
      snapshots: [{ ...snapshotOf('snap-tmp'), tags: tags('run-1', KEPT_ROLES.snapshot) }],
    });
    const found = await findLeftovers(r, 'run-1');
    expect(found).toEqual([
      { kind: 'volume', id: 'vol-old', what: 'old root of 10.0.0.1, replaced by vol-new (8 GiB, unencrypted)' },
      { kind: 'volume', id: 'vol-back', what: 'old root, replaced by vol-x (8 GiB, unencrypted)', keep: 'it is attached to i-1 at /dev/xvda again' },
      { kind: 'snapshot', id: 'snap-tmp', what: 'temporary snapshot (8 GiB)' },
    ]);
  });

  it('removes by looking first: gone is done, attached since the listing or re-tagged is left alone', async () => {
    const deleted: string[] = [];
    const writes = { ec2: { deleteVolume: async (id: string) => void deleted.push(id), deleteSnapshot: async () => Promise.reject(notFound('InvalidSnapshot.NotFound')) } } as unknown as Writes;
    const r = reads({
      volumes: [
        volume('vol-ok', { state: 'available', tags: tags('run-1', KEPT_ROLES.volume) }),
        volume('vol-busy', { state: 'in-use', attachments: [{ instanceId: 'i-9', device: '/dev/sdf', state: 'attached', deleteOnTermination: false }], tags: tags('run-1', KEPT_ROLES.volume) }),
        volume('vol-mine', { state: 'available', tags: tags('run-2', KEPT_ROLES.volume) }),
        volume('vol-going', { state: 'deleting', tags: tags('run-1', KEPT_ROLES.volume) }),
      ],
    });
    const remove = (kind: 'volume' | 'snapshot', id: string) => removeLeftover(r, writes, 'run-1', { kind, id, what: '' }).catch((e: Error) => e.message);
    expect(await remove('volume', 'vol-ok')).toBe('deleted');
    expect(await remove('volume', 'vol-gone')).toBe('already gone');
    expect(await remove('volume', 'vol-going')).toBe('already gone');
    expect(await remove('snapshot', 'snap-gone')).toBe('already gone');
    expect(await remove('volume', 'vol-busy')).toBe('volume vol-busy is in-use now (attached to i-9): left alone');
    expect(await remove('volume', 'vol-mine')).toBe('volume vol-mine is no longer tagged avi-encrypt:run-id=run-1: left alone');
    expect(deleted).toEqual(['vol-ok']);
  });
});

function snapshotOf(id: string): SnapshotInfo {
  return { snapshotId: id, state: 'completed', encrypted: false, volumeSize: 8 };
}
