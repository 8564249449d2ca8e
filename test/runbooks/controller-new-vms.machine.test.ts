// The real controller-new-vms definition through buildMachine and the engine's runMachine, with
// fake step runs over an in-memory world (new-vms-world.ts): launches fan out before the gate,
// membership goes one node at a time (followers first, the leader handed over first), the old VMs
// go only after every node is in, a node that does not join is put back, and RESUME goes on.

import { describe, expect, it } from '@jest/globals';
import { definition } from '../../runbooks/controller-new-vms.js';
import type { RunStart } from '../../src/engine/run.js';
import { stepsOf } from '../../src/runbook/language.js';
import { buildMachine } from '../../src/runbook/machine.js';
import type { NewVmsData } from '../../src/steps/new-vms/context.js';
import { runOnMachine } from './machine-run.js';
import { NewVmsWorld, oldNode } from './new-vms-world.js';

const built = buildMachine(definition, { lanes: { launches: 3, retire: 3 } });
const DATA: NewVmsData = { controller: 'https://avi.example', kmsKey: 'alias/k', terminateOld: false, nodes: [] };
const [F1, F2, L] = ['10.0.0.2', '10.0.0.3', '10.0.0.1'];
const THREE = () => [oldNode(F1, 'follower'), oldNode(F2, 'follower'), oldNode(L, 'leader')];
const MEMBER_STEPS = ['replacement-running', 'stop-if-leader', 'leader-handed-over', 'swap-membership', 'members-ready'];
const ROLLBACK = stepsOf(definition).filter((s) => s.compensation).map((s) => s.id);

function run(world: NewVmsWorld, opts: { approve?: boolean; start?: RunStart<NewVmsData>; data?: Partial<NewVmsData> } = {}) {
  const start = opts.start ?? { input: built.initialContext({ ...DATA, ...opts.data }) };
  return runOnMachine(built, world.steps(), start, { ...(opts.approve === undefined ? {} : { approve: opts.approve }), onGate: (g) => world.calls.push({ step: `gate:${g}`, item: '', at: 'start' }) });
}

const starts = (world: NewVmsWorld) => world.calls.filter((c) => c.at === 'start');
const index = (world: NewVmsWorld, step: string, item = '') => starts(world).findIndex((c) => c.step === step && c.item === item);

describe('controller-new-vms on the machine', () => {
  it('launches all three VMs at once, then the gate, then one node at a time, followers first, then the old VMs', async () => {
    const world = new NewVmsWorld(THREE());
    const { outcome, gates } = await run(world);
    expect(outcome.status).toBe('done');
    // Fan-out: every launch starts before the first one ends.
    const launches = world.calls.filter((c) => c.step === 'launch-replacement');
    expect(launches.slice(0, 3).map((c) => c.at)).toEqual(['start', 'start', 'start']);
    expect(gates.map((g) => g.gate)).toEqual(['membership-changes']);
    expect(index(world, 'gate:membership-changes')).toBeGreaterThan(index(world, 'launch-replacement', L));
    expect(index(world, 'gate:membership-changes')).toBeLessThan(index(world, 'swap-membership', F1));
    expect(starts(world).filter((c) => c.step === 'swap-membership').map((c) => c.item)).toEqual([F1, F2, L]);
    for (const ip of [F1, F2, L]) expect(world.stepsOf(ip)).toEqual(['launch-replacement', ...MEMBER_STEPS, 'move-addresses', 'retire-old', 'old-retired']);
    expect(index(world, 'swap-membership', F2)).toBeGreaterThan(index(world, 'members-ready', F1));
    expect(index(world, 'move-addresses', F1)).toBeGreaterThan(index(world, 'members-ready', L));
    expect(starts(world).map((c) => c.step).slice(-2)).toEqual(['verify', 'release-nodes']);
    // The end: the new VMs are the cluster, the old ones stopped, the Elastic IPs moved.
    const nodes = outcome.context.data.nodes;
    expect([...world.listed].sort()).toEqual(nodes.map((n) => n.newIp).sort());
    for (const n of nodes) {
      expect(world.vms.get(n.instanceId)).toBe('stopped');
      expect(world.eips.get(n.elasticIps[0]!.allocationId)).toBe(n.newInstanceId);
    }
    expect(gates[0]!.impact).toMatch(/one node at a time, followers first: 10\.0\.0\.2 -> 10\.9\.\d\.2, 10\.0\.0\.3 -> 10\.9\.\d\.3, 10\.0\.0\.1 -> 10\.9\.\d\.1 \(the leader/);
    expect(gates[0]!.impact).toMatch(/No downtime expected/);
  });

  it('--terminate-old terminates the old VMs instead', async () => {
    const world = new NewVmsWorld(THREE());
    expect((await run(world, { data: { terminateOld: true } })).outcome.status).toBe('done');
    for (const n of THREE()) expect(world.vms.get(n.instanceId)).toBe('terminated');
  });

  it('an unapproved gate rests the run after the launches, before any membership change', async () => {
    const world = new NewVmsWorld(THREE());
    const { outcome } = await run(world, { approve: false });
    expect(outcome.status).toBe('waiting-approval');
    expect(starts(world).map((c) => c.step)).not.toContain('swap-membership');
    expect(world.listed).toEqual([F1, F2, L]);
  });

  it('a new VM that does not join is taken out again: old node back, new VM terminated, run rolled back; RESUME launches another', async () => {
    const world = new NewVmsWorld(THREE()).failAt('members-ready', F2);
    const first = await run(world);
    expect(first.outcome.status).toBe('rolled-back');
    expect(first.outcome.rolledBack).toEqual([F2]);
    expect(world.stepsOf(F2)).toEqual(['launch-replacement', ...MEMBER_STEPS, ...ROLLBACK]);
    const f2 = first.outcome.context.data.nodes.find((n) => n.ip === F2)!;
    expect(f2.joined).toBe(false);
    expect(world.vms.get(f2.newInstanceId!)).toBe('terminated');
    expect(world.listed).toContain(F2);
    expect(world.stepsOf(L)).toEqual(['launch-replacement']);
    expect(starts(world).map((c) => c.step)).not.toContain('retire-old');

    world.heal();
    world.calls.length = 0;
    const second = await run(world, { start: { snapshot: first.saved, events: [{ type: 'RESUME' }, { type: 'APPROVE', by: '--yes' }] } });
    expect(second.outcome.status).toBe('done');
    expect(world.stepsOf(F2)).toEqual([...MEMBER_STEPS, 'move-addresses', 'retire-old', 'old-retired']);
    expect(world.stepsOf(F1)).toEqual(['move-addresses', 'retire-old', 'old-retired']);
    const again = second.outcome.context.data.nodes.find((n) => n.ip === F2)!;
    expect(again.newInstanceId).not.toBe(f2.newInstanceId);
    expect(world.listed).toContain(again.newIp);
  });
});
