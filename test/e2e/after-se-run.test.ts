// After SE runs (se-relaunch of one SE group, with a key of the SEs' own, then se-scale-out of the
// other), through the built CLI against the in-process lab: each run ends with its own verify
// report; verify of the whole cloud is red on the group the first run left (a half-migrated fleet)
// and names the cloud's key, green once the second run did the rest, while the Controllers stay red
// in the report of the whole deployment; cleanup finds nothing an SE run kept; doctor finds the SE
// key Disabled, PendingDeletion (its date) and gone, used by the cloud's ebs_encryption and
// s3_encryption, the SE volumes and the SE image.
//
// Build first: npx tsc -p tsconfig.json

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { basename } from 'node:path';
import { CreateAliasCommand, CreateKeyCommand, EnableKeyCommand, type KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { EXIT } from '../../src/engine/exit-codes.js';
import { afterRunCli, kmsFor, LONG } from './after-run-helpers.js';
import { runDirs, startTestLab, type TestLab } from './lab-harness.js';
import { expectExit } from './swap-helpers.js';
import { SE_TIME_SCALE } from './se-harness.js';

let lab: TestLab;
let kms: KMSClient;
let seKey: string;
let runId: string;
const { cli, readOnly } = afterRunCli(() => lab);

beforeAll(async () => {
  lab = await startTestLab(1, { timeScale: SE_TIME_SCALE });
  kms = kmsFor(lab);
  const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'the SEs key' }));
  seKey = KeyMetadata!.Arn!;
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/avi-se', TargetKeyId: seKey }));
}, 60_000);
afterAll(async () => {
  kms?.destroy();
  await lab?.stop();
});

const CLOUD = ['--cloud', 'Default-Cloud'];

describe('after se-relaunch of web-segroup', () => {
  it('the run ends with its own report, green for the group it did', async () => {
    const r = await cli(['migrate', '--strategy', 'se-relaunch', ...CLOUD, '--se-group', 'web-segroup', '--kms-key', 'alias/avi-se', '--yes']);
    expectExit(r, EXIT.ok);
    runId = basename(runDirs(lab.stateDir)[0]!);
    expect(r.stdout).toContain('verify: SEs of cloud Default-Cloud (SE groups web-segroup)');
    // The Controller relaunches as many SEs as the group's virtual services need: one or two here.
    const ok = [...r.stdout.matchAll(/^ {2}ok {4}SE .*\[cloud Default-Cloud \/ SE group web-segroup\].*\(root\) encrypted with (\S+)$/gm)].map((m) => m[1]);
    expect(ok.length).toBeGreaterThan(0);
    expect(new Set(ok)).toEqual(new Set([seKey]));
    expect(r.stdout).toMatch(new RegExp(`verified: the root volumes? (of the instance is|of all ${ok.length} instances are) encrypted with the expected key`));
  }, LONG);

  it('verify of the whole cloud is red on the group the run left, naming each SE, its root and the key its cloud expects', async () => {
    const r = await readOnly(['verify', '--strategy', 'se-relaunch', ...CLOUD]);
    expectExit(r, EXIT.unverified);
    const failing = [...r.stdout.matchAll(/^ {2}FAIL {2}SE (\S+) \[cloud Default-Cloud \/ SE group Default-Group\] .*\(root\) unencrypted -- expected (\S+) \(cloud Default-Cloud ebs_encryption\)$/gm)];
    expect(failing.map((m) => m[2])).toEqual([seKey, seKey, seKey, seKey]);
    const ok = [...r.stdout.matchAll(/^ {2}ok {4}SE .*\[cloud Default-Cloud \/ SE group web-segroup\]/gm)].length;
    expect(r.stdout).toContain(`NOT verified: 4 of ${4 + ok} instances`);
    expectExit(await readOnly(['verify', '--strategy', 'se-relaunch', ...CLOUD, '--se-group', 'web-segroup']), EXIT.ok);
    expectExit(await readOnly(['verify', '--run', runId]), EXIT.ok);
  });

  it('cleanup finds nothing an SE run kept (the Controller deleted the old SEs)', async () => {
    const r = await readOnly(['cleanup', '--run', runId, '--yes']);
    expectExit(r, EXIT.ok);
    expect(r.stdout).toContain(`nothing to delete for run ${runId}`);
  });

  it('doctor is green while the keys are Enabled', async () => {
    const r = await readOnly(['doctor']);
    expectExit(r, EXIT.ok);
    expect(r.stdout).toContain(`key ${seKey}: Enabled`);
  });
});

