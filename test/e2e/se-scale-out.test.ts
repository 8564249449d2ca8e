// End to end: `migrate --strategy se-scale-out` against the lab started in this process, the CLI
// run from dist/ (build first). The lab's timeline is the witness: no virtual service ever down,
// never two SEs of one group draining at once, no group past its max_se; the cloud prerequisite
// set, then skipped, then refused on another key; the max_se trap explained before any change.

import { describe, expect, it, jest } from '@jest/globals';
import { mutatingCount, pollUntil, runCli, spawnCli, waitForExit, type TestLab } from './lab-harness.js';
import { aviWrites, drainingAtOnce, groupsOfSes, journalOf, peakSes, seArgs, seLabs, vssEverDown } from './se-harness.js';

jest.setTimeout(180_000);

const start = seLabs();
const groupUuid = (l: TestLab, name: string) => l.fleet!.seed.groups.find((g) => g.name === name)!.uuid;
const rootOf = (l: TestLab, ip: string) => l.world.rootVolume(l.world.instanceByPrivateIp(ip)!.instanceId)!;

/** Every SE of the group now runs on a root encrypted with the lab's customer key. */
function expectGroupEncrypted(l: TestLab, name: string): void {
  const ses = [...l.fleet!.ses.values()].filter((s) => s.groupUuid === groupUuid(l, name));
  expect(ses.length).toBeGreaterThan(0);
  for (const se of ses) expect(rootOf(l, se.mgmtIp)).toMatchObject({ encrypted: true, kmsKeyArn: l.seed.customerKeyArn });
}

