// One rehearsal lab in this process: the simulated AWS (EC2 + KMS, plus the lab-only /_lab
// endpoints) over HTTP and the simulated Controller over HTTPS, both on loopback. It writes
// profile.json (no secrets) and env (0600, shell exports) so `avi-encrypt` can be pointed at it.

import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createControllerSim } from './avi/controller.js';
import { createControllerSsh } from './avi/ssh.js';
import { generateLabSshKeys, writeLabSshFiles } from './avi/ssh-keys.js';
import { Fleet } from './avi/fleet/fleet.js';
import { DEFAULT_FLEET, type FleetOptions } from './avi/fleet/options.js';
import type { FleetSeed } from './avi/fleet/seed.js';
import { createAwsHandler } from './aws/server.js';
import { createClock } from './clock.js';
import { serveFaults } from './fault-routes.js';
import { Faults } from './faults.js';
import { RequestLog } from './request-log.js';
import { Timeline } from './timeline.js';
import { createSelfSignedCertificate } from './tls.js';
import { recordEc2Changes } from './ec2-timeline.js';
import { createWorld, type LabWorld } from './world/world.js';
import { seedWorld, type LabSeed } from './world/seed.js';
import type { IamPolicy } from './aws/iam-policy.js';

export interface LabOptions {
  nodes: 1 | 3;
  /** Multiplies every documented duration (0.01 = a hundred times faster). */
  timeScale: number;
  /** Folder for the certificate, profile.json and env. */
  dir: string;
  /** SE groups, SEs and virtual services beside the cluster (default DEFAULT_FLEET); false for none. */
  fleet?: FleetOptions | false;
  /** `--page-size N`: no Describe or List page holds more than N items, even without MaxResults/Limit. */
  pageSize?: number;
  /** `--iam-policy FILE`, read: the identity policy of the lab's credentials. None = allow-all. */
  iamPolicy?: IamPolicy;
  /** The file it was read from, shown in profile.json. */
  iamPolicyFile?: string;
  /** `--consistency-delay MS`: wall-clock ms a new resource stays NotFound to other calls (not scaled). */
  consistencyDelayMs?: number;
}

/** What `lab up` prints and other commands read: everything needed to reach the lab, no secrets. */
export interface LabProfile {
  controller: string;
  awsEndpoint: string;
  labUrl: string;
  region: string;
  caBundle: string;
  nodes: LabSeed['nodes'];
  seed: LabSeed;
  /** The seeded cloud, SE image, SE management subnets and SE groups (counts, not every SE). */
  fleet?: FleetSeed | undefined;
  timeScale: number;
  pageSize?: number;
  consistencyDelayMs?: number;
  /** The IAM policy file in force; absent = allow-all. */
  iamPolicy?: string;
  pid: number;
  startedAt: string;
}

export interface RunningLab {
  profile: LabProfile;
  env: Record<string, string>;
  stop(): Promise<void>;
  world: LabWorld;
  seed: LabSeed;
  fleet?: Fleet | undefined;
  requests: RequestLog;
  timeline: Timeline;
  faults: Faults;
}

export const LAB_REGION = 'eu-west-1';
const LAB_ACCOUNT = '111122223333';

