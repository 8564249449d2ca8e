// The Controller runbooks' preflight hook (the user may write the cluster, version, cluster
// READY, root device names, the 1-node passphrase) and their world facts, over the real gateway
// (mocked EC2) and the fake Controller.

import { beforeEach, describe, expect, it } from '@jest/globals';
import { DescribeImagesCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { Settings } from '../../src/runbook/settings.js';
import { atLeast, versionCheck, writeAccessCheck } from '../../src/steps/avi-checks.js';
import { controllerChecks } from '../../src/steps/controller/checks.js';
import { controllerWorld } from '../../src/steps/controller/world.js';
import type { SecretSource } from '../../src/steps/check-result.js';
import {
  Ec2World, FakeAvi, KEY_ARN, clusterOf, dataWith, expectNoMutations, makeDeps, node, realGateway, runtimeOf,
} from './helpers.js';

const ec2 = mockClient(EC2Client);
beforeEach(() => {
  ec2.reset();
});

const IPS = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
const ready = () => runtimeOf('CLUSTER_UP_HA_ACTIVE', IPS.map((ip, i) => ({ ip, role: i === 0 ? 'CLUSTER_LEADER' : 'CLUSTER_FOLLOWER' })));
const settings = { avi: { tenant: 'admin' } } as Settings;
const DATA = dataWith({ nodes: IPS.map((ip, i) => node(ip, i === 0 ? 'leader' : 'follower', { instanceId: `i-${i + 1}`, oldVolumeId: `vol-${i + 1}` })) });

function world(extra: { devices?: Record<string, Array<{ device: string; volumeId: string }>>; state?: string; tags?: Record<string, string> } = {}) {
  const w = new Ec2World();
  IPS.forEach((ip, i) => {
    const id = `i-${i + 1}`;
    w.instance({ id, ip, ...(extra.state && i === 1 ? { state: extra.state } : {}), devices: extra.devices?.[id] ?? [{ device: '/dev/xvda', volumeId: `vol-${i + 1}` }] });
    w.volume({ id: `vol-${i + 1}`, state: 'in-use', tags: { Name: `root-${i + 1}`, ...(i === 2 ? extra.tags : {}) } });
  });
  w.install(ec2);
  return w;
}

async function run(avi: FakeAvi, passphrase: SecretSource = 'environment', data: typeof DATA | null = DATA, version = '22.1.3') {
  const reads = makeDeps(realGateway(), avi).reads;
  return controllerChecks('17.2.3')(reads, settings, { planMade: !!data, ...(data ? { data } : {}), controllerVersion: version, secrets: { backupPassphrase: passphrase } });
}

describe('controllerChecks', () => {
  it('all pass on a READY 3-node cluster of a superuser, and read nothing that writes', async () => {
    world();
    const results = await run(new FakeAvi(clusterOf(IPS), [ready()]));
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['avi-write-access', 'pass'], ['avi-version', 'pass'], ['not-held', 'pass'], ['cluster-ready', 'pass'], ['root-devices', 'pass'], ['restore-passphrase', 'pass'],
    ]);
    expectNoMutations(ec2);
  });

  it('each problem is its own failed line: not READY, an old Controller, a root device shared, a 1-node run without a passphrase or an SSH key', async () => {
    world({ devices: { 'i-2': [{ device: '/dev/xvda', volumeId: 'vol-other' }] } });
    const avi = new FakeAvi(clusterOf(IPS), [runtimeOf('CLUSTER_UP_HA_COMPROMISED', [])]);
    const three = await run(avi, 'missing', DATA, '17.1.4');
    expect(three.filter((r) => r.status === 'fail').map((r) => r.id)).toEqual(['avi-version', 'cluster-ready', 'root-devices']);
    expect(three.find((r) => r.id === 'root-devices')!.detail).toMatch(/^10\.0\.0\.2: \/dev\/xvda holds vol-other, not only its root vol-2/);
    const noKey = dataWith({ nodes: [DATA.nodes[0]!], restore: { via: 'ssh', ssh: { knownHosts: '/k', acceptNewHostKey: false, user: 'admin' } } });
    const one = await run(new FakeAvi(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [])]), 'missing', noKey);
    expect(one.find((r) => r.id === 'restore-passphrase')).toMatchObject({ status: 'fail', detail: expect.stringContaining('set AVI_BACKUP_PASSPHRASE') });
    // The check-ssh step's own refusal, word for word (a plan refused by it shows one failure).
    expect(one.find((r) => r.id === 'restore-ssh')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^a 1-node Controller is restored over SSH with restore_config\.py: set --ssh-key/) });
  });

  it('a 1-node restore over SSH: the key logs in, named with where', async () => {
    world();
    const data = dataWith({ nodes: [DATA.nodes[0]!], restore: { via: 'ssh', ssh: { key: '/keys/admin', knownHosts: '/k', acceptNewHostKey: false, user: 'admin' } } });
    const results = await run(new FakeAvi(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [])]), 'environment', data);
    expect(results.find((r) => r.id === 'restore-ssh')).toMatchObject({ status: 'pass', detail: 'key /keys/admin logs in as admin on 10.0.0.1:22' });
  });

  it('without the plan\'s nodes, the node checks are skipped, not failed', async () => {
    world();
    const results = await run(new FakeAvi(clusterOf(IPS), [ready()]), 'environment', null);
    expect(results.filter((r) => r.status === 'skip').map((r) => r.id)).toEqual(['root-devices', 'restore-passphrase']);
  });
});

