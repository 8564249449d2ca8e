// The in-flight marker that keeps two runs (any host, any state dir) off one cluster: a run goes
// on only if, after marking, it sees no other marker; contention is retried, never both winning.

import { describe, expect, it } from '@jest/globals';
import { TAG, type AwsGateway, type InstanceInfo, type Tags, type VolumeInfo } from '../../src/aws/types.js';
import { claimNodes, markerKey, releaseNodes } from '../../src/steps/controller/claim.js';
import type { RunScope } from '../../src/steps/controller/context.js';
import type { StepDeps } from '../../src/steps/deps.js';

/** EC2 as far as tags go: every call yields to the event loop, so concurrent claims interleave. */
function fakeEc2(volumes: VolumeInfo[] = []) {
  const tags = new Map<string, Tags>([['i-1', {}], ['i-2', {}], ['i-3', {}]]);
  const tick = () => new Promise((r) => setImmediate(r));
  const aws = {
    async describeInstance(id: string): Promise<InstanceInfo> {
      await tick();
      return { instanceId: id, state: 'running', availabilityZone: 'a', rootDeviceName: '/dev/xvda', blockDevices: [], tags: { ...tags.get(id)! } };
    },
    async tagResources(ids: string[], t: Tags) {
      await tick();
      for (const id of ids) Object.assign(tags.get(id)!, t);
    },
    async untagResources(ids: string[], keys: string[]) {
      await tick();
      for (const id of ids) for (const k of keys) delete tags.get(id)![k];
    },
    async findVolumesByTags(want: Tags) {
      await tick();
      return volumes.filter((v) => Object.entries(want).every(([k, val]) => v.tags[k] === val));
    },
  };
  return { tags, aws: aws as unknown as AwsGateway };
}

// Claiming touches EC2 only: the Controller-side gateways are absent, so any use of them fails the test.
const deps = (aws: AwsGateway): Pick<StepDeps, 'reads' | 'writes' | 'sleep'> => ({
  reads: { ec2: aws, kms: aws, cluster: {} as StepDeps['reads']['cluster'], cloud: {} as StepDeps['reads']['cloud'], engines: {} as StepDeps['reads']['engines'], shell: {} as StepDeps['reads']['shell'], access: {} as StepDeps['reads']['access'] },
  writes: { ec2: aws, cluster: {} as StepDeps['writes']['cluster'], cloud: {} as StepDeps['writes']['cloud'], engines: {} as StepDeps['writes']['engines'], shell: {} as StepDeps['writes']['shell'] },
  sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20) * Math.random())),
});

/** The run-level scope claim-nodes and release-nodes see, for a run id. */
const scope = (runId: string): RunScope => {
  const data = {
    controller: 'https://c', kmsKey: 'k',
    nodes: ['1', '2', '3'].map((n) => ({
      ip: `10.0.0.${n}`, role: 'follower' as const, instanceId: `i-${n}`, availabilityZone: 'a', rootDevice: '/dev/xvda',
      oldVolumeId: `vol-${n}`, deleteOnTermination: true, volumeType: 'gp3', size: 8,
    })),
  };
  return { runId, data, item: data, key: '', parents: [], deadline: Date.now() + 60_000, report: () => undefined };
};

const signal = new AbortController().signal;
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: Error) => e);

describe('claim-nodes / release-nodes', () => {
  it('a run alone marks every node instance with its own key, and removes it at the end', async () => {
    const ec2 = fakeEc2();
    await claimNodes(deps(ec2.aws)).run(scope('run-a'), signal);
    for (const t of ec2.tags.values()) expect(t).toEqual({ [markerKey('run-a')]: 'in-flight' });
    await releaseNodes(deps(ec2.aws)).run(scope('run-a'), signal);
    for (const t of ec2.tags.values()) expect(t).toEqual({});
  });

  it("another run's marker refuses the claim, naming that run and how to resume it; nothing is written", async () => {
    const ec2 = fakeEc2();
    ec2.tags.get('i-2')![markerKey('run-other')] = 'in-flight';
    const err = await failure(claimNodes(deps(ec2.aws)).run(scope('run-a'), signal));
    expect(err?.name).toBe('ClaimConflictError');
    expect(err?.message).toMatch(/^run run-other is unfinished on this cluster .* avi-encrypt resume run-other/);
    expect([...ec2.tags.values()].flatMap((t) => Object.keys(t))).toEqual([markerKey('run-other')]);
  });

  it("another run's unattached encrypted root for one of our nodes refuses the claim", async () => {
    const leftover: VolumeInfo = {
      volumeId: 'vol-left', state: 'available', availabilityZone: 'a', encrypted: true, size: 8, volumeType: 'gp3', attachments: [],
      tags: { [TAG.runId]: 'run-old', [TAG.role]: 'encrypted-root', [TAG.node]: '10.0.0.3' },
    };
    const ec2 = fakeEc2([leftover]);
    const err = await failure(claimNodes(deps(ec2.aws)).run(scope('run-a'), signal));
    expect(err?.message).toMatch(/run run-old left encrypted root volumes vol-left unattached/);
    // Our own volumes (a resumed run) and attached ones do not count.
    const mine = fakeEc2([{ ...leftover, tags: { ...leftover.tags, [TAG.runId]: 'run-a' } }]);
    await claimNodes(deps(mine.aws)).run(scope('run-a'), signal);
  });

  it('a resumed run finds its own marker and claims again', async () => {
    const ec2 = fakeEc2();
    for (const t of ec2.tags.values()) t[markerKey('run-a')] = 'in-flight';
    await claimNodes(deps(ec2.aws)).run(scope('run-a'), signal);
    expect(Object.keys(ec2.tags.get('i-1')!)).toEqual([markerKey('run-a')]);
  });

  it('two runs claiming at the same moment: exactly one goes on, the other is refused naming it (50 races)', async () => {
    for (let race = 0; race < 50; race++) {
      const ec2 = fakeEc2();
      const results = await Promise.all(['run-a', 'run-b'].map((id) => failure(claimNodes(deps(ec2.aws)).run(scope(id), signal))));
      const winners = ['run-a', 'run-b'].filter((_, i) => results[i] === undefined);
      expect(winners).toHaveLength(1);
      const loser = results.find((r) => r !== undefined)!;
      expect(loser.name).toBe('ClaimConflictError');
      expect(loser.message).toContain(`run ${winners[0]} is unfinished`);
      for (const t of ec2.tags.values()) expect(t).toEqual({ [markerKey(winners[0]!)]: 'in-flight' });
    }
  });

  it('runs whose pauses end at the same moment (a busy machine fires timers together): still exactly one goes on', async () => {
    for (let race = 0; race < 20; race++) {
      const ec2 = fakeEc2();
      const lockstep = { ...deps(ec2.aws), sleep: () => new Promise<void>((r) => setImmediate(r)) };
      const results = await Promise.all(['run-b', 'run-a'].map((id) => failure(claimNodes(lockstep).run(scope(id), signal))));
      expect(results.map((r) => r?.name)).toEqual(['ClaimConflictError', undefined]);
      for (const t of ec2.tags.values()) expect(t).toEqual({ [markerKey('run-a')]: 'in-flight' });
    }
  });
});