export async function startLab(opts: LabOptions): Promise<RunningLab> {
  const dir = resolve(opts.dir);
  mkdirSync(dir, { recursive: true });
  const clock = createClock(opts.timeScale);
  const world = createWorld({ region: LAB_REGION, accountId: LAB_ACCOUNT, clock });
  const seed = seedWorld(world, { nodes: opts.nodes });
  const requests = new RequestLog();
  const timeline = new Timeline();
  recordEc2Changes(world, timeline);
  const password = randomBytes(18).toString('base64url');
  // What every factory-default Controller in the lab accepts until a configuration is restored or it joins.
  const nodePassword = randomBytes(18).toString('base64url');
  const fleetOptions = opts.fleet === undefined ? DEFAULT_FLEET : opts.fleet;
  const sim = createControllerSim(world, {
    nodes: seed.nodes.map((n) => n.ip), username: 'admin', password, nodePassword, version: '22.1.3', timeline, log: requests,
    ...(fleetOptions ? { fleet: (cluster) => new Fleet({ world, timeline, config: () => cluster.config, options: fleetOptions }) } : {}),
  });
  const fleet = sim.fleet;
  // The seed (cluster and fleet) is there from the start; only what is created afterwards waits out the delay.
  world.consistencyDelayMs = opts.consistencyDelayMs ?? 0;

  const faults = new Faults(world, timeline, clock, sim.faults);
  const aws = createAwsHandler(world, requests, {
    ...(opts.iamPolicy ? { policy: opts.iamPolicy } : {}),
    ...(opts.pageSize === undefined ? {} : { pageSize: opts.pageSize }),
    admit: (service) => faults.admit(service),
  });
  const labJson: Record<string, () => unknown> = {
    '/_lab/requests': () => requests.list(),
    '/_lab/timeline': () => timeline.list(),
    '/_lab/seed': () => seed,
    '/_lab/fleet': () => fleet?.seed ?? null,
  };
  const awsServer = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://lab.invalid').pathname;
    if (!path.startsWith('/_lab/')) return aws(req, res);
    if (path === '/_lab/faults') return serveFaults(faults, req, res);
    const read = labJson[path];
    const text = JSON.stringify(read && req.method === 'GET' ? read() : { error: `no lab endpoint ${req.method} ${path}` });
    res.writeHead(read && req.method === 'GET' ? 200 : 404, { 'content-type': 'application/json' }).end(text);
  });
  const cert = createSelfSignedCertificate(dir);
  const aviServer = createHttpsServer({ key: cert.key, cert: cert.cert }, sim.handler);
  const awsEndpoint = `http://127.0.0.1:${await listen(awsServer)}`;
  const controller = `https://127.0.0.1:${await listen(aviServer)}`;
  // The Controller's SSH (<node-ip>:22 stands at a loopback port): restore_config.py for 1-node restores.
  const sshKeys = generateLabSshKeys();
  const ssh = createControllerSsh({ hostKey: sshKeys.hostPrivate, adminKey: sshKeys.adminPublic, cluster: sim.cluster, log: requests });
  const sshPort = await ssh.listen();
  const sshFiles = writeLabSshFiles(dir, sshKeys, sshPort);

  const profile: LabProfile = {
    controller, awsEndpoint, labUrl: awsEndpoint, region: seed.region, caBundle: cert.caPath,
    nodes: seed.nodes, seed, fleet: fleet?.seed, timeScale: opts.timeScale, pid: process.pid, startedAt: new Date().toISOString(),
    ...(opts.pageSize === undefined ? {} : { pageSize: opts.pageSize }),
    ...(opts.consistencyDelayMs ? { consistencyDelayMs: opts.consistencyDelayMs } : {}),
    ...(opts.iamPolicy ? { iamPolicy: opts.iamPolicyFile ?? '(given in-process)' } : {}),
  };
  const env: Record<string, string> = {
    AVI_CONTROLLER: controller,
    AVI_USERNAME: 'admin',
    AVI_PASSWORD: password,
    // The initial admin password of a factory-default Controller: ClusterNode.password for joins.
    AVI_NODE_PASSWORD: nodePassword,
    AWS_REGION: seed.region,
    // Fake credentials: the lab's AWS accepts any; real ones must never be sent to it.
    AWS_ACCESS_KEY_ID: 'AKIALABFAKE000000000',
    AWS_SECRET_ACCESS_KEY: 'lab-fake-secret-access-key',
    AWS_ENDPOINT_URL_EC2: awsEndpoint,
    AWS_ENDPOINT_URL_KMS: awsEndpoint,
    AVI_ENCRYPT_KMS_KEY: seed.customerKeyArn,
    AVI_ENCRYPT_ENCRYPTED_AMI: seed.encryptedAmiId,
    AVI_ENCRYPT_CA_BUNDLE: cert.caPath,
    // The tool's waits expect the documented durations times this, so they look when the lab's change is due.
    AVI_ENCRYPT_DURATION_SCALE: String(opts.timeScale),
    // The real-world default bounds (1 s to 60 s between looks), scaled with the lab; never below 10 ms.
    AVI_ENCRYPT_POLL_INTERVAL: labPollInterval(opts.timeScale),
    AVI_ENCRYPT_LAB_URL: awsEndpoint,
    AVI_ENCRYPT_SSH_KEY: sshFiles.keyPath,
    AVI_ENCRYPT_KNOWN_HOSTS: sshFiles.knownHostsPath,
    AVI_ENCRYPT_SSH_ENDPOINT: `127.0.0.1:${sshPort}`,
  };
  writeFileSync(join(dir, 'profile.json'), `${JSON.stringify(profile, null, 2)}\n`);
  const envPath = join(dir, 'env');
  writeFileSync(envPath, Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}\n`).join(''), { mode: 0o600 });
  chmodSync(envPath, 0o600); // mode only applies when the file is created

  let stopped = false;
  return {
    profile, env, world, seed, fleet, requests, timeline, faults,
    async stop() {
      if (stopped) return;
      stopped = true;
      sim.close();
      await Promise.all([close(awsServer), close(aviServer), ssh.close()]);
    },
  };
}

/** --poll-interval MIN-MAX for a lab at this time scale. */
export function labPollInterval(timeScale: number): string {
  const min = Math.max(10, Math.round(1_000 * timeScale));
  return `${min}-${Math.max(min, Math.round(60_000 * timeScale))}`;
}

function listen(server: Server): Promise<number> {
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((ok) => server.close(() => ok()));
}

/** Single-quoted for POSIX shells: only a quote itself needs escaping. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
