// The Controller's SSH in the lab: admin with the lab's key only, the host key the lab publishes,
// an export uploaded over SFTP, and restore_config.py restoring it onto a factory-fresh 1-node
// Controller with the documented flags, refusals and output.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Client as SshClient } from 'ssh2';
import ssh2 from 'ssh2';
import { createControllerSsh, splitWords, type ControllerSsh } from '../../src/lab/avi/ssh.js';
import { generateLabSshKeys, type LabSshKeys } from '../../src/lab/avi/ssh-keys.js';
import { Client, call, clusterState, startSim, until, type SimFixture } from './avi-helpers.js';
import { connect, exec, upload } from './ssh-helpers.js';

const IP = '10.0.1.10';
const ID = 'i-00000000000000000';
const SCRIPT = '/opt/avi/scripts/restore_config.py';
const BANNER = '======== Configuration Restored for 1-node cluster ========';

describe('simulated Controller SSH and restore_config.py', () => {
  let f: SimFixture;
  let keys: LabSshKeys;
  let ssh: ControllerSsh;
  let port: number;
  let conn: SshClient | undefined;
  const hostKey = () => (ssh2.utils.parseKey(keys.hostPublic) as { getPublicSSH(): Buffer }).getPublicSSH();

  beforeEach(async () => {
    f = await startSim([IP], 0.005);
    keys = generateLabSshKeys();
    const log = { record: (r: any) => void f.requests.push({ ...r, seq: f.requests.length + 1, at: new Date().toISOString() }) };
    ssh = createControllerSsh({ hostKey: keys.hostPrivate, adminKey: keys.adminPublic, cluster: f.sim.cluster, log });
    port = await ssh.listen();
  });
  afterEach(async () => {
    conn?.end();
    conn = undefined;
    await ssh.close();
    await f.close();
  });

  /** Exports over the API, then boots the instance from a factory-fresh root. */
  async function exportThenFreshBoot(passphrase: string): Promise<{ text: string; uuid: string }> {
    const c = new Client(f.url, f.password);
    await c.login();
    const exported = await c.api('POST', '/api/configuration/export?full_system=true', { passphrase });
    for (const s of ['stopping', 'stopped'] as const) f.world.setState(ID, s);
    f.world.swapRoot(ID, 'fresh');
    for (const s of ['pending', 'running'] as const) f.world.setState(ID, s);
    await until(async () => (await clusterState(f.url)) === 'CLUSTER_UP_NO_HA', 'fresh boot');
    return { text: exported.text, uuid: exported.json.Cluster[0].uuid };
  }

  it('lets in admin with the lab key only, and presents the published host key', async () => {
    conn = await connect(port, keys.adminPrivate, hostKey());
    expect((await exec(conn, 'true')).code).toBe(127); // only the documented commands exist
    const other = generateLabSshKeys();
    await expect(connect(port, other.adminPrivate)).rejects.toThrow(/authentication/i);
    await expect(connect(port, keys.adminPrivate, (ssh2.utils.parseKey(other.hostPublic) as any).getPublicSSH())).rejects.toThrow();
  });

  it('restores an uploaded export onto the factory-fresh Controller, refusing what the script refuses', async () => {
    const { text, uuid } = await exportThenFreshBoot('correct horse');
    conn = await connect(port, keys.adminPrivate, hostKey());
    await upload(conn, '/tmp/avi_config.json', text);
    await expect(upload(conn, '/etc/passwd', 'x')).rejects.toThrow(/denied/i);

    const usage = await exec(conn, `sudo ${SCRIPT} --config /tmp/avi_config.json --passphrase x --vip 10.0.0.9`);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unrecognized arguments: --vip 10\.0\.0\.9/);
    expect((await exec(conn, `${SCRIPT} --passphrase x`)).stderr).toMatch(/required: --config/);
    expect((await exec(conn, `${SCRIPT} --config /tmp/missing.json --passphrase x`)).code).toBe(1);

    const no = await exec(conn, `sudo ${SCRIPT} --config /tmp/avi_config.json --passphrase 'correct horse'`, 'no\n');
    expect(no.code).toBe(1);
    expect(no.stdout).toMatch(/Please confirm if you still want to continue \(yes\/no\)/);
    const wrong = await exec(conn, `sudo ${SCRIPT} --config /tmp/avi_config.json --passphrase wrong`, 'yes\n');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/passphrase/i);
    expect(f.sim.cluster.config.hasConfig).toBe(false);

    // the passphrase may also be typed at the prompt, keeping it out of the remote command line
    const ok = await exec(conn, `sudo ${SCRIPT} --config /tmp/avi_config.json`, 'yes\ncorrect horse\n');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(BANNER);
    expect(await clusterState(f.url)).toBe('CLUSTER_UP_NO_HA'); // the script returns once the Controller serves
    const c = new Client(f.url, f.password); // the restored admin password is back
    await c.login();
    expect((await c.api('GET', '/api/cluster')).json.uuid).toBe(uuid);
    expect((await exec(conn, 'rm -f /tmp/avi_config.json')).code).toBe(0);
    expect((await exec(conn, `${SCRIPT} --config /tmp/avi_config.json --passphrase x`)).code).toBe(1);

    const ops = f.requests.filter((r) => r.operation.startsWith('SSH')).map((r) => r.operation);
    expect(ops).toContain(`SSH ${SCRIPT}`);
    expect(JSON.stringify(f.requests)).not.toContain('correct horse');
    expect(f.timeline.list().some((e) => e.subject === 'api' && e.state === '503')).toBe(true);
  });

  it('refuses a Controller that has a configuration unless --flushdb is given', async () => {
    const c = new Client(f.url, f.password);
    await c.login();
    const exported = await c.api('POST', '/api/configuration/export?full_system=true', { passphrase: 'p' });
    conn = await connect(port, keys.adminPrivate, hostKey());
    await upload(conn, 'backup.json', exported.text); // relative: the admin's home
    const dirty = await exec(conn, `${SCRIPT} --config backup.json --passphrase p`, 'yes\n');
    expect(dirty.code).toBe(1);
    expect(dirty.stdout).toContain('Restore config must be run on a clean controller.\nPlease run with the --flushdb option or do a reboot clean');
    const flushed = await exec(conn, `${SCRIPT} --config /home/admin/backup.json --passphrase p --flushdb`, 'yes\n');
    expect(flushed.code).toBe(0);
    expect(flushed.stdout).toContain(BANNER);
  });

  it('does not answer while the node is down', async () => {
    f.world.setState(ID, 'stopping');
    await expect(call(f.url, 'GET', '/api/initial-data')).rejects.toThrow();
    await expect(connect(port, keys.adminPrivate)).rejects.toThrow();
  });

  it('splits a command line with quotes like a shell', () => {
    expect(splitWords(`sudo a --p 'x y' "z \\" w" q`)).toEqual(['sudo', 'a', '--p', 'x y', 'z " w', 'q']);
  });
});
