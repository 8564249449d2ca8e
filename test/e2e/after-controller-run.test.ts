// After a controller-swap run, through the built CLI against the in-process lab: verify (red on the
// untouched cluster and with a wrong key, green after the run, the run's own report at its end),
// cleanup (refuses an unfinished run, asks, dry run, --older-than, deletes exactly the run's old
// roots, leaves another run's volume, finds nothing the second time) and doctor (green when healthy;
// the Controllers' key Disabled, PendingDeletion with its date, gone). World state is read back
// through the lab's EC2 API and request log, never through avi-encrypt's code.
//
// Build first: npx tsc -p tsconfig.json

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CreateVolumeCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, EnableKeyCommand, type KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { TAG } from '../../src/aws/types.js';
import { cleanup } from '../../src/engine/cleanup/command.js';
import { EXIT } from '../../src/engine/exit-codes.js';
import type { CommandIo } from '../../src/engine/migrate.js';
import { afterRunCli, kmsFor, LONG } from './after-run-helpers.js';
import { ec2For, mutatingCount, pollUntil, runCli, runDirs, startTestLab, type TestLab } from './lab-harness.js';
import { expectExit } from './swap-helpers.js';

let lab: TestLab;
let env: NodeJS.ProcessEnv;
let kms: KMSClient;
let runId: string;
const { cli, readOnly } = afterRunCli(() => lab, () => env);

beforeAll(async () => {
  lab = await startTestLab(3);
  // No --encrypted-ami: the run makes its own encrypted copy of the Controller AMI (one of doctor's AMIs).
  const { AVI_ENCRYPT_ENCRYPTED_AMI: _given, ...rest } = lab.cliEnv;
  env = rest;
  kms = kmsFor(lab);
}, 60_000);
afterAll(async () => {
  kms?.destroy();
  await lab?.stop();
});

const KEY = () => lab.seed.customerKeyArn;

const rootOf = (i: number) => lab.world.rootVolume(lab.seed.nodes[i]!.instanceId)!;

describe('before any run', () => {
  it('verify is red on the untouched cluster: exit 8, each instance, its root volume and the expected key named; no write', async () => {
    const r = await readOnly(['verify', '--strategy', 'controller-swap']);
    expectExit(r, EXIT.unverified);
    for (const [i, node] of lab.seed.nodes.entries()) {
      expect(r.stdout).toContain(`FAIL  Controller ${node.ip}`);
      expect(r.stdout).toContain(`/dev/xvda ${rootOf(i).volumeId} (root) unencrypted -- expected ${KEY()}`);
    }
    expect(r.stdout).toContain('NOT verified: 3 of 3 instances');
    const json = await readOnly(['verify', '--strategy', 'controller-swap', '--json']);
    expectExit(json, EXIT.unverified);
    const report = JSON.parse(json.stdout) as { ok: boolean; exitCode: number; instances: Array<{ ok: boolean; volumes: Array<{ root: boolean; encrypted: boolean }> }> };
    expect({ ok: report.ok, exitCode: report.exitCode, bad: report.instances.filter((i) => !i.ok).length }).toEqual({ ok: false, exitCode: 8, bad: 3 });
  });

  it('doctor is green on a healthy lab: no key in trouble, exit 0, no write', async () => {
    const r = await readOnly(['doctor']);
    expectExit(r, EXIT.ok);
    expect(r.stdout).toMatch(/doctor: every key in use is Enabled/);
  });
});

describe('a run that has not finished', () => {
  it('rests at its gate; cleanup refuses it in one line and touches nothing; approved, it ends with its verify report', async () => {
    const resting = await cli(['migrate', '--strategy', 'controller-swap']);
    expectExit(resting, EXIT.waitingApproval);
    runId = basename(runDirs(lab.stateDir)[0]!);
    const refused = await readOnly(['cleanup', '--run', runId, '--yes']);
    expectExit(refused, EXIT.usage);
    expect(refused.stderr.trim().split('\n')).toEqual([`avi-encrypt: run ${runId} is waiting-approval, not finished: cleanup deletes only what a finished, verified run kept; finish it first (avi-encrypt resume ${runId})`]);
    const done = await runCli(['approve', runId, '--state-dir', lab.stateDir], env, { timeoutMs: LONG });
    expectExit(done, EXIT.ok);
    expect(done.stdout).toContain('done: every Controller root volume is encrypted');
    expect(done.stdout).toMatch(/verify: Controller cluster .*\n(  ok    Controller .*\n){3}[^]*verified: the root volumes of all 3 instances are encrypted with the expected key/);
    const meta = JSON.parse(readFileSync(join(runDirs(lab.stateDir)[0]!, 'run.json'), 'utf8')) as { status: string; verified?: { ok: boolean } };
    expect({ status: meta.status, verified: meta.verified?.ok }).toEqual({ status: 'done', verified: true });
  }, LONG);
});

