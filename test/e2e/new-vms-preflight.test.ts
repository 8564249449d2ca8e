// End to end in the lab, controller-new-vms' own preflight (the suites over every runbook cover
// all green, the key, StopInstances and CreateGrant, saved plans): a policy without
// ec2:RunInstances named by preflight and by migrate; ec2:TerminateInstances named although the
// plan terminates nothing (the rollback would); an instance type without EBS encryption and a full
// subnet each on their own checklist line, the plan's refusal pointing there. Nothing changes.
//
// Build first: npx tsc -p tsconfig.json && node --experimental-vm-modules node_modules/jest/bin/jest.js test/e2e/new-vms-preflight

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mutatingCount, runCli, runDirs, startTestLab, type CliResult, type TestLab } from './lab-harness.js';
import { fillSubnet, newVmsEnv } from './new-vms-helpers.js';
import { policyWithout } from './runbooks-on-main.js';

const TIMEOUT = 120_000;

const args = (lab: TestLab, command: string, ...more: string[]) => [command, '--strategy', 'controller-new-vms', '--state-dir', lab.stateDir, ...more];

async function cli(lab: TestLab, argv: string[]): Promise<{ r: CliResult; mutating: number }> {
  const before = mutatingCount(lab);
  const r = await runCli(argv, newVmsEnv(lab), { timeoutMs: TIMEOUT - 10_000 });
  return { r, mutating: mutatingCount(lab) - before };
}

/** The checklist's failed and skipped lines. */
const marked = (stdout: string, mark: '✗' | '–') => stdout.split('\n').filter((l) => l.startsWith(`  ${mark} `));

describe('controller-new-vms preflight under a narrow IAM policy', () => {
  it.each([
    ['ec2:RunInstances', /^ec2:RunInstances is not allowed for these AWS credentials \(DryRun RunInstances on ami-[0-9a-f]+, subnet-[0-9a-f]+(, [a-z]+-[0-9a-f]+)* answered UnauthorizedOperation\): allow ec2:RunInstances in their IAM policy, then retry$/],
    // The plan stops the old VMs (no --terminate-old): only the rollback would terminate, and preflight asks for it.
    ['ec2:TerminateInstances', /^ec2:TerminateInstances is not allowed for these AWS credentials \(DryRun TerminateInstances on i-[0-9a-f]+ answered UnauthorizedOperation\)/],
  ])('without %s: preflight names it on its own line, migrate refuses with it; zero mutating calls', async (action, detail) => {
    const lab = await startTestLab(3, { iamPolicy: policyWithout(action) });
    try {
      const pre = await cli(lab, args(lab, 'preflight'));
      expect(pre.r.code).toBe(3);
      const failed = marked(pre.r.stdout, '✗');
      expect(failed).toHaveLength(1);
      expect(failed[0]!.slice(`  ✗ ${action} (DryRun): `.length)).toMatch(detail);
      const mig = await cli(lab, args(lab, 'migrate', '--yes'));
      expect({ code: mig.r.code, stdout: mig.r.stdout, runs: runDirs(lab.stateDir) }).toEqual({ code: 3, stdout: '', runs: [] });
      expect(mig.r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^avi-encrypt: /)]);
      expect(mig.r.stderr.trim().slice('avi-encrypt: '.length)).toMatch(detail);
      expect(pre.mutating + mig.mutating).toBe(0);
      expect(lab.requests.list().filter((q) => q.mutating)).toEqual([]);
    } finally {
      await lab.stop();
    }
  }, TIMEOUT);
});

describe('controller-new-vms preflight: the new VMs\' capacity', () => {
  let lab: TestLab;
  beforeAll(async () => {
    lab = await startTestLab(3);
  }, TIMEOUT);
  afterAll(async () => lab?.stop(), TIMEOUT);

  it('all green shows the launch AMI, the instance type and each subnet\'s room, and the rollback\'s calls sent as DryRun', async () => {
    const { r, mutating } = await cli(lab, args(lab, 'preflight'));
    expect({ code: r.code, failed: marked(r.stdout, '✗'), skipped: marked(r.stdout, '–') }).toEqual({ code: 0, failed: [], skipped: [] });
    expect(r.stdout).toContain(`  ✓ 3-node Controller cluster READY: CLUSTER_UP_HA_ACTIVE, nodes `);
    expect(r.stdout).toContain(`  ✓ The AMI the new VMs launch from: ${lab.seed.controllerAmiId} (the nodes' own): available`);
    expect(r.stdout).toContain('  ✓ Instance types support encrypted EBS (DescribeInstanceTypes): m5.2xlarge');
    for (const n of lab.seed.nodes) expect(r.stdout).toMatch(new RegExp(`  ✓ Free subnet addresses for the new VMs: .*${n.subnetId}: room for 1`));
    expect(r.stdout).toContain('  ✓ ec2:RunInstances (DryRun): allowed (3 of 3 planned calls sent as DryRun)');
    expect(r.stdout).toContain("  ✓ ec2:TerminateInstances (DryRun): allowed (3 of 3 calls sent as DryRun: none planned, 3 the rollback's, sent on the old VMs)");
    expect(mutating).toBe(0);
  }, TIMEOUT);

  it('an instance type without EBS encryption: its own failed line; the plan points there instead of failing twice', async () => {
    const node = lab.seed.nodes[1]!;
    const inst = lab.world.instance(node.instanceId);
    inst.instanceType = 'm1.large';
    try {
      const { r, mutating } = await cli(lab, args(lab, 'preflight'));
      expect(r.code).toBe(3);
      expect(marked(r.stdout, '✗')).toEqual([
        expect.stringMatching(new RegExp(`^  ✗ Instance types support encrypted EBS \\(DescribeInstanceTypes\\): instance type m1\\.large \\(node ${node.ip.replace(/\./g, '\\.')}\\) cannot attach encrypted EBS volumes`)),
      ]);
      expect(marked(r.stdout, '–')).toEqual([
        expect.stringMatching(/^  – The plan .*: not made: the runbook refuses for the same reason as "Instance types support encrypted EBS/),
        '  – IAM for the planned EC2 writes (DryRun): needs the plan (see "The plan")',
      ]);
      expect(mutating).toBe(0);
    } finally {
      inst.instanceType = 'm5.2xlarge';
    }
  }, TIMEOUT);

  // Last: the filler VMs stay.
  it('a subnet without a free address for its new VM: its own failed line, as JSON too', async () => {
    const node = lab.seed.nodes[2]!;
    const subnet = lab.world.subnet(node.subnetId);
    fillSubnet(lab, subnet.subnetId);
    const { r, mutating } = await cli(lab, args(lab, 'preflight', '--json'));
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: Array<{ id: string; status: string; detail: string }> };
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([{
      id: 'subnet-addresses', title: 'Free subnet addresses for the new VMs', status: 'fail',
      detail: `subnet ${subnet.subnetId} (${subnet.availabilityZone}) has 0 free private addresses; the new VMs of ${node.ip} need 1: free some, then retry`,
    }]);
    expect(mutating).toBe(0);
  }, TIMEOUT);
});
