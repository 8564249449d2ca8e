// Test fixtures for the simulated Controller: a World built by hand (Maps + EventEmitter) with
// 1 or 3 running Controller instances, an HTTPS server for the sim, and a tiny cookie-keeping
// client over node:https that trusts the lab CA.

import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { request, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClock } from '../../src/lab/clock.js';
import { createSelfSignedCertificate, type LabCertificate } from '../../src/lab/tls.js';
import { Timeline } from '../../src/lab/timeline.js';
import { createControllerSim, type ControllerSim } from '../../src/lab/avi/controller.js';
import type { DiskContent, InstanceRecord, LabRequest, VolumeRecord, World, WorldEvents } from '../../src/lab/world/types.js';

let cert: LabCertificate | undefined;
export function labCert(): LabCertificate {
  cert ??= createSelfSignedCertificate(mkdtempSync(join(tmpdir(), 'avi-sim-')));
  return cert;
}

export interface HandWorld extends World {
  setState(instanceId: string, state: InstanceRecord['state']): void;
  swapRoot(instanceId: string, content: DiskContent): VolumeRecord;
  /** A new instance at `ip` booting a root with `content`, as RunInstances leaves it (pending, then running). */
  launch(ip: string, content: DiskContent, imageId?: string): InstanceRecord;
}

export function handWorld(ips: string[], scale = 0.001): HandWorld {
  const events = new EventEmitter<WorldEvents>();
  const instances = new Map<string, InstanceRecord>();
  const volumes = new Map<string, VolumeRecord>();
  let n = 0;
  const volume = (content: DiskContent, encrypted: boolean, instanceId: string): VolumeRecord => {
    const v: VolumeRecord = {
      volumeId: `vol-${(++n).toString(16).padStart(17, '0')}`, state: 'in-use', availabilityZone: 'eu-west-1a', size: 128, volumeType: 'gp3',
      encrypted, content, createTime: new Date().toISOString(), tags: {},
      attachment: { instanceId, device: '/dev/sda1', state: 'attached', deleteOnTermination: true, attachTime: new Date().toISOString() },
    };
    volumes.set(v.volumeId, v);
    return v;
  };
  const add = (instanceId: string, ip: string, content: DiskContent, state: InstanceRecord['state'], imageId = 'ami-0controller'): InstanceRecord => {
    const root = volume(content, content === 'fresh', instanceId);
    const inst: InstanceRecord = {
      instanceId, imageId, instanceType: 'm5.2xlarge', state, vpcId: 'vpc-0lab', subnetId: 'subnet-0lab',
      availabilityZone: 'eu-west-1a', privateIp: ip, rootDeviceName: '/dev/sda1', devices: { '/dev/sda1': root.volumeId },
      launchTime: new Date().toISOString(), tags: {},
    };
    instances.set(instanceId, inst);
    return inst;
  };
  ips.forEach((ip, i) => add(`i-0000000000000000${i}`, ip, 'configured', 'running'));
  const world: HandWorld = {
    region: 'eu-west-1', accountId: '123456789012', clock: createClock(scale), events,
    vpcs: new Map([['vpc-0lab', { vpcId: 'vpc-0lab', cidr: '10.0.0.0/16' }]]), subnets: new Map(), images: new Map(), snapshots: new Map(),
    volumes, instances, keys: new Map(), aliases: new Map(),
    rootVolume: (id) => {
      const inst = instances.get(id);
      const vid = inst?.devices[inst.rootDeviceName];
      return vid ? volumes.get(vid) : undefined;
    },
    instanceByPrivateIp: (ip) => [...instances.values()].find((i) => i.privateIp === ip),
    setState(id, state) {
      const inst = instances.get(id)!;
      const from = inst.state;
      inst.state = state;
      events.emit('instance', inst, from);
    },
    launch(ip, content, imageId) {
      const inst = add(`i-1${(++n).toString(16).padStart(16, '0')}`, ip, content, 'pending', imageId);
      events.emit('instance', inst, 'pending');
      world.setState(inst.instanceId, 'running');
      return inst;
    },
    swapRoot(id, content) {
      const inst = instances.get(id)!;
      const v = volume(content, true, id);
      inst.devices[inst.rootDeviceName] = v.volumeId;
      return v;
    },
  };
  return world;
}

export interface SimFixture {
  world: HandWorld;
  sim: ControllerSim;
  timeline: Timeline;
  requests: LabRequest[];
  url: string;
  password: string;
  nodePassword: string;
  close(): Promise<void>;
}

export async function startSim(ips: string[], scale = 0.001): Promise<SimFixture> {
  const world = handWorld(ips, scale);
  const timeline = new Timeline();
  const requests: LabRequest[] = [];
  const log = { record: (r: Omit<LabRequest, 'seq' | 'at'>) => void requests.push({ ...r, seq: requests.length + 1, at: new Date().toISOString() }) };
  const password = 'lab-secret-1';
  const nodePassword = 'lab-node-initial-1';
  const sim = createControllerSim(world, { nodes: ips, username: 'admin', password, nodePassword, version: '22.1.3', timeline, log });
  const { key, cert } = labCert();
  const server: Server = createServer({ key, cert }, sim.handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    world, sim, timeline, requests, url, password, nodePassword,
    close: async () => {
      sim.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface Reply { status: number; headers: Record<string, string | string[] | undefined>; text: string; json: any }

/** One HTTPS call; rejects on connection errors (an unreachable Controller). */
export function call(base: string, method: string, path: string, opts: { body?: unknown; form?: boolean; headers?: Record<string, string> } = {}): Promise<Reply> {
  const body = opts.body === undefined ? undefined : opts.form ? new URLSearchParams(opts.body as Record<string, string>).toString() : JSON.stringify(opts.body);
  const headers: Record<string, string> = { ...opts.headers };
  if (body !== undefined) headers['content-type'] = opts.form ? 'application/x-www-form-urlencoded' : 'application/json';
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers, ca: labCert().cert, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c) => (text += c)).on('end', () => {
        let json: unknown;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A logged-in client that sends cookies, X-CSRFToken, Referer and X-Avi-Version like the SDKs. */
export class Client {
  cookies = new Map<string, string>();
  constructor(readonly base: string, readonly password: string) {}

  async login(): Promise<Reply> {
    const r = await call(this.base, 'POST', '/login', { body: { username: 'admin', password: this.password } });
    for (const c of [r.headers['set-cookie'] ?? []].flat()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return r;
  }

  async api(method: string, path: string, body?: unknown): Promise<Reply> {
    const headers: Record<string, string> = {
      cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      'x-avi-version': '22.1.3', 'x-avi-tenant': 'admin', referer: this.base,
    };
    if (method !== 'GET') headers['x-csrftoken'] = this.cookies.get('csrftoken') ?? '';
    return call(this.base, method, path, { body, headers });
  }
}

/** Polls fn until it returns a truthy value or the deadline passes. */
export async function until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The cluster state read without a session; undefined while the API is down. */
export async function clusterState(base: string): Promise<string | undefined> {
  const r = await call(base, 'GET', '/api/cluster/status').catch(() => undefined);
  return r?.status === 200 ? r.json.cluster_state.state : undefined;
}
