// The lab in-process (startLab) with the real EC2 world: the files it writes, the /_lab
// endpoints, and the documented swap of a follower's root volume driven through the world.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { get, request } from 'node:https';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type RunningLab } from '../../src/lab/server.js';
import { launchInstance } from '../../src/lab/world/launch.js';
import { until } from './avi-helpers.js';
import { connect, exec } from './ssh-helpers.js';

function labJson(url: string): Promise<any> {
  return new Promise((ok, fail) => httpGet(url, (res) => {
    let t = '';
    res.on('data', (c) => (t += c)).on('end', () => ok(JSON.parse(t)));
  }).on('error', fail));
}

describe('startLab: a 3-node lab with the real EC2 world', () => {
  let lab: RunningLab;
  let dir: string;
  let ca: string;
  const cookies = new Map<string, string>();

  function avi(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const headers: Record<string, string> = { cookie, referer: lab.env.AVI_CONTROLLER!, 'content-type': 'application/json', 'x-csrftoken': cookies.get('csrftoken') ?? '' };
    return new Promise((ok, fail) => {
      const req = request(new URL(path, lab.env.AVI_CONTROLLER), { method, headers, ca, agent: false }, (res) => {
        let t = '';
        for (const c of res.headers['set-cookie'] ?? []) cookies.set(c.split('=')[0]!, c.split(';')[0]!.split('=')[1]!);
        res.on('data', (c) => (t += c)).on('end', () => ok({ status: res.statusCode ?? 0, json: t ? JSON.parse(t) : undefined }));
      });
      req.on('error', fail);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }
  const login = () => avi('POST', '/login', { username: lab.env.AVI_USERNAME, password: lab.env.AVI_PASSWORD });
  const state = async () => (await avi('GET', '/api/cluster/status').catch(() => undefined))?.json?.cluster_state?.state;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avi-lab-'));
    lab = await startLab({ nodes: 3, timeScale: 0.001, dir });
    ca = readFileSync(lab.env.AVI_ENCRYPT_CA_BUNDLE!, 'utf8');
  });
  afterAll(async () => lab.stop());

  it('writes profile.json without secrets and a 0600 env of quoted exports', () => {
    const profile = JSON.parse(readFileSync(join(dir, 'profile.json'), 'utf8'));
    expect(profile).toMatchObject({ controller: lab.env.AVI_CONTROLLER, awsEndpoint: lab.env.AWS_ENDPOINT_URL_EC2, timeScale: 0.001, pid: process.pid });
    expect(profile.nodes).toHaveLength(3);
    expect(JSON.stringify(profile)).not.toContain(lab.env.AVI_PASSWORD);
    expect(statSync(join(dir, 'env')).mode & 0o777).toBe(0o600);
    const env = readFileSync(join(dir, 'env'), 'utf8');
    expect(env).toContain(`export AVI_PASSWORD='${lab.env.AVI_PASSWORD}'\n`);
    expect(env).toContain(`export AVI_ENCRYPT_KMS_KEY='${lab.seed.customerKeyArn}'\n`);
    expect(lab.env.AWS_ENDPOINT_URL_KMS).toBe(lab.env.AWS_ENDPOINT_URL_EC2);
    // The real 1 s to 60 s between looks, scaled (not below 10 ms); the waits expect durations x the time scale.
    expect(lab.env.AVI_ENCRYPT_POLL_INTERVAL).toBe('10-60');
    expect(lab.env.AVI_ENCRYPT_DURATION_SCALE).toBe('0.001');
  });

  it('writes the node password and the SSH key, known_hosts and endpoint the tool connects with', async () => {
    expect(lab.env.AVI_NODE_PASSWORD).toBeTruthy();
    expect(lab.env.AVI_NODE_PASSWORD).not.toBe(lab.env.AVI_PASSWORD);
    expect(readFileSync(join(dir, 'env'), 'utf8')).toContain(`export AVI_NODE_PASSWORD='${lab.env.AVI_NODE_PASSWORD}'\n`);
    expect(lab.env.AVI_ENCRYPT_SSH_KEY).toBe(join(dir, 'ssh', 'id_ed25519'));
    expect(statSync(lab.env.AVI_ENCRYPT_SSH_KEY!).mode & 0o777).toBe(0o600);
    const port = Number(/^127\.0\.0\.1:(\d+)$/.exec(lab.env.AVI_ENCRYPT_SSH_ENDPOINT!)![1]);
    const [host, type, blob] = readFileSync(lab.env.AVI_ENCRYPT_KNOWN_HOSTS!, 'utf8').trim().split(' ');
    expect([host, type]).toEqual([`[127.0.0.1]:${port}`, 'ssh-ed25519']);
    const conn = await connect(port, readFileSync(lab.env.AVI_ENCRYPT_SSH_KEY!, 'utf8'), Buffer.from(blob!, 'base64'));
    expect((await exec(conn, '/opt/avi/scripts/restore_config.py --help')).stdout).toMatch(/^usage: restore_config\.py/);
    conn.end();
  });

  it('serves /_lab/seed and the Controller over TLS verified against the lab CA', async () => {
    expect(await labJson(`${lab.env.AVI_ENCRYPT_LAB_URL}/_lab/seed`)).toEqual(lab.seed);
    await expect(new Promise((ok, fail) => get(`${lab.env.AVI_CONTROLLER}/api/initial-data`, ok).on('error', fail))).rejects.toThrow(/self[- ]signed/);
    expect((await login()).status).toBe(200);
    expect(await state()).toBe('CLUSTER_UP_HA_ACTIVE');
  });

  it('a follower swapped onto a volume from the encrypted snapshot rejoins after the cluster is saved', async () => {
    const w = lab.world;
    const node = lab.seed.nodes[1]!;
    const inst = w.instance(node.instanceId);
    const oldRoot = w.rootVolume(node.instanceId)!;
    const vol = w.createVolume({ availabilityZone: node.az, snapshotId: lab.seed.encryptedSnapshotId, volumeType: 'gp3' });
    w.stopInstance(node.instanceId);
    await until(async () => (await state()) === 'CLUSTER_UP_HA_COMPROMISED', 'declared down after missed heartbeats');
    await until(() => inst.state === 'stopped' && vol.state === 'available', 'stopped and volume ready');
    w.detachVolume(oldRoot.volumeId);
    await until(() => oldRoot.state === 'available', 'detached');
    w.attachVolume(vol.volumeId, node.instanceId, inst.rootDeviceName);
    await until(() => vol.attachment?.state === 'attached', 'attached');
    w.startInstance(node.instanceId);
    await until(() => lab.timeline.list().some((e) => e.subject === node.ip && /factory-fresh/.test(e.detail ?? '')), 'fresh boot');
    expect(await state()).toBe('CLUSTER_UP_HA_COMPROMISED');
    const cluster = (await avi('GET', '/api/cluster')).json;
    const nodes = cluster.nodes.map((n: any) => (n.ip.addr === node.ip ? { ...n, password: lab.env.AVI_NODE_PASSWORD } : n));
    expect((await avi('PUT', '/api/cluster', { ...cluster, nodes })).status).toBe(200);
    await until(async () => (await state()) === 'CLUSTER_UP_HA_ACTIVE', 'HA_ACTIVE');
    expect(vol.content).toBe('configured');
    expect(vol.encrypted).toBe(true);
  });

  it('a Controller launched from the encrypted AMI at a new IP replaces a follower in one PUT, two nodes active throughout', async () => {
    const w = lab.world;
    const old = lab.seed.nodes[2]!;
    const subnetId = w.instance(old.instanceId).subnetId;
    const inst = launchInstance(w, { imageId: lab.seed.encryptedAmiId, instanceType: 'm5.2xlarge', subnetId });
    await until(() => lab.timeline.list().some((e) => e.subject === inst.privateIp && e.state === 'FACTORY_DEFAULT'), 'new Controller up');
    const since = lab.timeline.list().length;
    const cluster = (await avi('GET', '/api/cluster')).json;
    const nodes = [...cluster.nodes.filter((n: any) => n.ip.addr !== old.ip), { name: inst.privateIp, ip: { addr: inst.privateIp, type: 'V4' }, password: lab.env.AVI_NODE_PASSWORD }];
    expect((await avi('PUT', '/api/cluster', { ...cluster, nodes })).status).toBe(200);
    await until(async () => (await state()) === 'CLUSTER_UP_HA_ACTIVE', 'HA_ACTIVE on the new node');
    const during = lab.timeline.list().slice(since);
    expect(during.filter((e) => e.subject === 'active').every((e) => e.nodes!.length >= 2)).toBe(true);
    expect(during.filter((e) => e.subject === 'active').at(-1)!.nodes).toContain(inst.privateIp);
    expect(w.rootVolume(inst.instanceId)!.content).toBe('configured');
    expect(w.rootVolume(old.instanceId)!.content).toBe('fresh'); // the removed follower is re-imaged
    await login();
  });

  it('exposes the timeline and the request log over /_lab', async () => {
    const timeline = await labJson(`${lab.env.AVI_ENCRYPT_LAB_URL}/_lab/timeline`);
    expect(timeline.filter((e: any) => e.subject === 'cluster').map((e: any) => e.state))
      .toEqual(['CLUSTER_UP_HA_ACTIVE', 'CLUSTER_UP_HA_COMPROMISED', 'CLUSTER_UP_HA_NOT_READY', 'CLUSTER_UP_HA_ACTIVE', 'CLUSTER_UP_HA_NOT_READY', 'CLUSTER_UP_HA_ACTIVE']);
    const requests = await labJson(`${lab.env.AVI_ENCRYPT_LAB_URL}/_lab/requests`);
    expect(requests.filter((r: any) => r.service === 'avi' && r.mutating).map((r: any) => r.operation)).toEqual(['PUT /api/cluster', 'PUT /api/cluster']);
  });
});