describe('verify after the run', () => {
  it('is green for the Controllers, by strategy and by run; the data disk of node 1 is a warning, not a failure', async () => {
    const r = await readOnly(['verify', '--strategy', 'controller-swap']);
    expectExit(r, EXIT.ok);
    expect(r.stdout).toContain(`warning: Controller ${lab.seed.nodes[0]!.ip}`);
    expect(r.stdout).toContain('at /dev/sdb is unencrypted');
    expectExit(await readOnly(['verify', '--run', runId]), EXIT.ok);
  });

  it('is red against another key, naming the root volume, the key it has and the one expected', async () => {
    const r = await readOnly(['verify', '--strategy', 'controller-swap', '--kms-key', 'alias/aws/ebs']);
    expectExit(r, EXIT.unverified);
    const aws = lab.seed.awsManagedKeyArn;
    expect(r.stdout).toContain(`(root) encrypted with ${KEY()} -- expected ${aws} (--kms-key alias/aws/ebs)`);
  });

  it('without --strategy covers the SEs too: their cloud does not encrypt, so it is red and says so', async () => {
    const r = await readOnly(['verify']);
    expectExit(r, EXIT.unverified);
    expect(r.stdout).toMatch(/ok {4}Controller /);
    expect(r.stdout).toMatch(/FAIL {2}SE .*unencrypted -- expected no key \(cloud Default-Cloud ebs_encryption is AWS_ENCRYPTION_MODE_NONE\)/);
  });
});

describe('cleanup --run', () => {
  const ec2 = () => ec2For(lab);
  let otherRunsVolume: string;
  let oldRoots: string[];

  it('lists the old roots and, without a terminal and without --yes, refuses and deletes nothing', async () => {
    const { VolumeId } = await ec2().send(new CreateVolumeCommand({
      AvailabilityZone: lab.seed.nodes[0]!.az, Size: 8,
      TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: TAG.runId, Value: '20260101-000000-controller-swap-0000' }, { Key: TAG.role, Value: 'replaced-root' }, { Key: TAG.replacedBy, Value: 'vol-0123' }] }],
    }));
    otherRunsVolume = VolumeId!;
    await pollUntil(() => lab.world.volumes.get(otherRunsVolume)?.state === 'available', 'the other run\'s volume');
    oldRoots = [...lab.world.volumes.values()].filter((v) => v.tags[TAG.runId] === runId && v.tags[TAG.role] === 'replaced-root').map((v) => v.volumeId).sort();
    expect(oldRoots).toHaveLength(3);
    const r = await readOnly(['cleanup', '--run', runId]);
    expectExit(r, EXIT.usage);
    for (const id of oldRoots) expect(r.stdout).toContain(id);
    expect(r.stdout).not.toContain(otherRunsVolume);
    expect(r.stderr).toContain('pass --yes');
  });

  it('on a terminal it asks, and "no" deletes nothing', async () => {
    // The SDK reads the lab's endpoints and credentials from process.env.
    const saved = Object.fromEntries(Object.keys(lab.env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, lab.env);
    const out: string[] = [];
    const asked: string[] = [];
    const io = {
      out: { write: (s: string) => out.push(s) }, err: { write: () => true }, tty: false, interactive: true, signal: new AbortController().signal,
      aviPassword: async () => lab.env['AVI_PASSWORD']!, confirm: async (q: string) => (asked.push(q), false),
      backupPassphrase: async () => '', nodePassword: async () => '',
    } as unknown as CommandIo;
    const before = mutatingCount(lab);
    try {
      expect(await cleanup({ stateDir: lab.stateDir, runId, yes: false, dryRun: false }, io)).toBe(EXIT.ok);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
    expect(asked).toEqual([`Delete these 3 resources of run ${runId}? They cannot be recovered`]);
    expect(out.join('')).toContain('nothing was deleted');
    expect(mutatingCount(lab)).toBe(before);
  });

  it('--dry-run shows the DeleteVolume calls and makes none', async () => {
    const r = await readOnly(['cleanup', '--run', runId, '--dry-run']);
    expectExit(r, EXIT.ok);
    expect(r.stdout).toContain('dry run: cleanup would call');
    for (const id of oldRoots) expect(r.stdout).toContain(`ec2 DeleteVolume ${id}`);
  });

  it('--older-than keeps a run that finished more recently; once it is older, deletes exactly its old roots', async () => {
    const kept = await readOnly(['cleanup', '--run', runId, '--older-than', '7d', '--yes']);
    expectExit(kept, EXIT.ok);
    expect(kept.stdout).toMatch(/kept for now: run .* finished \d+ (s|min) ago, --older-than asks for 7 d; nothing was deleted/);
    // The run finished eight days ago, as far as its record goes.
    const metaFile = join(runDirs(lab.stateDir)[0]!, 'run.json');
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { verified: { at: string } };
    meta.verified.at = new Date(Date.now() - 8 * 86_400_000).toISOString();
    writeFileSync(metaFile, JSON.stringify(meta));
    const before = lab.requests.list().length;
    const r = await cli(['cleanup', '--run', runId, '--older-than', '7d', '--yes']);
    expectExit(r, EXIT.ok);
    const writes = lab.requests.list().slice(before).filter((q) => q.mutating);
    expect(writes.map((q) => q.operation)).toEqual(['DeleteVolume', 'DeleteVolume', 'DeleteVolume']);
    expect(r.stdout).toContain('cleanup of run');
    const left = await ec2().send(new DescribeVolumesCommand({}));
    const live = new Map((left.Volumes ?? []).map((v) => [v.VolumeId!, v.State!]));
    for (const id of oldRoots) expect(['deleting', undefined]).toContain(live.get(id));
    expect(live.get(otherRunsVolume)).toBe('available');
    for (const i of [0, 1, 2]) expect({ root: rootOf(i).encrypted, state: rootOf(i).state }).toEqual({ root: true, state: 'in-use' });
  });

  it('a second cleanup finds nothing and changes nothing', async () => {
    const r = await readOnly(['cleanup', '--run', runId, '--yes']);
    expectExit(r, EXIT.ok);
    expect(r.stdout).toContain(`nothing to delete for run ${runId}`);
  });
});

