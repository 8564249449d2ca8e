// End to end in the lab, for every runbook on main (runbooks-on-main.ts): plan --out, then
// migrate --plan applies exactly that plan; and a plan whose world changed since (the key
// disabled, an instance it works on stopped; for controller-swap also a root volume tagged, for
// controller-new-vms an Elastic IP taken off a node) is
// refused naming the change, exit 3, with zero mutating calls. Build first: `npx tsc -p tsconfig.json`.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AssociateAddressCommand, CreateTagsCommand, DeleteTagsCommand, DescribeAddressesCommand, DisassociateAddressCommand,
} from '@aws-sdk/client-ec2';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SavedPlan } from '../../src/engine/saved-plan/file.js';
import { ec2For, mutatingCount, runCli, runDirs, type CliResult, type TestLab } from './lab-harness.js';
import { RUNBOOKS } from './runbooks-on-main.js';

const TIMEOUT = 180_000;

async function cli(lab: TestLab, args: string[]): Promise<{ r: CliResult; mutating: number }> {
  const before = mutatingCount(lab);
  const r = await runCli(args, lab.cliEnv, { timeoutMs: TIMEOUT - 20_000 });
  return { r, mutating: mutatingCount(lab) - before };
}

describe.each(RUNBOOKS)('saved plans ($strategy)', (rb) => {
  const { strategy } = rb;
  const planArgs = (lab: TestLab, file: string) => ['plan', '--strategy', strategy, ...rb.args, '--state-dir', lab.stateDir, '--out', file];

  it('plan --out, then migrate --plan applies it: the run records the plan it applied', async () => {
    const lab = await rb.start();
    try {
      const file = join(lab.dir, 'reviewed.plan');
      const made = await cli(lab, planArgs(lab, file));
      expect({ code: made.r.code, stderr: made.r.stderr, mutating: made.mutating }).toEqual({ code: 0, stderr: '', mutating: 0 });
      expect(made.r.stdout).toMatch(/Saved to .*reviewed\.plan \(world [0-9a-f]{16}\): apply exactly this plan with avi-encrypt migrate --plan/);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedPlan;
      expect(saved).toMatchObject({ kind: 'avi-encrypt-plan', format: 1, settings: { strategy } });
      // Applied with the plan's own settings: no --strategy, no --state-dir.
      const applied = await cli(lab, ['migrate', '--plan', file, '--yes']);
      expect({ code: applied.r.code, stderr: applied.r.stderr }).toEqual({ code: 0, stderr: '' });
      expect(applied.r.stdout).toMatch(/^✓ preflight: \d+ checks passed/);
      const [run] = runDirs(lab.stateDir);
      const meta = JSON.parse(readFileSync(join(run!, 'run.json'), 'utf8')) as { status: string; fromPlan: unknown };
      expect(meta).toMatchObject({ status: 'done', fromPlan: { file, world: saved.world.fingerprint, createdAt: saved.createdAt } });
      // The same plan again is another world's now: what it replaced is gone or changed.
      const again = await cli(lab, ['migrate', '--plan', file, '--yes']);
      expect(again.r.code).toBe(3);
      expect(again.r.stderr).toMatch(/the world changed since the plan in .* was made .*: .* \(and \d+ more changes?\);/);
      expect(again.mutating).toBe(0);
    } finally {
      await lab.stop();
    }
  }, TIMEOUT);

  describe('a changed world', () => {
    let lab: TestLab;
    let file: string;
    let saved: SavedPlan;
    beforeAll(async () => {
      lab = await rb.start();
      file = join(lab.dir, 'p.plan');
      expect((await cli(lab, planArgs(lab, file))).r.code).toBe(0);
      saved = JSON.parse(readFileSync(file, 'utf8')) as SavedPlan;
    }, TIMEOUT);
    afterAll(async () => lab?.stop(), TIMEOUT);

    /** migrate --plan: refused (exit 3), one line naming the change, nothing changed, no run. */
    async function refused(): Promise<string> {
      const { r, mutating } = await cli(lab, ['migrate', '--plan', file, '--yes']);
      expect({ code: r.code, stdout: r.stdout, mutating, runs: runDirs(lab.stateDir) }).toEqual({ code: 3, stdout: '', mutating: 0, runs: [] });
      const lines = r.stderr.split('\n').filter((l) => l.trim());
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^avi-encrypt: the world changed since the plan in ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} was made \\(`));
      expect(lines[0]).toMatch(/; make a new plan with avi-encrypt plan --out .*, review it, and apply that$/);
      return lines[0]!;
    }

    // A Controller node's root volume is a fact of its plan (the SE runbooks' roots are the Controller's to replace).
    if (strategy === 'controller-swap') {
      it('a tag added to a node\'s root volume', async () => {
        const ec2 = ec2For(lab);
        const node = lab.seed.nodes[1]!;
        const root = lab.world.rootVolume(node.instanceId)!.volumeId;
        await ec2.send(new CreateTagsCommand({ Resources: [root], Tags: [{ Key: 'owner', Value: 'someone-else' }] }));
        try {
          expect(await refused()).toMatch(new RegExp(`: node ${node.ip} root /dev/xvda: was ${root} .*, is now ${root} .*owner=someone-else;`));
        } finally {
          await ec2.send(new DeleteTagsCommand({ Resources: [root], Tags: [{ Key: 'owner' }] }));
          ec2.destroy();
        }
      }, TIMEOUT);
    }

    // The new VMs take over the old ones' Elastic IPs: where those are now is a fact of the plan.
    if (strategy === 'controller-new-vms') {
      it('an Elastic IP taken off a node', async () => {
        const ec2 = ec2For(lab);
        const eip = lab.seed.elasticIps[0]!;
        const node = lab.seed.nodes.find((n) => n.instanceId === eip.instanceId)!;
        const [address] = (await ec2.send(new DescribeAddressesCommand({ AllocationIds: [eip.allocationId] }))).Addresses!;
        await ec2.send(new DisassociateAddressCommand({ AssociationId: address!.AssociationId! }));
        try {
          expect(await refused()).toMatch(new RegExp(`: node ${node.ip} Elastic IPs: was ${eip.allocationId} \\(${address!.PublicIp!.replace(/\./g, '\\.')}\\), is now \\(none\\);`));
        } finally {
          await ec2.send(new AssociateAddressCommand({ AllocationId: eip.allocationId, InstanceId: node.instanceId }));
          ec2.destroy();
        }
      }, TIMEOUT);
    }

    it('the key disabled', async () => {
      lab.world.disableKey(lab.seed.customerKeyArn);
      try {
        expect(await refused()).toContain(`: KMS key ${saved.settings.kmsKey}: was Enabled, is now Disabled;`);
      } finally {
        lab.world.enableKey(lab.seed.customerKeyArn);
      }
    }, TIMEOUT);

    it('a file that is not a plan, or a flag that disagrees with it: one line, exit 2, nothing called', async () => {
      const junk = join(lab.dir, 'junk.plan');
      writeFileSync(junk, JSON.stringify({ ...saved, kind: 'something-else' }));
      const before = lab.requests.list().length;
      const notPlan = await cli(lab, ['migrate', '--plan', junk, '--yes']);
      expect({ code: notPlan.r.code, stdout: notPlan.r.stdout }).toEqual({ code: 2, stdout: '' });
      expect(notPlan.r.stderr.trim()).toMatch(/^avi-encrypt: .*junk\.plan is not an avi-encrypt plan \(no "kind": "avi-encrypt-plan"\)/);
      const flag = await cli(lab, ['migrate', '--plan', file, '--yes', '--kms-key', 'alias/aws/ebs']);
      expect(flag.r.code).toBe(2);
      expect(flag.r.stderr.trim()).toMatch(/^avi-encrypt: --kms-key "alias\/aws\/ebs" disagrees with the plan in /);
      expect(lab.requests.list().length).toBe(before);
    }, TIMEOUT);

    // Last: the instance is not started again.
    it('an instance the plan works on stopped', async () => {
      const named = await rb.stopOne(lab, saved);
      expect(await refused()).toMatch(named);
    }, TIMEOUT);
  });
});
