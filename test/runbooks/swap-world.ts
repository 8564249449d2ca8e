// An in-memory world for running the controller-swap definition through the real machine and
// engine loop with fake step runs: each node is running or stopped, on its old root, its new
// one, or none, and each fake step changes it the way the real effect would (simplified: no
// waiting, no AWS). Steps refuse what the real world would refuse (starting with no root,
// cluster READY with a node down), so an order bug in the runbook fails the test.

import type { ControllerData, ControllerNode } from '../../src/steps/controller/context.js';
import type { ControllerStepId } from '../../src/steps/controller/index.js';
import type { StepRun } from '../../src/engine/run.js';
import type { Scope } from '../../src/steps/effect.js';

export interface NodeNow {
  running: boolean;
  root: 'old' | 'new' | undefined;
  deleteOnTermination: boolean;
}

export interface Call {
  step: string;
  /** The node's IP, or '' for a step of the run. */
  item: string;
}

export const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/k';

export function controllerNode(ip: string, role: ControllerNode['role'], extra: Partial<ControllerNode> = {}): ControllerNode {
  return {
    ip, role, instanceId: `i-${ip}`, availabilityZone: 'us-east-1a', rootDevice: '/dev/xvda', oldVolumeId: `vol-old-${ip}`,
    deleteOnTermination: true, volumeType: 'gp3', size: 128, ...extra,
  };
}

export class SwapWorld {
  readonly now = new Map<string, NodeNow>();
  readonly calls: Call[] = [];
  private readonly failing: Array<{ step: string; item: string; times: number }> = [];

  /** `discovered` is what discover-nodes returns, in its order (followers first, the leader last). */
  constructor(readonly discovered: ControllerNode[]) {
    for (const n of discovered) {
      this.now.set(n.ip, { running: true, root: n.alreadyEncrypted ? 'new' : 'old', deleteOnTermination: n.deleteOnTermination });
    }
  }

  /** `step` fails for `item` the next `times` times it runs. */
  failAt(step: ControllerStepId, item: string, times = Infinity): this {
    this.failing.push({ step, item, times });
    return this;
  }

  heal(): void {
    this.failing.length = 0;
  }

  /** Steps run for one item, in order. */
  stepsOf(item: string): string[] {
    return this.calls.filter((c) => c.item === item).map((c) => c.step);
  }

  private node(ip: string): NodeNow {
    const n = this.now.get(ip);
    if (!n) throw new Error(`world: no node ${ip}`);
    return n;
  }

  private refuse(why: string): never {
    throw Object.assign(new Error(`world refused: ${why}`), { code: 'WorldRefused' });
  }

  /** The fake step runs, by id: what the engine provides to the machine. */
  steps(): Record<ControllerStepId, StepRun<ControllerData>> {
    const run = (fn: (n: ControllerNode, data: ControllerData) => object | void): StepRun<ControllerData> => async (scope) => fn(scope.item as ControllerNode, scope.data);
    const on = (fn: (now: NodeNow, n: ControllerNode) => void) => run((n) => void fn(this.node(n.ip), n));
    const allUp = () => [...this.now.entries()].forEach(([ip, n]) => n.running || this.refuse(`cluster READY with ${ip} down`));
    const table: Record<ControllerStepId, StepRun<ControllerData>> = {
      'check-key': async () => ({ keyArn: KEY_ARN }),
      'check-encrypted-ami': async () => ({ rootSnapshotId: 'snap-enc', rootSnapshotSize: 64 }),
      'discover-nodes': async () => ({ nodes: this.discovered.map((n) => ({ ...n })), clusterUuid: 'cluster-1' }),
      'check-source-ami': async () => ({ sourceAmi: { imageId: 'ami-src', name: 'Avi-Controller-22.1.3-9096', rootSize: 128 } }),
      'check-ssh': async () => ({ controllerVersion: '22.1.3' }),
      'ask-node-password': async () => undefined,
      'claim-nodes': async () => undefined,
      'copy-ami': async () => ({ encryptedAmi: 'ami-copy', amiCopied: true }),
      'check-ami-copy': async () => ({ rootSnapshotId: 'snap-copy', rootSnapshotSize: 128 }),
      'export-config': async () => ({ backupFile: '/runs/r1/backups/controller-config.json' }),
      'create-volumes': run((_n, data) => ({ nodes: data.nodes.map((n) => (n.alreadyEncrypted ? n : { ...n, newVolumeId: `vol-new-${n.ip}` })) })),
      'stop-node': on((now) => void (now.running = false)),
      'node-stopped': on((now, n) => now.running && this.refuse(`${n.ip} still running`)),
      'detach-old-root': on((now) => void (now.root = now.root === 'old' ? undefined : now.root)),
      'old-root-detached': on(() => undefined),
      'attach-new-root': on((now, n) => {
        if (!n.newVolumeId) this.refuse(`no new volume for ${n.ip}`);
        if (now.root) this.refuse(`attach at a device holding the ${now.root} root`);
        Object.assign(now, { root: 'new', deleteOnTermination: false });
      }),
      'new-root-attached': on(() => undefined),
      'keep-delete-on-termination': on((now, n) => void (now.deleteOnTermination = n.deleteOnTermination)),
      'start-node': on((now, n) => (now.root ? void (now.running = true) : this.refuse(`start ${n.ip} with no root`))),
      'controller-up': on((now, n) => now.running || this.refuse(`${n.ip} is down`)),
      'restore-config': async () => undefined,
      'save-cluster-config': on((now, n) => now.running || this.refuse(`${n.ip} cannot re-join while down`)),
      'cluster-ready': run(allUp),
      'tag-old-root': on((now, n) => now.root === 'new' || this.refuse(`${n.ip} is not on its new root`)),
      verify: run((_n, data) => {
        for (const n of data.nodes) if (this.node(n.ip).root !== 'new') this.refuse(`${n.ip} root is ${this.node(n.ip).root}`);
        return { verified: true };
      }),
      'release-nodes': async () => undefined,
      'rollback-stop-node': on((now) => void (now.running = now.running && now.root === 'old')),
      'rollback-node-stopped': on(() => undefined),
      'rollback-detach-new-root': on((now) => void (now.root = now.root === 'new' ? undefined : now.root)),
      'rollback-new-root-detached': on(() => undefined),
      'rollback-attach-old-root': on((now) => {
        if (now.root === undefined) Object.assign(now, { root: 'old', deleteOnTermination: false });
      }),
      'rollback-old-root-attached': on(() => undefined),
      'rollback-delete-on-termination': on((now, n) => void (now.deleteOnTermination = n.deleteOnTermination)),
      'rollback-start-node': on((now, n) => (now.root === 'old' ? void (now.running = true) : this.refuse(`${n.ip} not on its old root`))),
      'rollback-controller-up': on(() => undefined),
      'rollback-rejoin': on(() => undefined),
      'rollback-cluster-ready': run(allUp),
    };
    return Object.fromEntries(Object.entries(table).map(([id, step]) => [id, this.recorded(id, step)])) as typeof table;
  }

  private recorded(id: string, step: StepRun<ControllerData>): StepRun<ControllerData> {
    return async (scope: Scope<ControllerData, unknown>, signal) => {
      this.calls.push({ step: id, item: scope.key });
      const f = this.failing.find((x) => x.step === id && x.item === scope.key && x.times > 0);
      if (f) {
        f.times -= 1;
        throw Object.assign(new Error(`${id} broke on ${scope.key || 'the run'}`), { code: 'Boom' });
      }
      return step(scope, signal);
    };
  }
}
