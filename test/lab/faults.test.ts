// Faults on demand through the lab's control endpoint: throttling answers as EC2 does, a start
// falls back to stopped, a key is disabled and enabled by alias; each shows in the timeline, and
// a request the lab cannot do is refused with one line.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand, EC2Client, StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { startLab, type RunningLab } from '../../src/lab/server.js';

let lab: RunningLab;
let dir: string;
let ec2: EC2Client;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'avi-faults-'));
  lab = await startLab({ nodes: 3, timeScale: 0.01, dir, fleet: false });
  ec2 = new EC2Client({
    region: lab.profile.region, endpoint: lab.profile.awsEndpoint, maxAttempts: 1,
    credentials: { accessKeyId: lab.env['AWS_ACCESS_KEY_ID']!, secretAccessKey: lab.env['AWS_SECRET_ACCESS_KEY']! },
  });
});
afterAll(async () => {
  ec2.destroy();
  await lab.stop();
  rmSync(dir, { recursive: true, force: true });
});

const fault = async (method: 'POST' | 'DELETE' | 'GET', body?: unknown) => {
  const res = await fetch(`${lab.profile.labUrl}/_lab/faults`, { method, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: (await res.json()) as unknown };
};
const attempt = () => ec2.send(new DescribeInstancesCommand({})).then(() => 'ok', (e: Error) => e.name);

describe('lab faults', () => {
  it('throttle refuses about that share of EC2 calls with RequestLimitExceeded; clear ends it', async () => {
    expect((await fault('POST', { kind: 'throttle', rate: 0.5 })).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 200 }, attempt));
    const refused = answers.filter((a) => a === 'RequestLimitExceeded').length;
    expect(answers.filter((a) => a !== 'ok' && a !== 'RequestLimitExceeded')).toEqual([]);
    expect(refused).toBeGreaterThan(60);
    expect(refused).toBeLessThan(140);
    expect((await fault('GET')).body).toEqual([expect.objectContaining({ kind: 'throttle' })]);
    expect(lab.timeline.list().filter((e) => e.subject === 'fault:throttle').map((e) => e.state)).toEqual(['active']);
    await fault('DELETE');
    expect((await Promise.all(Array.from({ length: 50 }, attempt))).every((a) => a === 'ok')).toBe(true);
    expect(lab.timeline.list().filter((e) => e.subject === 'fault:throttle').map((e) => e.state)).toEqual(['active', 'cleared']);
  });

  it('start-fails: the instance goes pending, then back to stopped with Client.InternalError', async () => {
    const id = lab.seed.nodes[1]!.instanceId;
    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    const state = async () => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!;
    while ((await state()).State?.Name !== 'stopped') await new Promise((r) => setTimeout(r, 20));
    expect((await fault('POST', { kind: 'start-fails', instance: id })).status).toBe(200);
    await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    expect((await state()).State?.Name).toBe('pending');
    let now = await state();
    while (now.State?.Name === 'pending') now = (await new Promise((r) => setTimeout(r, 20)), await state());
    expect({ state: now.State?.Name, reason: now.StateReason?.Code }).toEqual({ state: 'stopped', reason: 'Client.InternalError' });
    await fault('DELETE');
  });

  it('kms-disable and kms-enable take an alias; an unknown key, a missing option or kind is a 400 with one line', async () => {
    expect((await fault('POST', { kind: 'kms-disable', key: lab.seed.customerKeyAlias })).status).toBe(200);
    expect(lab.world.findKey(lab.seed.customerKeyArn)?.state).toBe('Disabled');
    await fault('POST', { kind: 'kms-enable', key: lab.seed.customerKeyAlias });
    expect(lab.world.findKey(lab.seed.customerKeyArn)?.state).toBe('Enabled');
    expect(await fault('POST', { kind: 'kms-disable', key: 'alias/nope' })).toEqual({ status: 400, body: { error: 'no KMS key alias/nope in the lab: see profile.json for the seeded keys' } });
    expect(await fault('POST', { kind: 'start-fails' })).toEqual({ status: 400, body: { error: 'start-fails needs --instance i-…' } });
    expect((await fault('POST', { kind: 'meteor' })).body).toEqual({ error: expect.stringMatching(/^unknown fault "meteor": one of throttle, /) });
    expect(await fault('POST', { kind: 'throttle', rate: 2 })).toEqual({ status: 400, body: { error: expect.stringContaining('--rate must be > 0 and <= 1') } });
  });
});
