// Controller-side steps over a fake AviGateway: save-cluster-config, cluster-ready,
// controller-up, export-config and restore-config. None of them may touch EC2.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AviError, type ClusterConfig } from '../../src/avi/types.js';
import { BACKUP_NAME } from '../../src/steps/controller/backup.js';
import { restoreFlags } from '../../src/steps/controller/restore.js';
import type { ControllerData } from '../../src/steps/controller/context.js';
import { PreflightError, WaitTimeoutError } from '../../src/steps/errors.js';
import { ShellError } from '../../src/avi/shell-types.js';
import {
  CLUSTER_UUID, FakeAvi, FakeShell, T0, changed, clusterOf, dataWith, effectsFor, makeDeps, node, nodeScope, realGateway, rejection, runNodeStep,
  runScope, runtimeOf, signal, type NodeStepId, type RuntimeAnswer, type TestScope,
} from './helpers.js';

const ec2 = mockClient(EC2Client);

beforeEach(() => {
  ec2.reset();
});

const IPS = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
// The node worked on in a 3-node cluster: the follower 10.0.0.2; the leader is last.
const DATA3: ControllerData = dataWith({
  nodes: [node('10.0.0.2', 'follower'), node('10.0.0.3', 'follower'), node('10.0.0.1', 'leader')],
  clusterUuid: CLUSTER_UUID,
});
const DATA1: ControllerData = dataWith({ nodes: [node('10.0.0.1', 'leader')], clusterUuid: CLUSTER_UUID });

/** Runtime of the 3-node cluster with node 10.0.0.2 in `mine`. */
const rt3 = (cluster: string, mine: string) =>
  runtimeOf(cluster, [
    { ip: '10.0.0.1', role: 'CLUSTER_LEADER' },
    { ip: '10.0.0.2', state: mine },
    { ip: '10.0.0.3' },
  ]);
const unavailable = () => new AviError(503, 'GET /api/cluster/runtime: 503 Service Unavailable', 'http');

/**
 * The effects over a fake Controller. `onNode` runs a node effect for the 3-node follower (or the
 * single node of DATA1), `onRun` a run-level one; every wait reports into `waits`.
 */
function setup(cluster: ClusterConfig, runtimes: RuntimeAnswer[]) {
  const avi = new FakeAvi(cluster, runtimes);
  const shell = new FakeShell();
  const deps = makeDeps(realGateway(), avi, shell);
  const effects = effectsFor(deps);
  const waits: TestScope<unknown>['waits'] = [];
  const onNode = (id: NodeStepId, data: ControllerData, deadline?: number) =>
    runNodeStep(effects, id, nodeScope(data, data.nodes.length === 1 ? '10.0.0.1' : '10.0.0.2', { waits, ...(deadline ? { deadline } : {}) }));
  const onRun = (id: 'export-config', data: ControllerData) => effects[id].run(runScope(data, { waits }), signal());
  return { avi, deps, shell, waits, onNode, onRun };
}