describe('after se-scale-out of Default-Group, the group se-relaunch left', () => {
  let scaleOutRun: string;

  it('the run ends with its own report, green for the group it did', async () => {
    const r = await cli(['migrate', '--strategy', 'se-scale-out', ...CLOUD, '--se-group', 'Default-Group', '--kms-key', 'alias/avi-se', '--yes']);
    expectExit(r, EXIT.ok);
    scaleOutRun = runDirs(lab.stateDir).map((d) => basename(d)).find((id) => id !== runId)!;
    expect(r.stdout).toContain('verify: SEs of cloud Default-Cloud (SE groups Default-Group)');
    const ok = [...r.stdout.matchAll(/^ {2}ok {4}SE .*\[cloud Default-Cloud \/ SE group Default-Group\].*\(root\) encrypted with (\S+)$/gm)].map((m) => m[1]);
    // The Controller places the group's virtual services on as many new SEs as they need.
    expect(ok.length).toBeGreaterThan(0);
    expect(new Set(ok)).toEqual(new Set([seKey]));
    expect(r.stdout).not.toMatch(/^ {2}FAIL/m);
  }, LONG);

  it('verify of the whole cloud is green now; the whole deployment is red on the (1-node) Controller only', async () => {
    const cloud = await readOnly(['verify', '--strategy', 'se-scale-out', ...CLOUD]);
    expectExit(cloud, EXIT.ok);
    expect(cloud.stdout).toMatch(/verified: the root volumes of all \d+ instances are encrypted with the expected key/);
    const all = await readOnly(['verify', '--kms-key', 'alias/avi-se', '--json']);
    expectExit(all, EXIT.unverified);
    const report = JSON.parse(all.stdout) as { exitCode: number; instances: Array<{ kind: string; ok: boolean }> };
    expect(report.exitCode).toBe(EXIT.unverified);
    expect(report.instances.filter((i) => !i.ok).map((i) => i.kind)).toEqual(lab.seed.nodes.map(() => 'Controller'));
    expect(report.instances.filter((i) => i.kind === 'SE').every((i) => i.ok)).toBe(true);
    expectExit(await readOnly(['verify', '--run', scaleOutRun]), EXIT.ok);
  });

  it('cleanup finds nothing this run kept either', async () => {
    const r = await readOnly(['cleanup', '--run', scaleOutRun, '--yes']);
    expectExit(r, EXIT.ok);
    expect(r.stdout).toContain(`nothing to delete for run ${scaleOutRun}`);
  });
});

describe('doctor on the SE key', () => {
  type Report = { cases: Array<{ key: string; state: string; deletionDate?: string; uses: Array<{ kind: string; what: string }>; consequences: string[]; remedy: string[] }> };
  const doctor = async () => {
    const r = await readOnly(['doctor', '--json']);
    expectExit(r, EXIT.keyCases);
    const cases = (JSON.parse(r.stdout) as Report).cases;
    expect(cases.map((c) => c.key)).toEqual([seKey]);
    return cases[0]!;
  };

  it('Disabled: the cloud\'s two settings, the SE volumes and the SE image depend on it; the seed\'s consequences; EnableKey', async () => {
    lab.faults.apply({ kind: 'kms-disable', key: 'alias/avi-se' });
    const c = await doctor();
    expect(c.state).toBe('Disabled');
    const encryptedSes = [...lab.world.volumes.values()].filter((v) => v.kmsKeyArn === seKey && v.attachment).length;
    expect(c.uses.filter((u) => u.kind === 'se-volume')).toHaveLength(encryptedSes);
    expect(encryptedSes).toBeGreaterThan(0);
    expect(c.uses.filter((u) => u.kind !== 'se-volume').map((u) => u.what)).toEqual([
      'cloud Default-Cloud aws_configuration.ebs_encryption',
      'cloud Default-Cloud aws_configuration.s3_encryption',
      expect.stringMatching(/^AMI ami-\S+ "Avi-SE-.*-encrypted-\d+" \(the SE image the SEs were launched from\)$/),
    ]);
    expect(c.consequences).toEqual([
      expect.stringContaining('new Service Engine VMs cannot be launched'),
      'the cloud configuration needs a new KMS CMK',
      expect.stringContaining('a new Service Engine image upload fails'),
      'the running Service Engines keep working',
      expect.stringContaining('starting or restarting them fails'),
      expect.stringContaining('the encrypted AMI is no longer usable'),
    ]);
    expect(c.remedy).toEqual([`enable the key: aws kms enable-key --key-id ${seKey} (EnableKey)`]);
  });

  it('PendingDeletion: its date, CancelKeyDeletion then EnableKey, or a new key and the SE path again', async () => {
    await kms.send(new EnableKeyCommand({ KeyId: seKey }));
    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: seKey, PendingWindowInDays: 10 }));
    const c = await doctor();
    expect([c.state, c.deletionDate]).toEqual(['PendingDeletion', scheduled.DeletionDate!.toISOString()]);
    expect(c.remedy[0]).toContain(`aws kms cancel-key-deletion --key-id ${seKey}, then aws kms enable-key`);
    expect(c.remedy[1]).toBe("or configure a new key and re-run the SE path: avi-encrypt migrate --strategy se-scale-out --cloud Default-Cloud --kms-key <new key> --rekey (sets the cloud's ebs_encryption and s3_encryption, makes a new SE image, replaces every SE)");
  });

  it('gone: not recoverable; a new key and the SE path again', async () => {
    lab.world.completeKeyDeletion(seKey);
    const c = await doctor();
    expect(c.state).toBe('gone');
    expect(c.remedy.slice(0, 2)).toEqual([expect.stringContaining('cannot be recovered'), expect.stringMatching(/^configure a new key and re-run the SE path: avi-encrypt migrate --strategy se-scale-out --cloud Default-Cloud/)]);
    const text = await readOnly(['doctor']);
    expect(text.stdout).toContain(`KMS key ${seKey} is gone (deleted, or not in this account and region)`);
  });
});
