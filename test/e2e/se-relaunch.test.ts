// End to end: `migrate --strategy se-relaunch` against the lab started in this process, the CLI
// run from dist/ (build first). The outage the run reports for each virtual service is the one
// the lab's timeline recorded; the gate states the expected outage before anything goes down.

import { describe, expect, it, jest } from '@jest/globals';
import { mutatingCount, runCli, type CliResult, type TestLab } from './lab-harness.js';
import { aviWrites, groupsOfSes, outages, seArgs, seLabs } from './se-harness.js';

jest.setTimeout(180_000);

const start = seLabs();

/** The outage the run reported per virtual service, from its summary lines, and whether it was measured from the delete. */
function reported(r: CliResult): Map<string, { ms: number; fromDelete: boolean }> {
  return new Map([...r.stdout.matchAll(/^ {4}(vs-\d+) +outage (\d+) ms(.*)$/gm)]
    .map((m) => [m[1]!, { ms: Number(m[2]), fromDelete: m[3]!.includes('measured from the delete') }]));
}

/**
 * Each reported outage is the one outage the timeline shows for that VS. Seen down, it is measured
 * from the Controller's own change times: equal to the millisecond. Back up before the run saw it
 * down, it is measured from the run's delete, which starts a few requests before the Controller
 * takes the SE away: never shorter than the real outage, and longer by no more than those requests.
 */
function expectOutagesMatch(l: TestLab, r: CliResult, vss: string[]): void {
  const timeline = outages(l.timeline);
  const said = reported(r);
  expect([...said.keys()].sort()).toEqual(vss);
  for (const vs of vss) {
    expect({ vs, outages: timeline.get(vs)?.length }).toEqual({ vs, outages: 1 });
    const { ms, fromDelete } = said.get(vs)!;
    const over = ms - timeline.get(vs)![0]!;
    const fits = fromDelete ? over >= -5 && over <= 500 : Math.abs(over) <= 5;
    expect({ vs, fromDelete, over, fits }).toEqual({ vs, fromDelete, over, fits: true });
    expect(ms).toBeGreaterThan(0);
  }
}

function expectOnlyEncryptedSes(l: TestLab, seeded: Map<string, string>): void {
  for (const se of l.fleet!.ses.values()) {
    expect(seeded.has(se.name)).toBe(false);
    expect(l.world.rootVolume(l.world.instanceByPrivateIp(se.mgmtIp)!.instanceId)).toMatchObject({ encrypted: true, kmsKeyArn: l.seed.customerKeyArn });
  }
}

describe('se-relaunch', () => {
  it('a group of 4 SEs carrying 6 virtual services: deleted, relaunched encrypted, each outage reported as the timeline saw it', async () => {
    const l = await start({ groups: [4], vsPerGroup: [6] });
    const seeded = groupsOfSes(l);
    const r = await runCli(seArgs(l, 'migrate', 'se-relaunch'), l.cliEnv);
    expect({ code: r.code, out: r.stdout.slice(-2000), err: r.stderr }).toMatchObject({ code: 0, err: '' });
    expectOutagesMatch(l, r, ['vs-01', 'vs-02', 'vs-03', 'vs-04', 'vs-05', 'vs-06']);
    expectOnlyEncryptedSes(l, seeded);
    // The lab refuses DELETE of a busy SE by default: the run fell back to forcedelete.
    const writes = aviWrites(l);
    expect(writes.filter((w) => w === 'POST /api/serviceengine/forcedelete')).toHaveLength(4);
    // Disabled for placement first: no VS was moved onto an SE about to be deleted (one outage each, above).
    expect(writes.indexOf('DELETE /api/serviceengine')).toBeGreaterThan(writes.lastIndexOf('PATCH /api/serviceengine'));
  });

  it('a two-group fleet at --concurrency 2, with a Controller whose DELETE takes busy SEs', async () => {
    const l = await start({ deleteBusySe: 'relaunch' });
    const seeded = groupsOfSes(l);
    const r = await runCli(seArgs(l, 'migrate', 'se-relaunch', '--concurrency', '2'), l.cliEnv);
    expect({ code: r.code, out: r.stdout.slice(-2000) }).toMatchObject({ code: 0 });
    expectOutagesMatch(l, r, ['vs-01', 'vs-02', 'vs-03', 'vs-04', 'vs-05', 'vs-06']);
    expectOnlyEncryptedSes(l, seeded);
    expect(aviWrites(l)).not.toContain('POST /api/serviceengine/forcedelete');
  });

  it('plan, and a run without --yes: the gate states the expected outage per virtual service before anything goes down', async () => {
    const l = await start();
    const plan = await runCli(seArgs(l, 'plan', 'se-relaunch'), l.cliEnv);
    expect({ code: plan.code, err: plan.stderr }).toEqual({ code: 0, err: '' });
    expect(plan.stdout).toMatch(/Default-Group: 4 unencrypted SEs; virtual services vs-01, vs-02, vs-03, vs-04 go down until new SEs serve them; needs 1 new SE \(1 vCPU\): 1 of max_se 10 at the peak/);
    expect(plan.stdout).toMatch(/APPROVAL: Virtual services go down while their SEs are relaunched\n +each of these virtual services goes down .*: vs-01 \(Default-Group\), .* vs-06 \(web-segroup\)/);
    expect(plan.stdout).toMatch(/Delete the group's unencrypted SEs \[Default-Group\] \(doc step 1\) +<< takes Default-Group DOWN/);
    expect(mutatingCount(l)).toBe(0);

    const args = seArgs(l, 'migrate', 'se-relaunch').filter((a) => a !== '--yes');
    const waiting = await runCli(args, l.cliEnv);
    expect(waiting.code).toBe(7);
    expect(waiting.stdout).toMatch(/waiting for approval: Virtual services go down while their SEs are relaunched: each of these virtual services goes down/);
    expect(mutatingCount(l)).toBe(0);
  });
});