describe('save-cluster-config', () => {
  it('PUTs the same cluster back, again every third poll while the node stays CLUSTER_INACTIVE, and stops at CLUSTER_STARTING', async () => {
    const inactive = rt3('CLUSTER_UP_HA_COMPROMISED', 'CLUSTER_INACTIVE');
    const { avi, waits, onNode } = setup(clusterOf(IPS), [inactive, inactive, inactive, inactive, rt3('CLUSTER_UP_HA_COMPROMISED', 'CLUSTER_STARTING')]);
    await onNode('save-cluster-config', DATA3);
    expect(avi.calls.filter((c) => c === 'getClusterRuntime')).toHaveLength(5);
    expect(avi.puts).toHaveLength(2); // polls 0 and 3
    // The same cluster, with the fresh Controller's initial admin password on that node only.
    const withPassword = clusterOf(IPS);
    withPassword.nodes[1] = { ...withPassword.nodes[1]!, password: 'initial-admin-password' };
    for (const put of avi.puts) expect(put).toEqual(withPassword);
    expect(avi.calls).toEqual([
      'getCluster', 'putCluster', 'getClusterRuntime',
      'getClusterRuntime',
      'getClusterRuntime',
      'getCluster', 'putCluster', 'getClusterRuntime',
      'getClusterRuntime',
    ]);
    expect(waits.map((w) => w.value)).toEqual([...Array(4).fill('CLUSTER_INACTIVE'), 'CLUSTER_STARTING']);
    expect(waits[0]).toEqual({ awaits: 'node 10.0.0.2 joining', value: 'CLUSTER_INACTIVE' });
    expect(ec2.calls()).toHaveLength(0);
  });

  it('a node already CLUSTER_ACTIVE is joined after one save', async () => {
    const { avi, onNode } = setup(clusterOf(IPS), [rt3('CLUSTER_UP_HA_ACTIVE', 'CLUSTER_ACTIVE')]);
    await onNode('save-cluster-config', DATA3);
    expect(avi.puts).toHaveLength(1);
    expect(avi.calls.filter((c) => c === 'getClusterRuntime')).toHaveLength(1);
  });

  it('an API error is part of the wait, and the save is sent again on the next poll', async () => {
    const { avi, waits, onNode } = setup(clusterOf(IPS), [unavailable(), rt3('CLUSTER_UP_HA_COMPROMISED', 'CLUSTER_INACTIVE'), rt3('CLUSTER_UP_HA_COMPROMISED', 'CLUSTER_STARTING')]);
    await onNode('save-cluster-config', DATA3);
    expect(waits[0]!.value).toMatch(/^API unavailable \(.*503/);
    expect(avi.puts).toHaveLength(2); // poll 0, then again right after the error
  });

  it('a failing PUT (503) is waited through as well', async () => {
    const { avi, onNode } = setup(clusterOf(IPS), [rt3('CLUSTER_UP_HA_COMPROMISED', 'CLUSTER_STARTING')]);
    let fails = 1;
    const put = avi.putCluster.bind(avi);
    avi.putCluster = async (c) => {
      if (fails-- > 0) throw new AviError(503, 'PUT /api/cluster: 503', 'http');
      return put(c);
    };
    await onNode('save-cluster-config', DATA3);
    expect(avi.puts).toHaveLength(1);
  });

  it('a save the Controller refuses (400) fails at once, naming the node and AVI_NODE_PASSWORD', async () => {
    const { avi, onNode } = setup(clusterOf(IPS), [rt3('CLUSTER_UP_HA_COMPROMISED', 'CLUSTER_INACTIVE')]);
    avi.putCluster = async () => {
      throw new AviError(400, 'Avi Controller https://avi rejected PUT /api/cluster: HTTP 400: Unable to add node 10.0.0.2: Login with default credentials failed', 'http');
    };
    const e = await rejection(onNode('save-cluster-config', DATA3));
    expect(e.message).toMatch(/^the Controller refused to take node 10\.0\.0\.2 back: .*Login with default credentials failed.*set AVI_NODE_PASSWORD/);
    expect(avi.calls.filter((c) => c === 'getClusterRuntime')).toHaveLength(0);
  });

  it('times out when the node never joins, naming the node and its state', async () => {
    const { avi, onNode } = setup(clusterOf(IPS), [rt3('CLUSTER_UP_HA_COMPROMISED', 'CLUSTER_INACTIVE')]);
    const e = await rejection(onNode('save-cluster-config', DATA3, T0 + 60_000));
    expect(e).toBeInstanceOf(WaitTimeoutError);
    expect(e.message).toContain('node 10.0.0.2 joining');
    expect(e.message).toContain('last seen: CLUSTER_INACTIVE');
    expect(avi.puts.length).toBeGreaterThanOrEqual(3);
  });
});

describe('cluster-ready', () => {
  it('waits through API errors until CLUSTER_UP_HA_ACTIVE with the node ACTIVE, and changes nothing', async () => {
    const { avi, deps, waits, onNode } = setup(clusterOf(IPS), [
      unavailable(),
      new AviError(0, 'connect ECONNREFUSED', 'unreachable'),
      rt3('CLUSTER_UP_HA_NOT_READY', 'CLUSTER_STARTING'),
      rt3('CLUSTER_UP_HA_ACTIVE', 'CLUSTER_STARTING'),
      rt3('CLUSTER_UP_HA_ACTIVE', 'CLUSTER_ACTIVE'),
    ]);
    await onNode('cluster-ready', DATA3);
    expect(waits.map((w) => w.value)).toEqual([
      'API unavailable (GET /api/cluster/runtime: 503 Service Unavailable)',
      'API unavailable (connect ECONNREFUSED)',
      'CLUSTER_UP_HA_NOT_READY, node 10.0.0.2 CLUSTER_STARTING',
      'CLUSTER_UP_HA_ACTIVE, node 10.0.0.2 CLUSTER_STARTING',
      'CLUSTER_UP_HA_ACTIVE',
    ]);
    expect(deps.clock.sleeps).toEqual([10_000, 10_000, 10_000, 10_000]);
    expect(avi.puts).toHaveLength(0);
    expect(avi.calls.every((c) => c === 'getClusterRuntime')).toBe(true);
    expect(ec2.calls()).toHaveLength(0);
  });

  it('an error that is not the API being away (403) is not waited through', async () => {
    const { onNode } = setup(clusterOf(IPS), [new AviError(403, 'GET /api/cluster/runtime: 403 Forbidden', 'http'), rt3('CLUSTER_UP_HA_ACTIVE', 'CLUSTER_ACTIVE')]);
    await expect(onNode('cluster-ready', DATA3)).rejects.toThrow('403 Forbidden');
  });

  it('a node absent from the runtime is not ready', async () => {
    const { onNode } = setup(clusterOf(IPS), [runtimeOf('CLUSTER_UP_HA_ACTIVE', [{ ip: '10.0.0.1' }, { ip: '10.0.0.3' }])]);
    const e = await rejection(onNode('cluster-ready', DATA3, T0 + 20_000));
    expect(e).toBeInstanceOf(WaitTimeoutError);
    expect(e.message).toContain('node 10.0.0.2 absent');
  });

  it('1 node: CLUSTER_UP_NO_HA is ready', async () => {
    const { waits, onNode } = setup(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_STARTING_UP', []), runtimeOf('CLUSTER_UP_NO_HA', [])]);
    await onNode('cluster-ready', DATA1);
    expect(waits.map((w) => w.value)).toEqual(['CLUSTER_STARTING_UP', 'CLUSTER_UP_NO_HA']);
  });

  it('3 nodes: CLUSTER_UP_NO_HA is not ready', async () => {
    const { onNode } = setup(clusterOf(IPS), [rt3('CLUSTER_UP_NO_HA', 'CLUSTER_ACTIVE')]);
    await expect(onNode('cluster-ready', DATA3, T0 + 20_000)).rejects.toThrow(WaitTimeoutError);
  });
});

describe('controller-up', () => {
  it('probes until the API answers', async () => {
    const { avi, waits, onNode } = setup(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [])]);
    avi.probeAnswers = [undefined, undefined, '22.1.3'];
    await onNode('controller-up', DATA1);
    expect(waits.map((w) => w.value)).toEqual(['not answering', 'not answering', 'up, 22.1.3']);
  });
});

