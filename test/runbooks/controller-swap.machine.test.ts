// The controller-swap machine with fake effects (machine.provide): order, per-node loop,
// 1-node vs 3-node branches, skipped nodes, failure, and restore re-running the in-flight step.

import { describe, expect, it } from '@jest/globals';
import { createActor, fromPromise, waitFor, type AnyStateMachine } from 'xstate';
import { machine } from '../../runbooks/controller-swap.js';
import type { ControllerContext, ControllerNode } from '../../src/steps/controller/context.js';
import { initialContext } from '../../src/steps/controller/context.js';
import type { ControllerStepId } from '../../src/steps/controller/index.js';

const ALL_STEPS: ControllerStepId[] = [
  'check-key', 'check-encrypted-ami', 'discover-nodes', 'claim-nodes', 'export-config', 'create-volumes', 'stop-node', 'node-stopped',
  'detach-old-root', 'old-root-detached', 'attach-new-root', 'new-root-attached', 'keep-delete-on-termination', 'start-node',
  'controller-up', 'restore-config', 'save-cluster-config', 'cluster-ready', 'tag-old-root', 'verify', 'release-nodes',
];

const node = (ip: string, role: ControllerNode['role'], extra: Partial<ControllerNode> = {}): ControllerNode => ({
  ip, role, instanceId: `i-${ip}`, availabilityZone: 'us-east-1a', rootDevice: '/dev/xvda', oldVolumeId: `vol-${ip}`,
  deleteOnTermination: true, volumeType: 'gp3', size: 128, ...extra,
});

type Call = { step: string; node?: string };

function fakeRun(nodes: ControllerNode[], opts: { failAt?: string; holdAt?: string } = {}) {
  const calls: Call[] = [];
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => (release = r));
  const actors = Object.fromEntries(
    ALL_STEPS.map((id) => [
      id,
      fromPromise<Partial<ControllerContext>, { ctx: ControllerContext }>(async ({ input }) => {
        const ctx = input.ctx;
        calls.push({ step: id, ...(ctx.nodes[ctx.nodeIndex] && ctx.nodes.length ? { node: ctx.nodes[ctx.nodeIndex]!.ip } : {}) });
        if (id === opts.holdAt) await held;
        if (id === opts.failAt) throw Object.assign(new Error(`${id} broke`), { code: 'Boom' });
        if (id === 'discover-nodes') return { nodes, nodeIndex: 0 };
        return {};
      }),
    ]),
  );
  const provided = (machine as AnyStateMachine).provide({ actors } as never);
  const input = initialContext({
    runId: 'r1', strategy: 'controller-swap', controller: 'https://c', kmsKey: 'alias/k', pollIntervalMs: 1, waitTimeoutMs: 1000,
  });
  return { calls, provided, input, release };
}

const perNode = (calls: Call[], ip: string) => calls.filter((c) => c.node === ip && ALL_STEPS.indexOf(c.step as ControllerStepId) > ALL_STEPS.indexOf('create-volumes')).map((c) => c.step);

describe('controller-swap machine', () => {
  it('3 nodes: volumes before any stop, nodes in discovered order, cluster READY after each node', async () => {
    // Discovery orders followers first and the leader last (tested with the discover step).
    const { calls, provided, input } = fakeRun([node('10.0.0.2', 'follower'), node('10.0.0.3', 'follower'), node('10.0.0.1', 'leader')]);
    const actor = createActor(provided, { input }).start();
    const end = await waitFor(actor, (s) => s.status === 'done');
    expect(end.value).toBe('done');
    const order = calls.map((c) => c.step);
    expect(order.indexOf('create-volumes')).toBeLessThan(order.indexOf('stop-node'));
    expect(order).not.toContain('export-config');
    expect(order).not.toContain('restore-config');
    const stops = calls.filter((c) => c.step === 'stop-node').map((c) => c.node);
    expect(stops).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.1']);
    expect(perNode(calls, '10.0.0.2')).toEqual([
      'stop-node', 'node-stopped', 'detach-old-root', 'old-root-detached', 'attach-new-root', 'new-root-attached',
      'keep-delete-on-termination', 'start-node', 'save-cluster-config', 'cluster-ready', 'tag-old-root',
    ]);
    // The next node is not touched before this node's cluster READY.
    const readyFirst = order.indexOf('cluster-ready');
    expect(calls.findIndex((c) => c.step === 'stop-node' && c.node === '10.0.0.3')).toBeGreaterThan(readyFirst);
    expect(order.slice(-2)).toEqual(['verify', 'release-nodes']);
  });

  it('1 node: backup before the volumes and the stop, restore after the start, no cluster edit', async () => {
    const { calls, provided, input } = fakeRun([node('10.0.0.9', 'leader')]);
    const actor = createActor(provided, { input }).start();
    await waitFor(actor, (s) => s.status === 'done');
    const order = calls.map((c) => c.step);
    expect(order.indexOf('export-config')).toBeLessThan(order.indexOf('create-volumes'));
    expect(order.indexOf('start-node')).toBeLessThan(order.indexOf('controller-up'));
    expect(order.indexOf('controller-up')).toBeLessThan(order.indexOf('restore-config'));
    expect(order.indexOf('restore-config')).toBeLessThan(order.indexOf('cluster-ready'));
    expect(order).not.toContain('save-cluster-config');
  });

  it('passes over a node whose root is already encrypted', async () => {
    const { calls, provided, input } = fakeRun([node('10.0.0.2', 'follower', { alreadyEncrypted: true }), node('10.0.0.3', 'follower'), node('10.0.0.1', 'leader')]);
    const actor = createActor(provided, { input }).start();
    await waitFor(actor, (s) => s.status === 'done');
    expect(calls.filter((c) => c.step === 'stop-node').map((c) => c.node)).toEqual(['10.0.0.3', '10.0.0.1']);
  });

  it('a failing step ends in failed with the step and error recorded, and nothing after it runs', async () => {
    const { calls, provided, input } = fakeRun([node('10.0.0.1', 'leader')], { failAt: 'detach-old-root' });
    const actor = createActor(provided, { input }).start();
    const end = await waitFor(actor, (s) => s.status === 'done');
    expect(end.value).toBe('failed');
    expect(end.context.failure).toEqual({ name: 'Error', message: 'detach-old-root broke', code: 'Boom', step: 'detach-old-root' });
    expect(calls.map((c) => c.step)).not.toContain('attach-new-root');
  });

  it('a wait gets a deadline in context that a restored snapshot keeps, and the in-flight step runs again', async () => {
    const first = fakeRun([node('10.0.0.1', 'leader')], { holdAt: 'node-stopped' });
    const actor = createActor(first.provided, { input: first.input }).start();
    await waitFor(actor, (s) => s.matches({ 'each-node:stop-node': 'node-stopped' }));
    const saved = JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));
    actor.stop();
    expect(typeof saved.context.waitDeadline).toBe('number');

    const second = fakeRun([node('10.0.0.1', 'leader')]);
    const restored = createActor(second.provided, { snapshot: saved }).start();
    await waitFor(restored, (s) => s.status === 'done');
    expect(second.calls[0]).toEqual({ step: 'node-stopped', node: '10.0.0.1' });
    expect(second.calls.map((c) => c.step)).not.toContain('stop-node');
  });
});
