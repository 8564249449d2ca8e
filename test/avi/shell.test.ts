// The Controller SSH gateway over the real ssh2 client, against the lab's Controller SSH (host
// key, key login, SFTP, restore_config.py) and, for what the remote side sees, a bare ssh2 server.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2, { type Connection } from 'ssh2';
import { createControllerShell } from '../../src/avi/shell.js';
import { ShellError, type SshTarget } from '../../src/avi/shell-types.js';
import { createControllerSsh, type ControllerSsh } from '../../src/lab/avi/ssh.js';
import { generateLabSshKeys, type LabSshKeys } from '../../src/lab/avi/ssh-keys.js';
import { Client, clusterState, startSim, until, type SimFixture } from '../lab/avi-helpers.js';

const ID = 'i-00000000000000000';
const PASSPHRASE = 'Backup-Passphrase-42';
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'avi-shell-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const shellError = async (p: Promise<unknown>): Promise<ShellError> => {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(ShellError);
  expect((e as Error).message).not.toContain('\n');
  return e as ShellError;
};

describe('against the lab Controller SSH', () => {
  let f: SimFixture;
  let keys: LabSshKeys;
  let ssh: ControllerSsh;
  let target: SshTarget;
  const hostLine = (port: number, pub: string) => `[127.0.0.1]:${port} ${pub.split(' ').slice(0, 2).join(' ')}\n`;

  beforeEach(async () => {
    f = await startSim(['10.0.1.10'], 0.005);
    keys = generateLabSshKeys();
    const log = { record: (r: any) => void f.requests.push({ ...r, seq: f.requests.length + 1, at: new Date().toISOString() }) };
    ssh = createControllerSsh({ hostKey: keys.hostPrivate, adminKey: keys.adminPublic, cluster: f.sim.cluster, log });
    const port = await ssh.listen();
    const sub = mkdtempSync(join(dir, 'case-'));
    writeFileSync(join(sub, 'id'), keys.adminPrivate, { mode: 0o600 });
    writeFileSync(join(sub, 'known_hosts'), hostLine(port, keys.hostPublic));
    target = { host: '127.0.0.1', port, username: 'admin', privateKeyPath: join(sub, 'id'), knownHostsPath: join(sub, 'known_hosts'), acceptNewHostKey: false };
  });
  afterEach(async () => {
    await ssh.close();
    await f.close();
  });

  it('logs in with a known host key', async () => {
    const access = await createControllerShell().checkAccess(target);
    expect(access).toEqual({ fingerprint: expect.stringMatching(/^SHA256:/) as never, accepted: false });
  });

  it('refuses a host key that does not match known_hosts, naming the line and the fix', async () => {
    writeFileSync(target.knownHostsPath, `# mine\n${hostLine(target.port, generateLabSshKeys().hostPublic)}`);
    const e = await shellError(createControllerShell().checkAccess({ ...target, acceptNewHostKey: true }));
    expect(e.code).toBe('host-key');
    expect(e.message).toMatch(new RegExp(`^the SSH host key of \\[127\\.0\\.0\\.1\\]:${target.port} \\(ssh-ed25519 SHA256:.*\\) does not match .*known_hosts \\(line 2\\).*ssh-keygen -R`));
  });

  it('an unknown host is refused unless first use is allowed; then it is remembered (not in a plan)', async () => {
    writeFileSync(target.knownHostsPath, '');
    const e = await shellError(createControllerShell().checkAccess(target));
    expect(e.message).toMatch(/is not in .*known_hosts; check it, then pass --accept-new-host-key/);
    expect(await createControllerShell({ readOnly: true }).checkAccess({ ...target, acceptNewHostKey: true })).toMatchObject({ accepted: true });
    expect(readFileSync(target.knownHostsPath, 'utf8')).toBe('');
    expect(await createControllerShell().checkAccess({ ...target, acceptNewHostKey: true })).toMatchObject({ accepted: true });
    expect(readFileSync(target.knownHostsPath, 'utf8')).toBe(hostLine(target.port, keys.hostPublic));
    expect(await createControllerShell().checkAccess(target)).toMatchObject({ accepted: false });
  });

  it('another key is refused at login; a missing key file and a closed port say so', async () => {
    const wrong = join(dir, 'wrong-id');
    writeFileSync(wrong, generateLabSshKeys().adminPrivate, { mode: 0o600 });
    expect((await shellError(createControllerShell().checkAccess({ ...target, privateKeyPath: wrong }))).code).toBe('login');
    expect((await shellError(createControllerShell().checkAccess({ ...target, privateKeyPath: join(dir, 'none') }))).message).toMatch(/cannot read the SSH key .*none \(ENOENT\)/);
    const closed = await shellError(createControllerShell().checkAccess({ ...target, port: 1 }));
    expect(closed.code).toBe('unreachable');
    expect(closed.message).toMatch(/ECONNREFUSED.*AVI_ENCRYPT_SSH_ENDPOINT/);
  });

  it('restores an export onto a factory-fresh Controller, and removes the upload; a wrong passphrase fails with the script\'s words', async () => {
    const c = new Client(f.url, f.password);
    await c.login();
    const exported = await c.api('POST', '/api/configuration/export?full_system=true', { passphrase: PASSPHRASE });
    for (const s of ['stopping', 'stopped'] as const) f.world.setState(ID, s);
    f.world.swapRoot(ID, 'fresh');
    for (const s of ['pending', 'running'] as const) f.world.setState(ID, s);
    await until(async () => (await clusterState(f.url)) === 'CLUSTER_UP_NO_HA', 'fresh boot');
    const shell = createControllerShell();
    const req = { target, configuration: exported.text, remotePath: '/tmp/avi-encrypt-r1.json', flags: ['--flushdb'], passphrase: PASSPHRASE, timeoutMs: 30_000 };

    const wrong = await shellError(shell.restoreConfig({ ...req, passphrase: 'not-it' }));
    expect(wrong.message).toMatch(/restore_config\.py on \[127\.0\.0\.1\]:\d+ did not restore the configuration \(exit 1\): .*passphrase/i);
    expect(wrong.message).not.toContain('not-it');
    expect(f.requests.filter((r) => r.operation === 'SSH rm')).toHaveLength(1); // removed after a failure too

    const outcome = await shell.restoreConfig(req);
    expect(outcome.removed).toBe(true);
    expect(outcome.tail).toContain('Configuration Restored for 1-node cluster');
    const after = new Client(f.url, f.password); // the configured admin password is back
    await after.login();
    expect((await after.api('GET', '/api/cluster')).json.uuid).toBe(exported.json.Cluster[0].uuid);
    expect(JSON.stringify(f.requests)).not.toContain(PASSPHRASE);
    await expect(createControllerShell({ readOnly: true }).restoreConfig(req)).rejects.toThrow(/this is a plan/);
  });
});

