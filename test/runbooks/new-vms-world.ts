// An in-memory world for running the controller-new-vms definition through the real machine and
// engine loop with fake step runs: the cluster's listing and leader, every VM's state, and the
// documented rules a real Controller and EC2 keep (the leader cannot be removed, a new node must
// run to join, READY needs three listed nodes all running, old VMs go only after every node is in).
// A step that breaks a rule is refused, so an order bug in the runbook fails the test.

import type { StepRun } from '../../src/engine/run.js';
import type { Scope } from '../../src/steps/effect.js';
import type { NewVmNode, NewVmsData } from '../../src/steps/new-vms/context.js';
import type { NewVmStepId } from '../../src/steps/new-vms/index.js';

export const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/k';

export function oldNode(ip: string, role: NewVmNode['role']): NewVmNode {
  return {
    ip, role, instanceId: `i-${ip}`, subnetId: 'subnet-1', availabilityZone: 'us-east-1a', instanceType: 'm5.2xlarge', securityGroupIds: ['sg-1'],
    userTags: {}, rootVolumeId: `vol-${ip}`, deleteOnTermination: true, volumeType: 'gp3', size: 128, elasticIps: [{ allocationId: `eip-${ip}`, publicIp: `203.0.113.${ip.split('.').pop()}` }],
  };
}

export interface Call { step: string; item: string; at: 'start' | 'end' }

export class NewVmsWorld {
  listed: string[];
  leader: string;
  /** VM id -> state; old VMs are i-<ip>, new ones i-new-<ip>-<n>. */
  readonly vms = new Map<string, string>();
  readonly ipOf = new Map<string, string>();
  readonly eips = new Map<string, string>();
  readonly calls: Call[] = [];
  private launched = 0;
  private readonly failing: Array<{ step: string; item: string; times: number }> = [];

  constructor(readonly discovered: NewVmNode[]) {
    this.listed = discovered.map((n) => n.ip);
    this.leader = discovered.find((n) => n.role === 'leader')!.ip;
    for (const n of discovered) {
      this.vms.set(n.instanceId, 'running');
      this.ipOf.set(n.instanceId, n.ip);
      for (const e of n.elasticIps) this.eips.set(e.allocationId, n.instanceId);
    }
  }

  failAt(step: NewVmStepId, item: string, times = Infinity): this {
    this.failing.push({ step, item, times });
    return this;
  }

  heal(): void {
    this.failing.length = 0;
  }

  stepsOf(item: string): string[] {
    return this.calls.filter((c) => c.item === item && c.at === 'start').map((c) => c.step);
  }

  private refuse(why: string): never {
    throw Object.assign(new Error(`world refused: ${why}`), { code: 'WorldRefused' });
  }

  private running(ip: string): boolean {
    return [...this.ipOf.entries()].some(([id, at]) => at === ip && this.vms.get(id) === 'running');
  }

  private liveNew(ip: string): string | undefined {
    return [...this.vms.entries()].find(([id, s]) => id.startsWith(`i-new-${ip}-`) && s === 'running')?.[0];
  }

  steps(): Record<NewVmStepId, StepRun<NewVmsData>> {
    type Fn = (n: NewVmNode, data: NewVmsData) => object | void;
    const run = (fn: Fn): StepRun<NewVmsData> => async (s) => fn(s.item as NewVmNode, s.data);
    const launch: Fn = (n) => {
      let id = this.liveNew(n.ip);
      if (!id) {
        id = `i-new-${n.ip}-${++this.launched}`;
        this.vms.set(id, 'running');
        this.ipOf.set(id, `10.9.${this.launched}.${n.ip.split('.').pop()}`);
      }
      return { newInstanceId: id, newIp: this.ipOf.get(id) };
    };
    const allIn = (data: NewVmsData) => data.nodes.every((n) => n.newIp && this.listed.includes(n.newIp)) || this.refuse('old VMs touched before every node is in');
    const ready = (present: string, absent: string) => {
      if (this.listed.length !== 3 || !this.listed.includes(present) || this.listed.includes(absent)) this.refuse(`READY with ${this.listed.join(',')}`);
      for (const ip of this.listed) if (!this.running(ip)) this.refuse(`READY with ${ip} down`);
    };
    const swap = (out: string, into: string) => {
      if (out === this.leader) this.refuse(`removing the leader ${out}`);
      if (!this.running(into)) this.refuse(`${into} is not running`);
      this.listed = this.listed.map((ip) => (ip === out ? into : ip));
    };
    const table: Record<NewVmStepId, StepRun<NewVmsData>> = {
      'check-key': async () => ({ keyArn: KEY_ARN }),
      'discover-nodes': async () => ({ nodes: this.discovered.map((n) => structuredClone(n)), clusterUuid: 'cluster-1', launchImageId: 'ami-nodes' }),
      'check-launch': async () => ({ launchRootDevice: '/dev/xvda' }),
      'claim-nodes': async () => undefined,
      'launch-replacement': run(launch),
      'replacement-running': run(launch),
      'stop-if-leader': run((n) => {
        if (this.leader !== n.ip) return;
        this.vms.set(n.instanceId, 'stopped');
        this.leader = this.listed.find((ip) => ip !== n.ip && this.running(ip)) ?? this.refuse('no follower to take over');
      }),
      'leader-handed-over': run((n) => void (this.leader === n.ip && this.refuse(`${n.ip} still leads`))),
      'swap-membership': run((n) => (this.listed.includes(n.newIp!) ? undefined : swap(n.ip, n.newIp!), { joined: true })),
      'members-ready': run((n) => ready(n.newIp!, n.ip)),
      'rollback-start-old': run((n) => void this.vms.set(n.instanceId, 'running')),
      'rollback-membership': run((n) => (this.listed.includes(n.ip) ? undefined : swap(n.newIp!, n.ip), { joined: false })),
      'rollback-members-ready': run((n) => ready(n.ip, n.newIp ?? '-')),
      'rollback-terminate-new': run((n) => void (n.newInstanceId && this.vms.set(n.newInstanceId, 'terminated'))),
      'move-addresses': run((n, data) => (allIn(data), n.elasticIps.forEach((e) => this.eips.set(e.allocationId, n.newInstanceId!)))),
      'retire-old': run((n, data) => (allIn(data), void this.vms.set(n.instanceId, data.terminateOld ? 'terminated' : 'stopped'))),
      'old-retired': run(() => undefined),
      verify: run((_n, data) => {
        if ([...this.listed].sort().join() !== data.nodes.map((n) => n.newIp).sort().join()) this.refuse(`cluster ${this.listed.join(',')}`);
        return { verified: true };
      }),
      'release-nodes': async () => undefined,
    };
    return Object.fromEntries(Object.entries(table).map(([id, step]) => [id, this.recorded(id, step)])) as typeof table;
  }

  private recorded(id: string, step: StepRun<NewVmsData>): StepRun<NewVmsData> {
    return async (scope: Scope<NewVmsData, unknown>, signal) => {
      this.calls.push({ step: id, item: scope.key, at: 'start' });
      // A real step takes time: concurrent lanes interleave here.
      await new Promise((r) => setTimeout(r, 1));
      const f = this.failing.find((x) => x.step === id && x.item === scope.key && x.times > 0);
      if (f) {
        f.times -= 1;
        throw Object.assign(new Error(`${id} broke on ${scope.key || 'the run'}`), { code: 'Boom' });
      }
      const out = await step(scope, signal);
      this.calls.push({ step: id, item: scope.key, at: 'end' });
      return out;
    };
  }
}