describe('export-config', () => {
  it('exports with the passphrase and writes the backup via deps.files', async () => {
    const { avi, deps, onRun } = setup(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [])]);
    avi.exported = '{"META": {"version": "22.1.3"}}';
    const out = await changed(onRun('export-config', DATA1));
    expect(out).toEqual({ backupFile: `/runs/run-2024-0001/backups/${BACKUP_NAME}` });
    expect(deps.saved.get(out.backupFile!)).toBe('{"META": {"version": "22.1.3"}}');
    expect(avi.exports).toEqual(['correct horse battery staple']);
  });

  it('skips when this run already holds a non-empty backup', async () => {
    const { avi, deps, onRun } = setup(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [])]);
    deps.saved.set('/runs/kept.json', 'KEPT');
    const out = await onRun('export-config', { ...DATA1, backupFile: '/runs/kept.json' });
    expect(out).toBeUndefined();
    expect(avi.calls).not.toContain('exportConfiguration');
    expect(deps.saved.get('/runs/kept.json')).toBe('KEPT');
  });

  it('exports again when the recorded backup is missing or empty', async () => {
    const { avi, deps, onRun } = setup(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [])]);
    deps.saved.set('/runs/empty.json', '');
    const out = await changed(onRun('export-config', { ...DATA1, backupFile: '/runs/empty.json' }));
    expect(avi.calls).toContain('exportConfiguration');
    expect(out.backupFile).toMatch(new RegExp(`${BACKUP_NAME}$`));
    const again = await changed(onRun('export-config', { ...DATA1, backupFile: '/runs/missing.json' }));
    expect(again.backupFile).toBeDefined();
    expect(avi.exports).toHaveLength(2);
  });

  it('an empty export is refused and nothing is saved', async () => {
    const { avi, deps, onRun } = setup(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [])]);
    avi.exported = '  \n';
    await expect(onRun('export-config', DATA1)).rejects.toThrow('empty configuration export');
    expect(deps.saved.size).toBe(0);
  });
});

