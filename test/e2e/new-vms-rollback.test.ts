// End to end, controller-new-vms when a new VM does not join: the second follower's new VM is
// stopped right after the Controller accepted it, so it never converges. Past its deadline the node
// is rolled back: the old follower is put back in the cluster, the new VM terminated, the run rests
// rolled-back (exit 6) with two nodes active throughout. `resume` then launches another VM for that
// node and finishes.
//
// Build first: npx tsc -p tsconfig.json && node --experimental-vm-modules node_modules/jest/bin/jest.js test/e2e/new-vms-rollback

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createAviClient } from '../../src/avi/client.js';
import { pollUntil, runCli, spawnCli, startTestLab, waitForExit, type CliResult, type TestLab } from './lab-harness.js';
import { TAG_NODE, TAG_ROLE, expectCode, expectReplaced, fewestActive, newVmsArgs, newVmsEnv } from './new-vms-helpers.js';

const LONG = 180_000;
let lab: TestLab;
let rolledBack: CliResult;
let resumed: CliResult;
let sabotaged = '';
let afterRollback: { listed: string[]; state: string; sabotagedState: string; oldState: string; fewest: number };

const replacementsOf = (ip: string) => [...lab.world.instances.values()].filter((i) => i.tags[TAG_ROLE] === 'controller-replacement' && i.tags[TAG_NODE] === ip);

beforeAll(async () => {
  lab = await startTestLab(3);
  const node = lab.seed.nodes[2]!; // the second follower to be replaced
  // Every wait gives up after 6 s (a re-formation takes 3 s at this time scale).
  const child = spawnCli(newVmsArgs(lab, '--wait-timeout', '0.1'), newVmsEnv(lab));
  await pollUntil(() => lab.requests.list().filter((r) => r.operation === 'PUT /api/cluster' && r.status === 200).length >= 2, 'the second membership change', 90_000, 2);
  const vm = replacementsOf(node.ip).find((i) => i.state === 'running')!;
  sabotaged = vm.instanceId;
  lab.world.stopInstance(vm.instanceId);
  rolledBack = await waitForExit(child, 90_000);
  const avi = createAviClient({
    controller: lab.env['AVI_CONTROLLER']!, username: 'admin', password: lab.env['AVI_PASSWORD']!, tenant: 'admin', caBundle: lab.env['AVI_ENCRYPT_CA_BUNDLE']!,
  });
  afterRollback = {
    listed: (await avi.getCluster()).nodes.map((n) => n.ip.addr),
    state: (await avi.getClusterRuntime()).cluster_state.state,
    sabotagedState: lab.world.instances.get(sabotaged)!.state,
    oldState: lab.world.instances.get(node.instanceId)!.state,
    fewest: fewestActive(lab.timeline.list()),
  };
  resumed = await runCli(['resume', '--yes', '--state-dir', lab.stateDir], newVmsEnv(lab), { timeoutMs: 90_000 });
}, LONG);

afterAll(async () => lab?.stop());

describe('controller-new-vms: a new VM that does not join', () => {
  it('is rolled back: exit 6 naming the node and the wait that ran out', () => {
    expectCode(rolledBack, 6);
    const node = lab.seed.nodes[2]!.ip;
    expect(rolledBack.stdout).toMatch(new RegExp(`rolled back ${node.replace(/\./g, '\\.')} after members-ready \\[${node.replace(/\./g, '\\.')}\\] failed: timed out waiting for cluster READY`));
  });

  it('leaves the old node back in the cluster, READY, the new VM terminated, two nodes active throughout', () => {
    const [leader, first, second] = lab.seed.nodes;
    expect(afterRollback.listed).toHaveLength(3);
    expect(afterRollback.listed).toContain(leader!.ip);
    expect(afterRollback.listed).toContain(second!.ip);
    expect(afterRollback.listed).not.toContain(first!.ip); // the first follower stays replaced
    expect(afterRollback.state).toBe('CLUSTER_UP_HA_ACTIVE');
    expect(['shutting-down', 'terminated']).toContain(afterRollback.sabotagedState);
    expect(afterRollback.oldState).toBe('running');
    expect(afterRollback.fewest).toBeGreaterThanOrEqual(2);
  });

  it('resume launches another VM for that node and finishes the migration', async () => {
    expectCode(resumed, 0);
    const vms = await expectReplaced(lab, 'stopped');
    const node = lab.seed.nodes[2]!.ip;
    expect(replacementsOf(node)).toHaveLength(2);
    expect(vms.map((v) => v.InstanceId)).not.toContain(sabotaged);
  });
});
