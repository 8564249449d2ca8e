// The real controller-swap definition through buildMachine and the engine's runMachine, with
// fake step runs over an in-memory world (swap-world.ts): order, 1-node vs 3-node branches,
// passed-over nodes, the gate, rollback of a node that fails, --no-rollback, and RESUME.

import { describe, expect, it } from '@jest/globals';
import { definition } from '../../runbooks/controller-swap.js';
import type { RunStart } from '../../src/engine/run.js';
import { stepsOf } from '../../src/runbook/language.js';
import { buildMachine } from '../../src/runbook/machine.js';
import type { ControllerData } from '../../src/steps/controller/context.js';
import { runOnMachine } from './machine-run.js';
import { controllerNode as node, SwapWorld } from './swap-world.js';

const built = buildMachine(definition);
const DATA: ControllerData = { controller: 'https://avi.example', kmsKey: 'alias/k', encryptedAmi: 'ami-0abc1234', nodes: [] };
const THREE = () => [node('10.0.0.2', 'follower'), node('10.0.0.3', 'follower'), node('10.0.0.1', 'leader')];
const NODE_STEPS = [
  'stop-node', 'node-stopped', 'detach-old-root', 'old-root-detached', 'attach-new-root', 'new-root-attached',
  'keep-delete-on-termination', 'start-node', 'save-cluster-config', 'cluster-ready', 'tag-old-root',
];
/** The rollback of one node of a 3-node cluster: every compensation step but the 1-node one. */
const ROLLBACK_3 = stepsOf(definition).filter((s) => s.compensation && s.id !== 'rollback-controller-up').map((s) => s.id);

interface Options {
  rollback?: boolean;
  /** Answers the gate; default: approved. */
  approve?: boolean;
  start?: RunStart<ControllerData>;
}

/** One run of the machine over the world; keeps the last persisted snapshot, the gates asked and the journal. */
function run(world: SwapWorld, opts: Options = {}) {
  const start = opts.start ?? { input: built.initialContext(DATA, { rollback: opts.rollback ?? true }) };
  return runOnMachine(built, world.steps(), start, { ...(opts.approve === undefined ? {} : { approve: opts.approve }), onGate: (g) => world.calls.push({ step: `gate:${g}`, item: '' }) });
}

const index = (world: SwapWorld, step: string, item = '') => world.calls.findIndex((c) => c.step === step && c.item === item);