describe('se-scale-out', () => {
  it('a group of 4 SEs carrying 6 virtual services: replaced with no VS ever down; the prerequisite set, then skipped, then refused on another key', async () => {
    const l = await start({ groups: [4, 2], vsPerGroup: [6, 2] });
    const seeded = groupsOfSes(l);
    const r = await runCli(seArgs(l, 'migrate', 'se-scale-out', '--se-group', 'Default-Group'), l.cliEnv);
    expect({ code: r.code, out: r.stdout.slice(-1500), err: r.stderr }).toMatchObject({ code: 0, err: '' });
    expect(r.stdout).toMatch(/Default-Group: .* drained and deleted; vs-01, vs-02, vs-03, vs-04, vs-05, vs-06 moved with no downtime/);

    expect(vssEverDown(l.timeline)).toEqual([]);
    const groupOf = groupsOfSes(l, new Map(seeded));
    const g = groupUuid(l, 'Default-Group');
    expect(drainingAtOnce(l.timeline, groupOf).perGroup.get(g)).toBe(1);
    expect(peakSes(l.timeline, groupOf, seeded).get(g)).toBeLessThanOrEqual(l.fleet!.seed.groups.find((x) => x.uuid === g)!.maxSe);
    expectGroupEncrypted(l, 'Default-Group');
    // Every old SE was disabled for placement before the first was disabled, and deleted at the end.
    const old = [...seeded.keys()].filter((n) => seeded.get(n) === g);
    const ses = l.timeline.list().filter((e) => e.subject.startsWith('se:'));
    const firstDisabled = ses.findIndex((e) => e.state.startsWith('SE_STATE_DISABLED/'));
    for (const name of old) {
      expect(ses.findIndex((e) => e.subject === `se:${name}` && e.state.startsWith('SE_STATE_DISABLED_FOR_PLACEMENT/'))).toBeLessThan(firstDisabled);
      expect(l.timeline.current(`se:${name}`)).toBe('DELETED');
    }
    // web-segroup was not chosen: untouched.
    for (const se of [...l.fleet!.ses.values()].filter((s) => s.groupUuid === groupUuid(l, 'web-segroup'))) expect(rootOf(l, se.mgmtIp).encrypted).toBe(false);
    // The prerequisite ran first: one PUT of the cloud, before the first SE was touched.
    const writes = aviWrites(l);
    expect(writes.filter((w) => w.startsWith('PUT /api/cloud'))).toHaveLength(1);
    expect(writes[0]).toBe('PUT /api/cloud');
    expect(l.fleet!.config().clouds[0]!.aws_configuration!.ebs_encryption).toEqual({ mode: 'AWS_ENCRYPTION_MODE_SSE_KMS', master_key: l.seed.customerKeyArn });

    // Again: the cloud is left as it is and the group is nothing to do.
    const before = aviWrites(l).length;
    const again = await runCli(seArgs(l, 'migrate', 'se-scale-out', '--se-group', 'Default-Group'), l.cliEnv);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already SSE-KMS with the key: left as it is/);
    expect(again.stdout).toMatch(/Default-Group: every SE \(.*\) already runs on a root encrypted with the key: nothing to do/);
    expect(aviWrites(l).length).toBe(before);

    // Another key without --rekey: refused before any change.
    const mutations = mutatingCount(l);
    const other = await runCli(seArgs(l, 'migrate', 'se-scale-out', '--kms-key', 'alias/aws/ebs'), l.cliEnv);
    expect(other.code).toBe(3);
    expect(other.stderr).toMatch(/^avi-encrypt: cloud Default-Cloud is already encrypted with another key \(ebs_encryption SSE-KMS with arn:aws:kms:eu-west-1:\d+:key\/[-0-9a-f]+; s3_encryption .*\), not arn:aws:kms:.*: pass --rekey/);
    expect(mutatingCount(l)).toBe(mutations);
  });

  it('a two-group fleet at --concurrency 2: both groups at once, one SE per group at a time, within max_se, no VS down', async () => {
    const l = await start();
    const seeded = groupsOfSes(l);
    const r = await runCli(seArgs(l, 'migrate', 'se-scale-out', '--concurrency', '2'), l.cliEnv);
    expect({ code: r.code, out: r.stdout.slice(-1500) }).toMatchObject({ code: 0 });
    expect(vssEverDown(l.timeline)).toEqual([]);
    const groupOf = groupsOfSes(l, new Map(seeded));
    const drains = drainingAtOnce(l.timeline, groupOf);
    expect(drains.groupsAtOnce).toBe(2);
    expect([...drains.perGroup.values()]).toEqual([1, 1]);
    const peak = peakSes(l.timeline, groupOf, seeded);
    for (const g of l.fleet!.seed.groups) expect(peak.get(g.uuid)).toBeLessThanOrEqual(g.maxSe);
    expectGroupEncrypted(l, 'Default-Group');
    expectGroupEncrypted(l, 'web-segroup');
  });

  it('the max_se trap is explained, with its fix, before any change', async () => {
    const l = await start({ maxSeTrap: true });
    const r = await runCli(seArgs(l, 'migrate', 'se-scale-out'), l.cliEnv);
    expect(r.code).toBe(3);
    const uuid = groupUuid(l, 'Default-Group');
    expect(r.stderr).toContain(
      `avi-encrypt: SE group Default-Group cannot launch the SEs its virtual services need: max_se is 4 and the group has 4 SEs, and the 4 being replaced keep counting against max_se while they are disabled, until they are deleted at the end; its 4 moved virtual services need 1 new SE, so max_se must be at least 5: raise it (Infrastructure > Service Engine Group > Default-Group > Max Number of Service Engines, or PATCH /api/serviceenginegroup/${uuid} {"replace": {"max_se": 5}}) and run again; nothing was changed`,
    );
    expect(mutatingCount(l)).toBe(0);
  });

  it('killed mid-drain, resumed: every group continues where it was, and no VS was ever down', async () => {
    const l = await start();
    const seeded = groupsOfSes(l);
    const order = [...seeded.keys()].filter((n) => seeded.get(n) === groupUuid(l, 'Default-Group')).sort();
    const child = spawnCli(seArgs(l, 'migrate', 'se-scale-out', '--se-group', 'Default-Group'), l.cliEnv);
    // The second SE is draining: the first one is done.
    await pollUntil(() => l.timeline.current(`se:${order[1]}`)?.endsWith('/OPER_DISABLING'), 'the second SE draining', 60_000, 10);
    child.kill('SIGKILL');
    await waitForExit(child);
    const r = await runCli(['resume', '--yes', '--state-dir', l.stateDir], l.cliEnv);
    expect({ code: r.code, out: r.stdout.slice(-1500) }).toMatchObject({ code: 0 });
    expect(vssEverDown(l.timeline)).toEqual([]);
    const journal = journalOf(l);
    const resumed = journal.slice(journal.findIndex((e) => e.event === 'run-resumed'));
    const started = resumed.filter((e) => e.event === 'step-started').map((e) => `${e.step}@${e.item ?? ''}`);
    expect(started).not.toContain('disable-for-placement@Default-Group');
    expect(started).not.toContain(`disable-se@Default-Group/${order[0]}`);
    // The step in flight at the kill runs again (the disable looks first, so it is not sent twice).
    expect(started[0]).toMatch(new RegExp(`^(disable-se|se-drained)@Default-Group/${order[1]}$`));
    expectGroupEncrypted(l, 'Default-Group');
  });

  it('killed mid two-group fan-out, resumed: both groups continue where they were', async () => {
    const l = await start();
    const seeded = groupsOfSes(l);
    const child = spawnCli(seArgs(l, 'migrate', 'se-scale-out', '--concurrency', '2'), l.cliEnv);
    const groupOf = groupsOfSes(l, new Map(seeded));
    await pollUntil(() => drainingAtOnce(l.timeline, groupOf).groupsAtOnce === 2, 'both groups draining', 60_000, 10);
    child.kill('SIGKILL');
    await waitForExit(child);
    const launched = l.world.instances.size;
    const r = await runCli(['resume', '--yes', '--state-dir', l.stateDir], l.cliEnv);
    expect({ code: r.code, out: r.stdout.slice(-1500) }).toMatchObject({ code: 0 });
    const journal = journalOf(l);
    const resumed = journal.slice(journal.findIndex((e) => e.event === 'run-resumed'));
    const started = resumed.filter((e) => e.event === 'step-started').map((e) => e.step);
    // Both lanes were draining: the resumed run starts with their waits, prepares no group again.
    expect(started.slice(0, 2)).toEqual([expect.stringMatching(/^(disable-se|se-drained)$/), expect.stringMatching(/^(disable-se|se-drained)$/)]);
    expect(started).not.toContain('disable-for-placement');
    expect(started).not.toContain('set-cloud-encryption');
    expect(vssEverDown(l.timeline)).toEqual([]);
    const after = groupsOfSes(l, new Map(seeded));
    expect([...drainingAtOnce(l.timeline, after).perGroup.values()]).toEqual([1, 1]);
    // The SEs launched before the kill carried the rest: no new SE beyond what each group needs.
    expect(l.world.instances.size).toBe(launched);
    expectGroupEncrypted(l, 'Default-Group');
    expectGroupEncrypted(l, 'web-segroup');
  });

  it('a drain that fails (MIGRATE_SE_FAILED) names what did not move and rolls the group back; resumed after the fix, it completes', async () => {
    const l = await start();
    const seeded = groupsOfSes(l);
    const old = [...seeded.keys()].filter((n) => seeded.get(n) === groupUuid(l, 'Default-Group')).sort();
    const first = [...l.fleet!.ses.values()].find((se) => se.name === old[0])!;
    const vs = [...l.fleet!.vss.values()].find((v) => v.placements.some((p) => p.seUuid === first.uuid))!.name;
    const child = spawnCli(seArgs(l, 'migrate', 'se-scale-out', '--se-group', 'Default-Group'), l.cliEnv);
    // The key becomes unusable after the encrypted SE image is made: the new SE's launch fails (Client.InternalError).
    await pollUntil(() => l.timeline.current('cloud:Default-Cloud') === 'CLOUD_STATE_PLACEMENT_READY', 'the encrypted SE image', 60_000, 2);
    l.world.disableKey(l.seed.customerKeyArn);
    const r = await waitForExit(child);
    expect({ code: r.code, out: r.stdout.slice(-1500) }).toMatchObject({ code: 6 });
    expect(r.stdout).toMatch(new RegExp(`rolled back Default-Group after se-drained \\[Default-Group/${old[0]}\\] failed: SE ${old[0]} of SE group Default-Group could not move its virtual services \\(MIGRATE_SE_FAILED\\): ${vs} did not move and keep running on it`));
    // Rollback: every SE the run disabled is enabled again; nothing went down.
    for (const name of old) expect(l.timeline.current(`se:${name}`)).toMatch(/^SE_STATE_ENABLED\//);
    expect(vssEverDown(l.timeline)).toEqual([]);

    l.world.enableKey(l.seed.customerKeyArn);
    // As an SRE would: the Controller creates no SE for five minutes after a failed creation, so resume after its retry.
    await pollUntil(() => l.fleet!.createBlocked.size === 0, "the Controller's SE creation retry", 60_000, 5);
    const resumed = await runCli(['resume', '--yes', '--state-dir', l.stateDir], l.cliEnv);
    if (resumed.code !== 0) throw new Error(`resume exited ${resumed.code}:\n${resumed.stdout.slice(-3000)}`);
    expect(vssEverDown(l.timeline)).toEqual([]);
    expectGroupEncrypted(l, 'Default-Group');
  });

  it('plan: which virtual services move, the capacity each group needs, the writes, and nothing changed', async () => {
    const l = await start({ groups: [4, 2], vsPerGroup: [6, 2] });
    const r = await runCli(seArgs(l, 'plan', 'se-scale-out'), l.cliEnv);
    expect({ code: r.code, err: r.stderr }).toEqual({ code: 0, err: '' });
    expect(r.stdout).toMatch(/Default-Group: 4 unencrypted SEs; virtual services vs-01, vs-02, vs-03, vs-04, vs-05, vs-06 move with no downtime; needs 1 new SE \(1 vCPU\): 5 of max_se 10 at the peak/);
    expect(r.stdout).toMatch(/web-segroup: 2 unencrypted SEs; virtual services vs-07, vs-08 move with no downtime; needs 1 new SE \(1 vCPU\): 3 of max_se 10 at the peak/);
    expect(r.stdout).toMatch(/carries vs-01, vs-05/);
    expect(r.stdout).toMatch(/APPROVAL: Service Engines are replaced one at a time/);
    expect(r.stdout).toMatch(/avi PUT \/api\/cloud .* ebs_encryption=\{"mode":"AWS_ENCRYPTION_MODE_SSE_KMS"/);
    expect(r.stdout.match(/enable_state=SE_STATE_DISABLED\b/g)).toHaveLength(6);
    expect(r.stdout.match(/avi DELETE \/api\/serviceengine/g)).toHaveLength(6);
    expect(r.stdout).toMatch(/management addresses: 2 needed, \d+ free/);
    expect(mutatingCount(l)).toBe(0);
  });
});