describe('another run', () => {
  it('its in-flight marker on a node fails the check with the claim step\'s message, coded TargetHeld', async () => {
    const w = new Ec2World();
    IPS.forEach((ip, i) => w.instance({ id: `i-${i + 1}`, ip, devices: [{ device: '/dev/xvda', volumeId: `vol-${i + 1}` }] }));
    const marked = w.instances.get('i-2')![0]!;
    marked.Tags = [{ Key: 'avi-encrypt:in-flight:run-other', Value: 'in-flight' }];
    w.install(ec2);
    const results = await run(new FakeAvi(clusterOf(IPS), [runtimeOf('CLUSTER_UP_HA_COMPROMISED', [])]), 'environment', null);
    expect(results.find((r) => r.id === 'not-held')).toMatchObject({
      status: 'fail', code: 'TargetHeld', detail: expect.stringMatching(/^run run-other is unfinished on this cluster \(marker avi-encrypt:in-flight:run-other on /),
    });
  });
});

describe('versions', () => {
  it.each([['17.2.3', true], ['17.2.3-9019', true], ['18.1.1', true], ['17.2.2', false], ['17.1.14', false], ['30.2.1', true]])('%s >= 17.2.3: %s', (v, ok) => {
    expect(atLeast(v, '17.2.3')).toBe(ok);
    expect(versionCheck(v, '17.2.3').status).toBe(ok ? 'pass' : 'fail');
  });
});

describe('writeAccessCheck', () => {
  const CLUSTER = { what: 'the cluster configuration', privileges: ['PERMISSION_CONTROLLER'] };
  const avi = () => new FakeAvi(clusterOf(IPS), [ready()]);
  const reads = (a: FakeAvi) => ({ access: a });

  it('a role with WRITE_ACCESS on PERMISSION_CONTROLLER passes; READ_ACCESS fails naming the user, role and fix', async () => {
    const a = avi();
    a.user = { username: 'ops', superuser: false, access: [{ roleRef: 'https://c/api/role/role-1', tenantRef: 'https://c/api/tenant/admin', allTenants: false }] };
    a.roles.set('/api/role/role-1', { name: 'Operators', privileges: [{ resource: 'PERMISSION_CONTROLLER', type: 'WRITE_ACCESS' }] });
    expect(await writeAccessCheck(reads(a), 'admin', CLUSTER)).toMatchObject({ status: 'pass', detail: 'ops: Operators with WRITE_ACCESS on PERMISSION_CONTROLLER' });
    a.roles.set('/api/role/role-1', { name: 'Operators', privileges: [{ resource: 'PERMISSION_CONTROLLER', type: 'READ_ACCESS' }] });
    const r = await writeAccessCheck(reads(a), 'admin', CLUSTER);
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/^Avi user ops may not write the cluster configuration \(PERMISSION_CONTROLLER: Operators READ_ACCESS\); give it a role with WRITE_ACCESS on PERMISSION_CONTROLLER/);
  });

  it('what cannot be read passes as not proven: no user at login, a role that does not answer', async () => {
    const a = avi();
    a.user = undefined;
    expect(await writeAccessCheck(reads(a), 'admin', CLUSTER)).toMatchObject({ status: 'pass', unproven: expect.any(String) });
    a.user = { username: 'ops', superuser: false, access: [{ roleRef: '/api/role/gone', allTenants: true }] };
    expect(await writeAccessCheck(reads(a), 'admin', CLUSTER)).toMatchObject({ status: 'pass', unproven: 'the role could not be read' });
  });
});

describe('controllerWorld', () => {
  const facts = async (avi = new FakeAvi(clusterOf(IPS), [ready()])) => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: 'ami-enc', State: 'available', RootDeviceName: '/dev/xvda', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-enc' } }] }] });
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-enc', State: 'completed', Encrypted: true, KmsKeyId: KEY_ARN, VolumeSize: 64 }] });
    return Object.fromEntries((await controllerWorld(makeDeps(realGateway(), avi).reads, DATA)).map((f) => [f.key, f.value]));
  };

  it('names the cluster, each node\'s role, state and root, and the AMI\'s snapshot', async () => {
    world();
    const f = await facts();
    expect(f['cluster']).toBe('cluster-0c1d2e3f: nodes 10.0.0.1, 10.0.0.2, 10.0.0.3');
    expect(f['node 10.0.0.1 instance i-1']).toBe('leader, running');
    expect(f['node 10.0.0.3 root /dev/xvda']).toBe('vol-3 gp3 128 GiB unencrypted; tags Name=root-3');
    expect(f['encrypted AMI ami-enc']).toBe(`available, root snapshot snap-enc 64 GiB encrypted with ${KEY_ARN}`);
    expectNoMutations(ec2);
  });

  it('a stopped node, a new tag on a root and a fourth member all read otherwise', async () => {
    world({ state: 'stopped', tags: { owner: 'team-x' } });
    const f = await facts(new FakeAvi(clusterOf([...IPS, '10.0.0.4']), [ready()]));
    expect(f['node 10.0.0.2 instance i-2']).toBe('follower, stopped');
    expect(f['node 10.0.0.3 root /dev/xvda']).toBe('vol-3 gp3 128 GiB unencrypted; tags Name=root-3,owner=team-x');
    expect(f['cluster']).toContain('10.0.0.4');
  });
});
