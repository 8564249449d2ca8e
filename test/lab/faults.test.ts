// Faults on demand through the lab's control endpoint: throttling answers as EC2 does, a start
// falls back to stopped, a key is disabled and enabled by alias; each shows in the timeline, and
// a request the lab cannot do is refused with one line.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand, EC2Client, StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { createAviClient } from '../../src/avi/client.js';
import { startLab, type RunningLab } from '../../src/lab/server.js';
import { labEc2 } from './aws-harness.js';

let lab: RunningLab;
let dir: string;
let ec2: EC2Client;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'avi-faults-'));
  lab = await startLab({ nodes: 3, timeScale: 0.01, dir, fleet: false });
  ec2 = labEc2(lab);
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
    expect((await fault('POST', { kind: 'kms-delete', key: 'alias/aws/ebs' })).body).toEqual({ error: expect.stringContaining('is an AWS managed key') });
    expect((await fault('POST', { kind: 'meteor' })).body).toEqual({ error: expect.stringMatching(/^unknown fault "meteor": one of throttle, /) });
    expect(await fault('POST', { kind: 'throttle', rate: 2 })).toEqual({ status: 400, body: { error: expect.stringContaining('--rate must be > 0 and <= 1') } });
  });
});

describe('kms-delete', () => {
  it('schedules the key for deletion and ends its waiting period: the key and its alias are gone', async () => {
    const key = lab.world.createKey();
    lab.world.createAlias('alias/rehearse-delete', key.keyId);
    expect((await fault('POST', { kind: 'kms-delete', key: 'alias/rehearse-delete' })).status).toBe(200);
    expect(lab.world.findKey(key.arn)).toBeUndefined();
    expect(lab.world.findKey('alias/rehearse-delete')).toBeUndefined();
    expect(lab.timeline.list().filter((e) => e.subject === 'fault:kms-delete').map((e) => e.state)).toEqual([key.arn]);
  });
});

describe('lab faults on the Controller', () => {
  /** GET over TLS trusting the lab's CA: the status, or 'dropped' when no node answers. */
  const api = (path = '/api/initial-data') =>
    new Promise<number | 'dropped'>((ok) => {
      const req = httpsRequest(`${lab.profile.controller}${path}`, { ca: readFileSync(lab.profile.caBundle), agent: false }, (res) => {
        res.resume();
        ok(res.statusCode ?? 0);
      });
      req.on('error', () => ok('dropped'));
      req.end();
    });

  it('avi-503 and api-down last their (scaled) time, show in the timeline, and end by themselves', async () => {
    {
      expect(await api()).toBe(200);
      expect((await fault('POST', { kind: 'avi-503', forMs: 20_000 })).status).toBe(200); // 200 ms at time scale 0.01
      expect(await api()).toBe(503);
      expect(lab.timeline.current('api')).toBe('503');
      await new Promise((r) => setTimeout(r, 260));
      expect(await api()).toBe(200);
      await fault('POST', { kind: 'api-down', forMs: 20_000 });
      expect(await api()).toBe('dropped');
      expect(lab.timeline.current('api')).toBe('unreachable');
      await new Promise((r) => setTimeout(r, 260));
      expect(await api()).toBe(200);
      expect(lab.timeline.current('api')).toBe('up');
      expect(lab.timeline.list().filter((e) => e.subject === 'fault:avi-503' || e.subject === 'fault:api-down').map((e) => `${e.subject} ${e.state}`))
        .toEqual(['fault:avi-503 active', 'fault:avi-503 ended', 'fault:api-down active', 'fault:api-down ended']);
    }
  });

  it('avi-session-expire ends every session: the next call gets 401 and logs in again', async () => {
    const avi = createAviClient({
      controller: lab.profile.controller, username: 'admin', password: lab.env['AVI_PASSWORD']!, tenant: 'admin', caBundle: lab.profile.caBundle,
    });
    const logins = () => lab.requests.list().filter((q) => q.operation === 'POST /login').length;
    await avi.getCluster();
    const before = logins();
    await fault('POST', { kind: 'avi-session-expire' });
    await avi.getCluster();
    expect(logins()).toBe(before + 1);
    expect(lab.requests.list().filter((q) => q.operation === 'GET /api/cluster').map((q) => q.status).slice(-2)).toEqual([401, 200]);
  });

  it('no-converge holds a restarted node out of the cluster until cleared', async () => {
    const node = lab.seed.nodes[2]!;
    await fault('POST', { kind: 'no-converge', node: node.ip });
    await ec2.send(new StopInstancesCommand({ InstanceIds: [node.instanceId] }));
    const state = async () => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [node.instanceId] }))).Reservations![0]!.Instances![0]!.State?.Name;
    while ((await state()) !== 'stopped') await new Promise((r) => setTimeout(r, 20));
    await ec2.send(new StartInstancesCommand({ InstanceIds: [node.instanceId] }));
    // Boot (150 s) and convergence (300 s) at time scale 0.01: well past 6 s of waiting, it still has not converged.
    await new Promise((r) => setTimeout(r, 6000));
    expect(lab.timeline.current(node.ip)).toBe('CLUSTER_STARTING');
    await fault('DELETE');
    const deadline = Date.now() + 10_000;
    while (lab.timeline.current(node.ip) !== 'CLUSTER_ACTIVE' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(lab.timeline.current(node.ip)).toBe('CLUSTER_ACTIVE');
  }, 30_000);
});
