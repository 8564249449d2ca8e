// After a controller-new-vms run, through the built CLI against the in-process lab: the run ends
// with the report of the cluster's nodes now (its new VMs); verify reports the new VMs and their
// roots, never the old ones; cleanup lists and terminates exactly the old VMs the run stopped and
// took out of the cluster (node 2's root stays: its DeleteOnTermination is false), leaves alone a
// cluster member that carries the run's tags and another run's VM, and finds nothing the second
// time; doctor names the new VMs' roots when the key is Disabled. World state is read back through
// the lab's EC2 API, never through avi-encrypt's code.
//
// Build first: npx tsc -p tsconfig.json

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { basename } from 'node:path';
import { CreateTagsCommand, DescribeVolumesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { EXIT } from '../../src/engine/exit-codes.js';
import { afterRunCli, LONG } from './after-run-helpers.js';
import { ec2For, pollUntil, runDirs, startTestLab, type TestLab } from './lab-harness.js';
import { allInstances, expectReplaced, newVmsEnv, TAG_REPLACED_BY, TAG_ROLE, TAG_RUN } from './new-vms-helpers.js';
import { expectExit } from './swap-helpers.js';

let lab: TestLab;
let ec2: EC2Client;
let runId: string;
let migrated: string;
let replacements: Instance[];
const { cli, readOnly } = afterRunCli(() => lab, () => newVmsEnv(lab));
const oldIds = () => lab.seed.nodes.map((n) => n.instanceId);
const stateOf = async (id: string) => (await allInstances(ec2)).find((i) => i.InstanceId === id)?.State?.Name;

beforeAll(async () => {
  lab = await startTestLab(3);
  ec2 = ec2For(lab);
  const r = await cli(['migrate', '--strategy', 'controller-new-vms', '--yes']);
  expectExit(r, EXIT.ok);
  migrated = r.stdout;
  runId = basename(runDirs(lab.stateDir)[0]!);
  replacements = await expectReplaced(lab, 'stopped');
}, LONG);
afterAll(async () => {
  ec2?.destroy();
  await lab?.stop();
});

describe('verify after controller-new-vms', () => {
  it('the run ends with the report of the cluster on its new VMs', () => {
    expect(migrated).toMatch(/verify: Controller cluster \S+ \(.*\)\n(  ok    Controller .*\n){3}[^]*verified: the root volumes of all 3 instances are encrypted with the expected key/);
    for (const vm of replacements) expect(migrated).toContain(`ok    Controller ${vm.PrivateIpAddress} [cluster`);
  });

  it('reports the new VMs and their roots, by strategy and by run; no old VM is in it', async () => {
    for (const args of [['verify', '--strategy', 'controller-new-vms', '--json'], ['verify', '--run', runId, '--json']]) {
      const r = await readOnly(args);
      expectExit(r, EXIT.ok);
      const report = JSON.parse(r.stdout) as { instances: Array<{ instanceId: string; name: string; ok: boolean; volumes: Array<{ root: boolean; keyArn?: string }> }> };
      expect(report.instances.map((i) => i.instanceId).sort()).toEqual(replacements.map((i) => i.InstanceId).sort());
      for (const row of report.instances) expect(row.volumes.filter((v) => v.root).map((v) => v.keyArn)).toEqual([lab.seed.customerKeyArn]);
    }
  });
});

describe('cleanup after controller-new-vms', () => {
  let member: Instance;

  beforeAll(async () => {
    // A cluster member wearing the run's "kept" tags, and a VM of another run: neither may go.
    member = replacements[0]!;
    await ec2.send(new CreateTagsCommand({ Resources: [member.InstanceId!], Tags: [{ Key: TAG_RUN, Value: runId }, { Key: TAG_ROLE, Value: 'replaced-controller' }, { Key: TAG_REPLACED_BY, Value: 'i-0000' }] }));
    await ec2.send(new CreateTagsCommand({ Resources: [replacements[1]!.InstanceId!], Tags: [{ Key: TAG_RUN, Value: 'another-run' }, { Key: TAG_ROLE, Value: 'replaced-controller' }] }));
  });

  it('--dry-run lists the three old VMs and the member it leaves alone, and calls nothing', async () => {
    const r = await readOnly(['cleanup', '--run', runId, '--dry-run']);
    expectExit(r, EXIT.ok);
    for (const n of lab.seed.nodes) expect(r.stdout).toMatch(new RegExp(`instance ${n.instanceId} {2}old Controller VM ${n.ip.replace(/\./g, '\\.')}, replaced by i-`));
    expect(r.stdout).toContain(`instance ${member.InstanceId}  old Controller VM`);
    expect(r.stdout).toContain(`left alone: its IP ${member.PrivateIpAddress} is a member of the Controller cluster`);
    expect(r.stdout).not.toContain(`instance ${replacements[1]!.InstanceId!}`);
    const calls = [...r.stdout.matchAll(/^ {2}ec2 TerminateInstances (\S+)$/gm)].map((m) => m[1]);
    expect(calls.sort()).toEqual(oldIds().sort());
  });

  it('--yes terminates exactly the old VMs; node 2 keeps its root; the cluster and the new VMs are untouched', async () => {
    const node2Root = lab.world.rootVolume(lab.seed.nodes[1]!.instanceId)!.volumeId;
    const r = await cli(['cleanup', '--run', runId, '--yes']);
    expectExit(r, EXIT.ok);
    expect(r.stdout).toContain(`keeps ${node2Root}`);
    expect(r.stdout).toContain(`cleanup of run ${runId} done: 3 deleted`);
    // EC2 lists a terminated instance for a while, then not at all.
    for (const id of oldIds()) await pollUntil(async () => ['terminated', undefined].includes(await stateOf(id)), `${id} terminated`);
    for (const vm of replacements) expect(await stateOf(vm.InstanceId!)).toBe('running');
    const kept = (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [node2Root] }))).Volumes![0]!;
    expect(kept.State).toBe('available');
    expectExit(await readOnly(['verify', '--run', runId]), EXIT.ok);
  }, LONG);

  it('a second cleanup deletes nothing', async () => {
    const r = await readOnly(['cleanup', '--run', runId, '--yes']);
    expectExit(r, EXIT.ok);
    expect(r.stdout).toContain(`nothing to delete for run ${runId}`);
  });
});

describe('doctor after controller-new-vms', () => {
  it('Disabled key: names the roots of the new VMs, not the old ones', async () => {
    lab.faults.apply({ kind: 'kms-disable', key: lab.seed.customerKeyArn });
    const r = await readOnly(['doctor', '--json']);
    expectExit(r, EXIT.keyCases);
    const cases = (JSON.parse(r.stdout) as { cases: Array<{ key: string; uses: Array<{ kind: string; what: string }> }> }).cases;
    const uses = cases.find((c) => c.key === lab.seed.customerKeyArn)!.uses.filter((u) => u.kind === 'controller-volume').map((u) => u.what);
    expect(uses.map((u) => u.split(' ')[1]).sort()).toEqual(replacements.map((i) => i.PrivateIpAddress).sort());
    for (const vm of replacements) expect(uses.some((u) => u.includes(`(${vm.InstanceId}, running) root`))).toBe(true);
    for (const id of oldIds()) expect(r.stdout).not.toContain(id);
  });
});
