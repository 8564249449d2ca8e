// Two migrations of one cluster at once, however addressed and from wherever, make exactly one
// set of encrypted volumes: the loser exits 4 naming the run that holds the cluster.

import { afterEach, describe, expect, it } from '@jest/globals';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { join } from 'node:path';
import { ec2For, spawnCli, startTestLab, waitForExit, type CliResult, type TestLab } from './lab-harness.js';

const TIMEOUT = 180_000;
let lab: TestLab | undefined;
afterEach(async () => lab?.stop(), TIMEOUT);

const count = (l: TestLab, op: string) => l.requests.list().filter((r) => r.operation === op && r.status === 200).length;
const migrate = (stateDir: string) => ['migrate', '--strategy', 'controller-swap', '--yes', '--state-dir', stateDir];

/** Starts both at the same moment; returns [winner, loser] (exit 0 and exit 4). */
async function race(l: TestLab, a: { controller: string; stateDir: string }, b: { controller: string; stateDir: string }): Promise<[CliResult, CliResult]> {
  const children = [a, b].map((x) => spawnCli(migrate(x.stateDir), { ...l.cliEnv, AVI_CONTROLLER: x.controller }));
  const results = await Promise.all(children.map((c) => waitForExit(c, TIMEOUT - 10_000)));
  const codes = results.map((r) => r.code).sort();
  expect({ codes, out: results.map((r) => r.stdout + r.stderr) }).toEqual({ codes: [0, 4], out: expect.anything() });
  return results[0]!.code === 0 ? [results[0]!, results[1]!] : [results[1]!, results[0]!];
}

const runIdOf = (r: CliResult) => /starting run (\S+)/.exec(r.stdout)?.[1];

async function expectOneSetAndNoMarkers(l: TestLab): Promise<void> {
  expect(count(l, 'CreateVolume')).toBe(3);
  expect(count(l, 'StopInstances')).toBe(3);
  const out = await ec2For(l).send(new DescribeInstancesCommand({ InstanceIds: l.seed.nodes.map((n) => n.instanceId) }));
  const keys = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).flatMap((i) => (i.Tags ?? []).map((t) => t.Key));
  expect(keys.filter((k) => k?.startsWith('avi-encrypt:in-flight:'))).toEqual([]);
}

describe('one run per cluster', () => {
  it('same state dir, 127.0.0.1 and localhost: the lock is the cluster, the loser is refused naming the winner', async () => {
    lab = await startTestLab(3);
    const url = lab.env['AVI_CONTROLLER']!;
    const [winner, loser] = await race(lab,
      { controller: url, stateDir: lab.stateDir },
      { controller: url.replace('127.0.0.1', 'localhost'), stateDir: lab.stateDir });
    const id = runIdOf(winner)!;
    expect(id).toBeDefined();
    expect(loser.stderr.trim()).toMatch(new RegExp(`^avi-encrypt: another avi-encrypt run holds the lock for avi-cluster:cluster-[0-9a-f-]+@aws:\\d{12}:eu-west-1: run ${id}, pid \\d+`));
    await expectOneSetAndNoMarkers(lab);
  }, TIMEOUT);

  it('two state dirs (two hosts, in effect): the in-flight marker on the instances refuses the second run', async () => {
    lab = await startTestLab(3);
    const url = lab.env['AVI_CONTROLLER']!;
    const [winner, loser] = await race(lab,
      { controller: url, stateDir: join(lab.dir, 'state-a') },
      { controller: url.replace('127.0.0.1', 'localhost'), stateDir: join(lab.dir, 'state-b') });
    const id = runIdOf(winner)!;
    expect(loser.stdout).toMatch(new RegExp(`refused before any change: run ${id} is unfinished on this cluster \\(marker avi-encrypt:in-flight:${id} on .*\\); finish it with avi-encrypt resume ${id}`));
    await expectOneSetAndNoMarkers(lab);
  }, TIMEOUT);
});