describe('doctor on the Controllers\' key', () => {
  const doctor = async () => {
    const r = await readOnly(['doctor', '--json']);
    return { r, report: JSON.parse(r.stdout) as { ok: boolean; cases: Array<{ key: string; state: string; deletionDate?: string; uses: Array<{ kind: string; what: string }>; consequences: string[]; remedy: string[] }> } };
  };

  it('Disabled: names the Controller roots and the run\'s AMI copy, what happens, and EnableKey', async () => {
    lab.faults.apply({ kind: 'kms-disable', key: KEY() });
    const { r, report } = await doctor();
    expectExit(r, EXIT.keyCases);
    expect(report.cases.map((c) => [c.key, c.state])).toEqual([[KEY(), 'Disabled']]);
    const [c] = report.cases;
    expect(c!.uses.filter((u) => u.kind === 'controller-volume')).toHaveLength(3);
    expect(c!.uses.filter((u) => u.kind === 'image').map((u) => u.what)).toEqual([expect.stringContaining(`encrypted Controller AMI copy made by run ${runId}`)]);
    expect(c!.consequences).toEqual(expect.arrayContaining([
      'the running Controllers keep working (EC2 holds the volume data key while they run)',
      expect.stringContaining('starting or restarting them fails'),
      expect.stringContaining('the encrypted AMI is no longer usable'),
    ]));
    expect(c!.remedy).toEqual([`enable the key: aws kms enable-key --key-id ${KEY()} (EnableKey)`]);
    const text = await readOnly(['doctor']);
    expect(text.stdout).toContain(`KMS key ${KEY()} is Disabled`);
  });

  it('PendingDeletion: names the deletion date and CancelKeyDeletion then EnableKey', async () => {
    await kms.send(new EnableKeyCommand({ KeyId: KEY() }));
    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: KEY(), PendingWindowInDays: 7 }));
    const { r, report } = await doctor();
    expectExit(r, EXIT.keyCases);
    const date = scheduled.DeletionDate!.toISOString();
    expect(report.cases.map((c) => [c.state, c.deletionDate])).toEqual([['PendingDeletion', date]]);
    expect(report.cases[0]!.remedy[0]).toBe(`before ${date}: aws kms cancel-key-deletion --key-id ${KEY()}, then aws kms enable-key --key-id ${KEY()} (CancelKeyDeletion leaves it Disabled)`);
    expect((await readOnly(['doctor'])).stdout).toContain(`KMS deletes it on ${date}`);
  });

  it('gone: the key is deleted; doctor says it cannot be recovered and to move the Controllers to new VMs while they run', async () => {
    lab.world.completeKeyDeletion(KEY());
    await expect(kms.send(new DescribeKeyCommand({ KeyId: KEY() }))).rejects.toMatchObject({ name: 'NotFoundException' });
    const { r, report } = await doctor();
    expectExit(r, EXIT.keyCases);
    expect(report.cases.map((c) => c.state)).toEqual(['gone']);
    expect(report.cases[0]!.remedy).toEqual([
      expect.stringContaining('cannot be recovered'),
      expect.stringMatching(/avi-encrypt migrate --strategy controller-new-vms --kms-key <new key> \(not controller-swap: it stops each Controller/),
      expect.stringContaining('deregister the unusable AMI'),
    ]);
  });
});
