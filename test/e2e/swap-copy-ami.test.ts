// End to end, 3 nodes, without --encrypted-ami: plan shows the copy; migrate makes one encrypted
// copy of the nodes' AMI with the key (tagged, every snapshot with the key), swaps every root
// from it, and leaks no secret. Read back through the EC2 API and the lab's request log.
//
// Build first: npx tsc -p tsconfig.json

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DescribeImagesCommand, DescribeSnapshotsCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { join } from 'node:path';
import type { Plan } from '../../src/engine/plan/types.js';
import { ec2For, migrateArgs, runCli, startTestLab, type TestLab } from './lab-harness.js';
import { count, envWith, expectExit, expectNoSecrets, lastSeq, mutationsSince } from './swap-helpers.js';

const LONG = 180_000;
let lab: TestLab;

beforeAll(async () => {
  lab = await startTestLab(3);
});
afterAll(async () => {
  await lab?.stop();
});

describe('controller-swap without --encrypted-ami (3 nodes)', () => {
  it('plan shows the CopyImage as a step before the volumes; with --encrypted-ami there is none; nothing changes', async () => {
    const before = lastSeq(lab);
    const r = await runCli(['plan', '--strategy', 'controller-swap', '--json', '--state-dir', join(lab.dir, 'plan-state')], envWith(lab));
    expectExit(r, 0);
    const plan = JSON.parse(r.stdout) as Plan;
    const ids = plan.steps.map((s) => s.id);
    expect(ids.indexOf('copy-ami')).toBeGreaterThan(ids.indexOf('claim-nodes'));
    expect(ids.indexOf('copy-ami')).toBeLessThan(ids.indexOf('create-volumes'));
    const copy = plan.steps.find((s) => s.id === 'copy-ami')!;
    expect(copy.calls).toEqual([expect.objectContaining({
      operation: 'CopyImage',
      detail: expect.objectContaining({ sourceImageId: lab.seed.controllerAmiId, kmsKeyId: lab.seed.customerKeyArn, encrypted: true }),
    })]);
    const given = await runCli(['plan', '--strategy', 'controller-swap', '--json', '--state-dir', join(lab.dir, 'plan-state')], envWith(lab, { AVI_ENCRYPT_ENCRYPTED_AMI: lab.seed.encryptedAmiId }));
    expectExit(given, 0);
    expect((JSON.parse(given.stdout) as Plan).steps.map((s) => s.id)).not.toContain('copy-ami');
    expect(mutationsSince(lab, before)).toEqual([]);
  }, LONG);

  it('migrate makes one encrypted copy of the nodes\' AMI and swaps every root from it', async () => {
    const stateDir = join(lab.dir, 'state');
    const r = await runCli(migrateArgs({ stateDir }), envWith(lab), { timeoutMs: LONG });
    expectExit(r, 0);
    expect(count(lab, 'CopyImage')).toBe(1);
    expect(r.stdout).toMatch(/encrypted AMI ami-\w+: this run's copy of ami-\w+/);

    const ec2 = ec2For(lab);
    const own = (await ec2.send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'tag:avi-encrypt:role', Values: ['encrypted-ami'] }] }))).Images ?? [];
    expect(own).toHaveLength(1);
    const copy = own[0]!;
    expect(copy.State).toBe('available');
    expect(copy.Name).toMatch(/^Avi-Controller-22\.1\.3-9096-encrypted-/);
    const snapIds = (copy.BlockDeviceMappings ?? []).map((b) => b.Ebs!.SnapshotId!);
    const snaps = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: snapIds }))).Snapshots ?? [];
    expect(snaps.map((s) => [s.Encrypted, s.KmsKeyId, (s.Tags ?? []).some((t) => t.Key === 'avi-encrypt:role')])).toEqual(snapIds.map(() => [true, lab.seed.customerKeyArn, true]));

    // Every root is now a volume made from the copy's snapshot, encrypted with the key.
    const roots = (await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'tag:avi-encrypt:role', Values: ['encrypted-root'] }] }))).Volumes ?? [];
    expect(roots).toHaveLength(3);
    for (const v of roots) expect([v.SnapshotId, v.KmsKeyId, v.Attachments?.[0]?.State]).toEqual([snapIds[0], lab.seed.customerKeyArn, 'attached']);
    ec2.destroy();
    expectNoSecrets(lab, [r], stateDir);
  }, LONG);
});
