// The after-run domains over small in-memory gateways: the fleet report's rows and verdict (roots
// judged, other volumes warned about), which key a cloud expects, doctor's cases with the
// document's consequences and remedy per key state (cleanup's rules: cleanup.test.ts).

import { describe, expect, it } from '@jest/globals';
import { findKeyCases } from '../../src/steps/doctor/cases.js';
import { cloudKey, keyArns } from '../../src/steps/fleet/expected-key.js';
import { fleetReport, instanceRow, mergeReports, volumeProblem } from '../../src/steps/fleet/report.js';
import type { ImageInfo, SnapshotInfo } from '../../src/aws/types.js';
import { A, arn, B, C, instance, key, reads, volume } from './after-run-world.js';

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
