// End to end, controller-new-vms: the plan (text and JSON) changes nothing and shows every launch,
// membership PUT, Elastic IP move and stop; the migration ends with three new VMs encrypted with the
// key and the cluster READY on their IPs, with two nodes active throughout.
//
// Build first: npx tsc -p tsconfig.json && node --experimental-vm-modules node_modules/jest/bin/jest.js test/e2e/new-vms-migrate

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan } from '../../src/engine/plan/types.js';
import { mutatingCount, runCli, startTestLab, type CliResult, type TestLab } from './lab-harness.js';
import { expectCode, expectReplaced, newVmsArgs, newVmsEnv } from './new-vms-helpers.js';

const LONG = 120_000;
let lab: TestLab;
let plan: Plan;
let planText: CliResult;
let encryptedPlan: Plan;
let migrated: CliResult;
let mutatingBeforeMigrate = 0;

beforeAll(async () => {
  lab = await startTestLab(3);
  const planArgs = ['plan', '--strategy', 'controller-new-vms', '--state-dir', lab.stateDir];
  const json = await runCli([...planArgs, '--json'], newVmsEnv(lab));
  expectCode(json, 0);
  plan = JSON.parse(json.stdout) as Plan;
  planText = await runCli(planArgs, newVmsEnv(lab));
  const withAmi = await runCli([...planArgs, '--json', '--encrypted-ami', lab.seed.encryptedAmiId], newVmsEnv(lab));
  expectCode(withAmi, 0);
  encryptedPlan = JSON.parse(withAmi.stdout) as Plan;
  mutatingBeforeMigrate = mutatingCount(lab);
  migrated = await runCli(newVmsArgs(lab), newVmsEnv(lab), { timeoutMs: LONG });
}, LONG + 60_000);

afterAll(async () => lab?.stop());

const calls = (p: Plan, op: string) => p.steps.flatMap((s) => s.calls.filter((c) => c.operation === op).map((c) => ({ step: s.id, item: s.item, ...c })));

describe('controller-new-vms plan', () => {
  it('changes nothing', () => {
    expectCode(planText, 0);
    expect(mutatingBeforeMigrate).toBe(0);
    expect(planText.stdout).toContain('Nothing was changed.');
  });

  it('launches one VM per node from the nodes\' AMI with an encrypted root, each under its own step, before the gate', () => {
    const launches = calls(plan, 'RunInstances');
    expect(launches.map((c) => [c.step, c.item])).toEqual(lab.seed.nodes.slice(1).concat(lab.seed.nodes[0]!).map((n) => ['launch-replacement', n.ip]));
    for (const c of launches) {
      const node = lab.seed.nodes.find((n) => n.ip === c.item)!;
      expect(c.detail).toMatchObject({
        imageId: lab.seed.controllerAmiId, subnetId: node.subnetId, instanceType: 'm5.2xlarge', securityGroupIds: [lab.seed.securityGroupId],
        iamInstanceProfileArn: lab.seed.instanceProfileArn, root: { kmsKeyId: lab.seed.customerKeyArn, device: '/dev/xvda' },
      });
    }
    const gate = plan.steps.findIndex((s) => s.kind === 'gate');
    expect(plan.steps[gate]!.impact).toMatch(/No downtime expected/);
    expect(gate).toBeGreaterThan(plan.steps.findIndex((s) => s.id === 'launch-replacement' && s.item === lab.seed.nodes[0]!.ip));
    expect(gate).toBeLessThan(plan.steps.findIndex((s) => s.id === 'swap-membership'));
  });

  it('shows one membership PUT per node, followers first, the leader\'s stop before its PUT, the EIP moves and the stops', () => {
    const [leader, ...followers] = lab.seed.nodes;
    expect(calls(plan, 'PUT /api/cluster').map((c) => c.item)).toEqual([...followers.map((n) => n.ip), leader!.ip]);
    const stops = calls(plan, 'StopInstances');
    expect(stops.map((c) => [c.step, c.target])).toEqual([
      ['stop-if-leader', leader!.instanceId], ...followers.map((n) => ['retire-old', n.instanceId]),
    ]);
    expect(calls(plan, 'AssociateAddress').map((c) => c.target).sort()).toEqual(lab.seed.elasticIps.map((e) => e.allocationId).sort());
    expect(calls(plan, 'TerminateInstances')).toEqual([]);
    expect(calls(encryptedPlan, 'RunInstances').map((c) => (c.detail as { imageId: string }).imageId)).toEqual([lab.seed.encryptedAmiId, lab.seed.encryptedAmiId, lab.seed.encryptedAmiId]);
  });
});

describe('controller-new-vms migrate', () => {
  it('exits 0: three new VMs encrypted with the key, old ones stopped, Elastic IPs moved, READY on the new IPs, two nodes active throughout', async () => {
    expectCode(migrated, 0);
    expect(migrated.stdout).toContain(`done: the Controller cluster runs on 3 new VMs whose roots are encrypted with ${lab.seed.customerKeyArn}`);
    await expectReplaced(lab, 'stopped');
    // One launch per node (preflight's DryRun requests change nothing), one accepted membership change per node.
    expect(lab.requests.list().filter((r) => r.operation === 'RunInstances' && !r.dryRun)).toHaveLength(3);
    expect(lab.requests.list().filter((r) => r.operation === 'PUT /api/cluster' && r.status === 200)).toHaveLength(3);
  });

  it('writes the node password nowhere in the run folder', () => {
    const runs = join(lab.stateDir, 'runs');
    for (const run of readdirSync(runs)) {
      for (const f of readdirSync(join(runs, run)).filter((n) => n.endsWith('.json') || n.endsWith('.jsonl'))) {
        expect(readFileSync(join(runs, run, f), 'utf8')).not.toContain(lab.env['AVI_NODE_PASSWORD']!);
      }
    }
  });
});
