// End to end, 1-node Controller: the documented restore over SSH (restore_config.py) after an
// AMI copy that a killed run's resume adopts; --restore-via api; a key that fails the copy; and
// bad input refused in one line with no mutating call (AMIs, SSH key, host key), plus the lab's
// own tenant rules (issue 5 item 8). Read back through the lab's request log, EC2 and the API.
//
// Build first: npx tsc -p tsconfig.json

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { CopyImageCommand, DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DisableKeyCommand, EnableKeyCommand } from '@aws-sdk/client-kms';
import { generateLabSshKeys } from '../../src/lab/avi/ssh-keys.js';
import { createAviClient } from '../../src/avi/client.js';
import { ec2For, migrateArgs, pollUntil, runCli, spawnCli, startTestLab, waitForExit, type TestLab } from './lab-harness.js';
import { count, envWith, expectExit, expectNoSecrets, kmsFor, lastSeq, mutationsSince, refusalLine, requestsSince, usageLine } from './swap-helpers.js';

const LONG = 180_000;
const SSH_OPS = ['SSH sftp', 'SSH /opt/avi/scripts/restore_config.py', 'SSH rm'];

const clusterUuid = (lab: TestLab) => createAviClient({
  controller: lab.env['AVI_CONTROLLER']!, username: 'admin', password: lab.env['AVI_PASSWORD']!, tenant: 'admin',
  caBundle: lab.env['AVI_ENCRYPT_CA_BUNDLE']!, retryDeadlineMs: 10_000,
}).getCluster().then((c) => c.uuid);