describe('controller-swap on the machine', () => {
  it('3 nodes: volumes before any stop, followers first and the leader last, cluster READY after each node', async () => {
    const world = new SwapWorld(THREE());
    const { outcome } = await run(world);
    expect(outcome.status).toBe('done');
    const steps = world.calls.map((c) => c.step);
    // An AMI was given: no copy; 3 nodes re-join with the node password, asked before any change.
    expect(steps.slice(0, 5)).toEqual(['check-key', 'check-encrypted-ami', 'discover-nodes', 'ask-node-password', 'claim-nodes']);
    expect(steps).not.toContain('copy-ami');
    expect(steps).not.toContain('check-ssh');
    expect(steps.indexOf('create-volumes')).toBeLessThan(steps.indexOf('stop-node'));
    expect(steps).not.toContain('export-config');
    expect(world.calls.filter((c) => c.step === 'stop-node').map((c) => c.item)).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.1']);
    for (const ip of ['10.0.0.2', '10.0.0.3', '10.0.0.1']) expect(world.stepsOf(ip)).toEqual(NODE_STEPS);
    // The next node is not touched before this one's cluster READY.
    expect(index(world, 'stop-node', '10.0.0.3')).toBeGreaterThan(index(world, 'cluster-ready', '10.0.0.2'));
    expect(index(world, 'stop-node', '10.0.0.1')).toBeGreaterThan(index(world, 'cluster-ready', '10.0.0.3'));
    expect(steps.slice(-2)).toEqual(['verify', 'release-nodes']);
    for (const now of world.now.values()) expect(now).toEqual({ running: true, root: 'new', deleteOnTermination: true });
    expect(outcome.context.data.verified).toBe(true);
    expect(outcome.context.data.nodes.map((n) => n.newVolumeId)).toEqual(['vol-new-10.0.0.2', 'vol-new-10.0.0.3', 'vol-new-10.0.0.1']);
  });

  it('1 node: backup before the volumes, Controller API up and restore after the start, no cluster edit', async () => {
    const world = new SwapWorld([node('10.0.0.9', 'leader')]);
    expect((await run(world)).outcome.status).toBe('done');
    const steps = world.calls.map((c) => c.step);
    expect(steps.indexOf('export-config')).toBeLessThan(steps.indexOf('create-volumes'));
    // Restored over SSH (the default): its access is checked up front; no node password is needed.
    expect(steps.indexOf('check-ssh')).toBeLessThan(steps.indexOf('claim-nodes'));
    expect(steps).not.toContain('ask-node-password');
    expect(world.stepsOf('10.0.0.9')).toEqual([
      'stop-node', 'node-stopped', 'detach-old-root', 'old-root-detached', 'attach-new-root', 'new-root-attached',
      'keep-delete-on-termination', 'start-node', 'controller-up', 'restore-config', 'cluster-ready', 'tag-old-root',
    ]);
  });

  it('1 node, --restore-via api: no SSH check; the node password is asked before any change', async () => {
    const world = new SwapWorld([node('10.0.0.9', 'leader')]);
    const data: ControllerData = { ...DATA, restore: { via: 'api', ssh: { knownHosts: '/k', acceptNewHostKey: false, user: 'admin' } } };
    expect((await run(world, { start: { input: built.initialContext(data) } })).outcome.status).toBe('done');
    const steps = world.calls.map((c) => c.step);
    expect(steps).not.toContain('check-ssh');
    expect(steps.indexOf('ask-node-password')).toBeLessThan(steps.indexOf('claim-nodes'));
  });

  it('without an encrypted AMI: the source is checked in preflight, the copy and its check come before the volumes', async () => {
    const world = new SwapWorld(THREE());
    const { encryptedAmi: _given, ...noAmi } = DATA;
    const { outcome } = await run(world, { start: { input: built.initialContext(noAmi) } });
    expect(outcome.status).toBe('done');
    const steps = world.calls.map((c) => c.step);
    expect(steps).not.toContain('check-encrypted-ami');
    expect(steps.slice(0, 6)).toEqual(['check-key', 'discover-nodes', 'check-source-ami', 'ask-node-password', 'claim-nodes', 'copy-ami']);
    expect(steps.indexOf('check-ami-copy')).toBe(steps.indexOf('copy-ami') + 1);
    expect(steps.indexOf('check-ami-copy')).toBeLessThan(steps.indexOf('create-volumes'));
    expect(outcome.context.data).toMatchObject({ encryptedAmi: 'ami-copy', amiCopied: true, rootSnapshotId: 'snap-copy' });
  });

  it('passes over a node whose root is already encrypted', async () => {
    const world = new SwapWorld([node('10.0.0.2', 'follower', { alreadyEncrypted: true }), node('10.0.0.3', 'follower'), node('10.0.0.1', 'leader')]);
    const { outcome, gates } = await run(world);
    expect(outcome.status).toBe('done');
    expect(world.stepsOf('10.0.0.2')).toEqual([]);
    expect(world.calls.filter((c) => c.step === 'stop-node').map((c) => c.item)).toEqual(['10.0.0.3', '10.0.0.1']);
    expect(outcome.context.loops['run[0]/nodes']!.items.map((i) => [i.key, i.status])).toEqual([
      ['10.0.0.2', 'skipped'], ['10.0.0.3', 'done'], ['10.0.0.1', 'done'],
    ]);
    // The gate names only the nodes that go down.
    expect(gates[0]!.impact).toMatch(/^10\.0\.0\.3, 10\.0\.0\.1 go down one at a time/);
  });

  it('asks the gate once, after the volumes exist and before the first stop', async () => {
    const world = new SwapWorld(THREE());
    const { gates } = await run(world);
    expect(gates.map((g) => g.gate)).toEqual(['nodes-go-down']);
    expect(gates[0]!.impact).toContain('10.0.0.2, 10.0.0.3, 10.0.0.1 go down one at a time, followers first and the leader last');
    const gate = index(world, 'gate:nodes-go-down');
    expect(gate).toBeGreaterThan(index(world, 'create-volumes'));
    expect(gate).toBeLessThan(index(world, 'stop-node', '10.0.0.2'));
  });

  it('an unapproved gate rests the run before any stop; APPROVE on the saved run goes on from there', async () => {
    const world = new SwapWorld(THREE());
    const first = await run(world, { approve: false });
    expect(first.outcome.status).toBe('waiting-approval');
    expect(first.outcome.waiting.map((w) => w.gate)).toEqual(['nodes-go-down']);
    expect(world.calls.map((c) => c.step)).not.toContain('stop-node');

    world.calls.length = 0;
    const second = await run(world, { start: { snapshot: first.saved, events: [{ type: 'APPROVE', by: 'approve' }] } });
    expect(second.outcome.status).toBe('done');
    expect(second.outcome.context.approvals).toEqual({ 'nodes-go-down': 'approve' });
    // Nothing before the gate ran again.
    expect(world.calls[0]).toEqual({ step: 'stop-node', item: '10.0.0.2' });
  });

  it('a failing start rolls that node back, in order, ends rolled-back, and leaves the other nodes alone', async () => {
    const world = new SwapWorld(THREE()).failAt('start-node', '10.0.0.3');
    const { outcome, journal } = await run(world);
    expect(outcome.status).toBe('rolled-back');
    expect(outcome.rolledBack).toEqual(['10.0.0.3']);
    expect(outcome.failures).toEqual([expect.objectContaining({ step: 'start-node', item: '10.0.0.3', code: 'Boom' })]);
    expect(world.stepsOf('10.0.0.3')).toEqual([...NODE_STEPS.slice(0, NODE_STEPS.indexOf('start-node') + 1), ...ROLLBACK_3]);
    // Back on its original root, with its DeleteOnTermination, running; the follower before it stays done, the leader untouched.
    expect(world.now.get('10.0.0.3')).toEqual({ running: true, root: 'old', deleteOnTermination: true });
    expect(world.now.get('10.0.0.2')).toEqual({ running: true, root: 'new', deleteOnTermination: true });
    expect(world.stepsOf('10.0.0.1')).toEqual([]);
    expect(world.now.get('10.0.0.1')).toEqual({ running: true, root: 'old', deleteOnTermination: true });
    expect(world.calls.map((c) => c.step)).not.toContain('verify');
    expect(world.calls.map((c) => c.step)).not.toContain('release-nodes');
    // The journal has the failure and the rollback, for that node.
    expect(journal).toContainEqual(expect.objectContaining({ event: 'step-failed', step: 'start-node', item: '10.0.0.3' }));
    expect(journal).toContainEqual({ runId: 'r1', event: 'step-finished', step: 'rollback-cluster-ready', item: '10.0.0.3' });
  });

  it('--no-rollback: the same failure ends failed and leaves the node as it failed', async () => {
    const world = new SwapWorld(THREE()).failAt('start-node', '10.0.0.3');
    const { outcome } = await run(world, { rollback: false });
    expect(outcome.status).toBe('failed');
    expect(outcome.rolledBack).toEqual([]);
    expect(outcome.failures).toEqual([expect.objectContaining({ step: 'start-node', item: '10.0.0.3' })]);
    expect(world.calls.map((c) => c.step).filter((s) => s.startsWith('rollback-'))).toEqual([]);
    expect(world.now.get('10.0.0.3')).toEqual({ running: false, root: 'new', deleteOnTermination: true });
  });

  it('a rollback that fails ends failed, with the rollback step that stopped it', async () => {
    const world = new SwapWorld(THREE()).failAt('start-node', '10.0.0.3').failAt('rollback-attach-old-root', '10.0.0.3');
    const { outcome } = await run(world);
    expect(outcome.status).toBe('failed');
    expect(outcome.failures.map((f) => f.step)).toEqual(['rollback-attach-old-root', 'start-node']);
    expect(world.stepsOf('10.0.0.3').slice(-1)).toEqual(['rollback-attach-old-root']);
    expect(world.stepsOf('10.0.0.1')).toEqual([]);
  });

  it('RESUME after a rollback swaps that node again from stop-node, then the leader; the done follower is not redone', async () => {
    const world = new SwapWorld(THREE()).failAt('start-node', '10.0.0.3');
    const first = await run(world);
    expect(first.outcome.status).toBe('rolled-back');

    world.heal();
    world.calls.length = 0;
    const second = await run(world, { start: { snapshot: first.saved, events: [{ type: 'RESUME' }, { type: 'APPROVE', by: '--yes' }] } });
    expect(second.outcome.status).toBe('done');
    expect(world.stepsOf('10.0.0.3')).toEqual(NODE_STEPS);
    expect(world.stepsOf('10.0.0.1')).toEqual(NODE_STEPS);
    expect(world.stepsOf('10.0.0.2')).toEqual([]);
    // Preflight, claim, volumes and the gate are behind the run: not done again.
    expect(world.calls[0]).toEqual({ step: 'stop-node', item: '10.0.0.3' });
    expect(world.calls.map((c) => c.step).slice(-2)).toEqual(['verify', 'release-nodes']);
    for (const now of world.now.values()) expect(now.root).toBe('new');
  });
});