describe('restore-config', () => {
  const SSH = { key: '/keys/id_ed25519', knownHosts: '/keys/known_hosts', acceptNewHostKey: false, user: 'admin' };
  const viaApi = (extra: Partial<ControllerData> = {}): ControllerData => ({ ...DATA1, backupFile: '/runs/b.json', restore: { via: 'api', ssh: SSH }, ...extra });
  const viaSsh = (extra: Partial<ControllerData> = {}): ControllerData => ({ ...DATA1, backupFile: '/runs/b.json', restore: { via: 'ssh', ssh: SSH }, ...extra });

  it('skips when the cluster uuid already matches the backed-up one', async () => {
    const { avi, shell, deps, onNode } = setup(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [])]);
    deps.saved.set('/runs/b.json', 'BACKUP');
    await expect(onNode('restore-config', viaApi())).resolves.toBeUndefined();
    await expect(onNode('restore-config', viaSsh())).resolves.toBeUndefined();
    expect(avi.imports).toEqual([]);
    expect(shell.restores).toEqual([]);
  });

  it('api: imports the backup with the passphrase, logged in with the initial admin password', async () => {
    const { avi, deps, onNode } = setup({ ...clusterOf(['10.0.0.1']), uuid: 'cluster-fresh' }, [runtimeOf('CLUSTER_UP_NO_HA', [])]);
    deps.saved.set('/runs/b.json', 'BACKUP');
    await onNode('restore-config', viaApi());
    // The configured admin password is not there yet on a factory-fresh Controller.
    expect(avi.imports).toEqual([{ configuration: 'BACKUP', passphrase: 'correct horse battery staple', initialAdminPassword: 'initial-admin-password' }]);
    expect(ec2.calls()).toHaveLength(0);
  });

  it('ssh: uploads the backup to the node, runs restore_config.py with --flushdb on 22.1, the passphrase never a flag', async () => {
    const { avi, shell, deps, onNode } = setup({ ...clusterOf(['10.0.0.1']), uuid: 'cluster-fresh' }, [runtimeOf('CLUSTER_UP_NO_HA', [])]);
    deps.saved.set('/runs/b.json', 'BACKUP');
    await onNode('restore-config', viaSsh());
    expect(avi.imports).toEqual([]);
    expect(shell.restores).toHaveLength(1);
    const req = shell.restores[0]!;
    expect(req.target).toEqual({ host: '10.0.0.1', port: 22, username: 'admin', privateKeyPath: '/keys/id_ed25519', knownHostsPath: '/keys/known_hosts', acceptNewHostKey: false });
    expect(req.configuration).toBe('BACKUP');
    expect(req.remotePath).toBe('/tmp/avi-encrypt-run-2024-0001.json');
    expect(req.flags).toEqual(['--flushdb']);
    expect(req.flags.join(' ')).not.toContain('correct horse');
    expect(req.passphrase).toBe('correct horse battery staple');
  });

  it('ssh: the endpoint override replaces <node ip>:22', async () => {
    const { shell, deps, onNode } = setup({ ...clusterOf(['10.0.0.1']), uuid: 'cluster-fresh' }, [runtimeOf('CLUSTER_UP_NO_HA', [])]);
    deps.saved.set('/runs/b.json', 'BACKUP');
    await onNode('restore-config', { ...viaSsh(), restore: { via: 'ssh', ssh: { ...SSH, endpoint: '127.0.0.1:2222' } } });
    expect(shell.restores[0]!.target).toMatchObject({ host: '127.0.0.1', port: 2222 });
  });

  it('ssh: a failed restore fails the step', async () => {
    const { shell, deps, onNode } = setup({ ...clusterOf(['10.0.0.1']), uuid: 'cluster-fresh' }, [runtimeOf('CLUSTER_UP_NO_HA', [])]);
    deps.saved.set('/runs/b.json', 'BACKUP');
    shell.restoreError = new Error('restore_config.py on 10.0.0.1 did not restore the configuration (exit 1): ERROR: wrong passphrase');
    await expect(onNode('restore-config', viaSsh())).rejects.toThrow('wrong passphrase');
  });

  it('a Controller refusing the configured admin login (401) is factory-fresh: it restores', async () => {
    const { avi, deps, onNode } = setup(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [])]);
    avi.clusterError = new AviError(401, 'Avi login refused for user admin', 'auth');
    deps.saved.set('/runs/b.json', 'BACKUP');
    await onNode('restore-config', viaApi());
    expect(avi.imports).toHaveLength(1);
  });

  it('any other failure to read the cluster is not taken for a fresh Controller', async () => {
    const { avi, deps, onNode } = setup(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [])]);
    avi.clusterError = new AviError(403, 'Avi login forbidden for user admin: account locked', 'auth');
    deps.saved.set('/runs/b.json', 'BACKUP');
    await expect(onNode('restore-config', viaApi())).rejects.toThrow('account locked');
    expect(avi.imports).toEqual([]);
  });

  it('without a recorded backup it refuses rather than restoring nothing', async () => {
    const { avi, onNode } = setup({ ...clusterOf(['10.0.0.1']), uuid: 'cluster-fresh' }, [runtimeOf('CLUSTER_UP_NO_HA', [])]);
    await expect(onNode('restore-config', { ...viaApi(), backupFile: undefined } as ControllerData)).rejects.toThrow('no configuration backup recorded');
    expect(avi.imports).toEqual([]);
  });
});