describe('1 node over SSH without --encrypted-ami, killed during the AMI copy and resumed', () => {
  let lab: TestLab;
  beforeAll(async () => {
    lab = await startTestLab(1);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('the resumed run adopts its copy, restores over SSH and removes the upload; no secret anywhere', async () => {
    const stateDir = join(lab.dir, 'state');
    const uuid = await clusterUuid(lab);
    const child = spawnCli(migrateArgs({ stateDir }), envWith(lab));
    await pollUntil(() => count(lab, 'CopyImage') === 1, 'CopyImage');
    child.kill('SIGKILL');
    const killed = await waitForExit(child);
    expect(killed.signal).toBe('SIGKILL');

    const r = await runCli(['resume', '--yes', '--state-dir', stateDir], envWith(lab), { timeoutMs: LONG });
    expectExit(r, 0);
    expect(count(lab, 'CopyImage')).toBe(1); // adopted, not copied again
    const ops = lab.requests.list().map((q) => q.operation);
    expect(ops.filter((o) => o.startsWith('SSH'))).toEqual(SSH_OPS);
    expect(ops).not.toContain('POST /api/configuration/import');
    // The configuration is back: the configured admin logs in and sees the cluster it had.
    expect(await clusterUuid(lab)).toBe(uuid);
    expectNoSecrets(lab, [killed, r], stateDir);
  }, LONG);
});

describe('1 node, --restore-via api (kept, unverified on a real Controller)', () => {
  let lab: TestLab;
  beforeAll(async () => {
    lab = await startTestLab(1);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('imports through the API, logged in with the initial admin password; no SSH', async () => {
    const stateDir = join(lab.dir, 'state');
    const uuid = await clusterUuid(lab);
    const r = await runCli(migrateArgs({ stateDir }, '--restore-via', 'api'), envWith(lab, { AVI_ENCRYPT_ENCRYPTED_AMI: lab.seed.encryptedAmiId }), { timeoutMs: LONG });
    expectExit(r, 0);
    expect(count(lab, 'POST /api/configuration/import')).toBe(1);
    expect(lab.requests.list().filter((q) => q.operation.startsWith('SSH'))).toEqual([]);
    expect(await clusterUuid(lab)).toBe(uuid);
    expectNoSecrets(lab, [r], stateDir);
  }, LONG);
});

describe('a key EC2 cannot use while the AMI is copied', () => {
  let lab: TestLab;
  beforeAll(async () => {
    lab = await startTestLab(1);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('ends as a failed image with the key named, before any node stops; resume copies again once the key is fixed', async () => {
    const stateDir = join(lab.dir, 'state');
    const kms = kmsFor(lab);
    const child = spawnCli(migrateArgs({ stateDir }), envWith(lab));
    await pollUntil(() => count(lab, 'CopyImage') === 1, 'CopyImage');
    // AWS validates the key only after CopyImage returned (reference §A1).
    await kms.send(new DisableKeyCommand({ KeyId: lab.seed.customerKeyArn }));
    const r = await waitForExit(child, LONG);
    expectExit(r, 5);
    const key = lab.seed.customerKeyArn.replace(/[/.]/g, '\\$&');
    expect(r.stdout).toMatch(new RegExp(`failed at step copy-ami: the encrypted copy ami-\\w+ of ${lab.seed.controllerAmiId} ended failed \\(.+\\); the likely cause is KMS key ${key}: AWS checks the key only after CopyImage returns`));
    expect(count(lab, 'StopInstances')).toBe(0);
    const ec2 = ec2For(lab);
    const failed = (await ec2.send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'state', Values: ['failed'] }] }))).Images ?? [];
    expect(failed.map((i) => i.StateReason?.Message)).toEqual([expect.stringContaining(lab.seed.customerKeyArn)]);

    await kms.send(new EnableKeyCommand({ KeyId: lab.seed.customerKeyArn }));
    const resumed = await runCli(['resume', '--yes', '--state-dir', stateDir], envWith(lab), { timeoutMs: LONG });
    expectExit(resumed, 0);
    expect(count(lab, 'CopyImage')).toBe(2);
    ec2.destroy();
    kms.destroy();
  }, LONG);
});

describe('bad input on a 1-node Controller: one line, non-zero exit, no mutating call', () => {
  let lab: TestLab;
  let n = 0;
  const stateDir = () => join(lab.dir, `state-${++n}`);
  beforeAll(async () => {
    lab = await startTestLab(1);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it("a Marketplace-owned source AMI: AWS's billing-product rule, and the way out", async () => {
    const before = lastSeq(lab);
    const msg = refusalLine(await runCli(migrateArgs({ stateDir: stateDir() }, '--source-ami', lab.seed.marketplaceAmiId), envWith(lab)));
    expect(msg).toMatch(new RegExp(`^AMI ${lab.seed.marketplaceAmiId} belongs to aws-marketplace and carries product code ${lab.seed.productCode}: AWS refuses to copy a Marketplace \\(billing-product\\) AMI of another account\\. .*--source-ami.*--encrypted-ami`));
    expect(mutationsSince(lab, before)).toEqual([]);
  }, LONG);

  it('a source AMI that cannot be found', async () => {
    const before = lastSeq(lab);
    const msg = refusalLine(await runCli(migrateArgs({ stateDir: stateDir() }, '--source-ami', 'ami-0123456789abcdef0'), envWith(lab)));
    expect(msg).toBe('source AMI ami-0123456789abcdef0 was not found in this region (an AMI belongs to one region); check --source-ami');
    expect(mutationsSince(lab, before)).toEqual([]);
  }, LONG);

  it('an encrypted AMI of another region', async () => {
    const other = new EC2Client({
      region: 'us-east-1', endpoint: lab.env['AWS_ENDPOINT_URL_EC2']!, maxAttempts: 1,
      credentials: { accessKeyId: lab.env['AWS_ACCESS_KEY_ID']!, secretAccessKey: lab.env['AWS_SECRET_ACCESS_KEY']! },
    });
    const { ImageId } = await other.send(new CopyImageCommand({ SourceImageId: lab.seed.encryptedAmiId, SourceRegion: lab.profile.region, Name: 'ctl-us-east-1', Encrypted: true }));
    other.destroy();
    const before = lastSeq(lab);
    const msg = refusalLine(await runCli(migrateArgs({ stateDir: stateDir() }), envWith(lab, { AVI_ENCRYPT_ENCRYPTED_AMI: ImageId! })));
    expect(msg).toMatch(new RegExp(`^AMI ${ImageId} was not found in this region`));
    expect(mutationsSince(lab, before)).toEqual([]);
  }, LONG);

  it('an SSH key that is missing or unreadable is a usage error before anything is asked of the lab', async () => {
    const before = lastSeq(lab);
    expect(usageLine(await runCli(migrateArgs({ stateDir: stateDir() }, '--ssh-key', join(lab.dir, 'no-such-key')), envWith(lab))))
      .toMatch(/^SSH key .*no-such-key \(--ssh-key\) cannot be read \(ENOENT\); point it at the private key of the Controller's admin$/);
    const notAFile = join(lab.dir, 'a-directory');
    mkdirSync(notAFile, { recursive: true });
    expect(usageLine(await runCli(migrateArgs({ stateDir: stateDir() }), envWith(lab, { AVI_ENCRYPT_SSH_KEY: notAFile }))))
      .toMatch(/\(AVI_ENCRYPT_SSH_KEY\) cannot be read \(EISDIR\)/);
    expect(requestsSince(lab, before)).toEqual([]);
  }, LONG);

  it('a host key that does not match known_hosts is refused before any change', async () => {
    const known = join(lab.dir, 'other_known_hosts');
    const line = readFileSync(lab.env['AVI_ENCRYPT_KNOWN_HOSTS']!, 'utf8').split(' ')[0]!;
    const otherKey = generateLabSshKeys().hostPublic.split(' ').slice(0, 2).join(' ');
    writeFileSync(known, `${line} ${otherKey}\n`);
    const before = lastSeq(lab);
    const msg = refusalLine(await runCli(migrateArgs({ stateDir: stateDir() }), envWith(lab, { AVI_ENCRYPT_KNOWN_HOSTS: known })));
    expect(msg).toMatch(/^the SSH host key of \[127\.0\.0\.1\]:\d+ \(ssh-ed25519 SHA256:\S+\) does not match .*other_known_hosts \(line 1\)/);
    expect(mutationsSince(lab, before)).toEqual([]);
  }, LONG);

  it('an unknown host key is refused unless --accept-new-host-key; a plan never records it', async () => {
    const known = join(lab.dir, 'empty_known_hosts');
    writeFileSync(known, '');
    const before = lastSeq(lab);
    expect(refusalLine(await runCli(migrateArgs({ stateDir: stateDir() }), envWith(lab, { AVI_ENCRYPT_KNOWN_HOSTS: known }))))
      .toMatch(/is not in .*empty_known_hosts; check it, then pass --accept-new-host-key/);
    const planned = await runCli(['plan', '--strategy', 'controller-swap', '--accept-new-host-key', '--state-dir', stateDir()], envWith(lab, { AVI_ENCRYPT_KNOWN_HOSTS: known }));
    expectExit(planned, 0);
    expect(readFileSync(known, 'utf8')).toBe('');
    expect(mutationsSince(lab, before)).toEqual([]);
  }, LONG);

  it('the lab refuses an unknown tenant itself, and tenant-scoped objects are invisible from another tenant', async () => {
    const api = await labSession(lab);
    const clouds = await api('GET', '/api/cloud', 'admin');
    expect(clouds.status).toBe(200);
    const cloud = (clouds.json.results as Array<{ uuid: string }>)[0]!;
    // Past our own login check: the Controller answers an unknown tenant with a refusal of its own.
    const unknown = await api('GET', '/api/cloud', 'nosuchtenant');
    expect([unknown.status, unknown.json]).toEqual([401, { error: 'Invalid tenant nosuchtenant' }]);
    expect((await api('GET', '/api/cloud', undefined, { 'x-avi-tenant-uuid': 'tenant-nosuch' })).status).toBe(401);
    const dev = await api('GET', '/api/cloud', 'dev');
    expect([dev.status, dev.json.results]).toEqual([200, []]);
    expect((await api('GET', `/api/cloud/${cloud.uuid}`, 'dev')).status).toBe(404);
    expect((await api('GET', '/api/serviceenginegroup', 'dev')).json.results).toEqual([]);
    expect((await api('GET', `/api/cloud/${cloud.uuid}`, 'admin')).status).toBe(200);
  }, LONG);
});

type Api = (method: string, path: string, tenant: string | undefined, headers?: Record<string, string>) => Promise<{ status: number; json: any }>;

/** A raw HTTPS session with the lab Controller (its CA), to send headers our own client never would. */
async function labSession(lab: TestLab): Promise<Api> {
  const base = new URL(lab.env['AVI_CONTROLLER']!);
  const ca = readFileSync(lab.env['AVI_ENCRYPT_CA_BUNDLE']!, 'utf8');
  const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    new Promise<{ status: number; headers: Record<string, unknown>; json: any }>((ok, fail) => {
      const req = request({ host: base.hostname, port: base.port, path, method, ca, headers: { accept: 'application/json', ...headers } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, json: text ? JSON.parse(text) : undefined }));
      });
      req.on('error', fail);
      req.end(body);
    });
  const login = await send('POST', '/login', { 'content-type': 'application/json', referer: base.origin }, JSON.stringify({ username: 'admin', password: lab.env['AVI_PASSWORD'] }));
  const cookie = ([login.headers['set-cookie'] ?? []].flat() as string[]).map((c) => c.split(';')[0]).join('; ');
  return (method, path, tenant, headers = {}) =>
    send(method, path, { cookie, referer: base.origin, 'x-avi-version': '22.1.3', ...(tenant ? { 'x-avi-tenant': tenant } : {}), ...headers });
}