describe('what the Controller side sees', () => {
  it('the passphrase is typed at the prompt after the confirmation, never on the command line', async () => {
    const keys = generateLabSshKeys();
    const seen: { commands: string[]; stdin: string } = { commands: [], stdin: '' };
    const server = new ssh2.Server({ hostKeys: [keys.hostPrivate] }, (client: Connection) => {
      client.on('authentication', (ctx) => ctx.accept());
      client.on('error', () => undefined);
      client.on('session', (accept) => accept().on('sftp', (ok) => {
        const sftp = ok();
        sftp.on('OPEN', (id) => sftp.handle(id, Buffer.from([0, 0, 0, 1])));
        sftp.on('WRITE', (id) => sftp.status(id, 0));
        sftp.on('CLOSE', (id) => sftp.status(id, 0));
      }).on('exec', (ok, _no, info) => {
        seen.commands.push(info.command);
        const ch = ok();
        if (info.command.startsWith('rm ')) return void (ch.exit(0), ch.end());
        ch.write('Please confirm if you still want to continue (yes/no)');
        let step = 0;
        ch.on('data', (d: Buffer) => {
          seen.stdin += d.toString();
          if (++step === 1) ch.write('\nPassphrase: ');
          else (ch.write('\n======== Configuration Restored for 1-node cluster ========\n'), ch.exit(0), ch.end());
        });
      }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    writeFileSync(join(dir, 'bare-id'), keys.adminPrivate, { mode: 0o600 });
    writeFileSync(join(dir, 'bare-known'), `[127.0.0.1]:${port} ${keys.hostPublic.split(' ').slice(0, 2).join(' ')}\n`);
    try {
      const target = { host: '127.0.0.1', port, username: 'admin', privateKeyPath: join(dir, 'bare-id'), knownHostsPath: join(dir, 'bare-known'), acceptNewHostKey: false };
      await createControllerShell().restoreConfig({ target, configuration: '{}', remotePath: '/tmp/x.json', flags: ['--flushdb'], passphrase: PASSPHRASE, timeoutMs: 10_000 });
      expect(seen.commands).toEqual(['/opt/avi/scripts/restore_config.py --config /tmp/x.json --flushdb', 'rm -f /tmp/x.json']);
      expect(seen.stdin).toBe(`yes\n${PASSPHRASE}\n`);
    } finally {
      server.close();
    }
  });
});