describe('check-ssh', () => {
  const SSH = { key: '/keys/id_ed25519', knownHosts: '/keys/known_hosts', acceptNewHostKey: true, user: 'admin', endpoint: '127.0.0.1:2222' };
  const check = (shell: FakeShell, data: ControllerData) => effectsFor(makeDeps(realGateway(), new FakeAvi(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [])]), shell))['check-ssh'].run(runScope(data), signal());

  it('logs in where the restore will (the endpoint override here) and records the version for the flags', async () => {
    const shell = new FakeShell();
    expect(await check(shell, { ...DATA1, restore: { via: 'ssh', ssh: SSH } })).toEqual({ controllerVersion: '22.1.3' });
    expect(shell.checks).toEqual([{ host: '127.0.0.1', port: 2222, username: 'admin', privateKeyPath: '/keys/id_ed25519', knownHostsPath: '/keys/known_hosts', acceptNewHostKey: true }]);
  });

  it('an SSH refusal (host key, login) is a preflight refusal with the same one line', async () => {
    const shell = new FakeShell();
    shell.accessError = new ShellError('the SSH host key of 10.0.0.1 (ssh-ed25519 SHA256:x) does not match /keys/known_hosts (line 3)', 'host-key');
    const e = await rejection(check(shell, { ...DATA1, restore: { via: 'ssh', ssh: SSH } }));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toContain('does not match /keys/known_hosts (line 3)');
  });

  it('without a key it is refused, naming --ssh-key and --restore-via api', async () => {
    const { key: _k, ...noKey } = SSH;
    const e = await rejection(check(new FakeShell(), { ...DATA1, restore: { via: 'ssh', ssh: noKey } }));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toMatch(/set --ssh-key or AVI_ENCRYPT_SSH_KEY .* or pass --restore-via api/);
  });
});

describe('restore_config.py flags by Controller version', () => {
  it('--flushdb from 22.1 on (and when the version is unknown), none before', () => {
    expect(restoreFlags('22.1.3')).toEqual(['--flushdb']);
    expect(restoreFlags('30.2.1')).toEqual(['--flushdb']);
    expect(restoreFlags(undefined)).toEqual(['--flushdb']);
    expect(restoreFlags('21.1.4')).toEqual([]);
    expect(restoreFlags('17.1.4')).toEqual([]);
  });
});
