// The dry-run recorders over the REAL gateway with mocked SDK clients: only Describe* ever
// reaches EC2/KMS, the overlay makes later reads see the planned world, and the whole plan
// (buildPlan over the controller-swap runbook) sends nothing mutating to AWS or the Controller.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { DescribeImagesCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { TAG } from '../../src/aws/types.js';
import { buildPlan } from '../../src/engine/plan/plan.js';
import { recordingAvi } from '../../src/engine/plan/recorder-avi.js';
import { recordingAws } from '../../src/engine/plan/recorder-aws.js';
import type { PlannedCall } from '../../src/engine/plan/types.js';
import type { Settings } from '../../src/engine/settings.js';
import {
  CLUSTER_UUID, Ec2World, FakeAvi, KEY_ARN, KEY_ID, REGION, RUN_ID, clusterOf, commandNames, expectNoMutations, realGateway, runtimeOf,
} from './helpers.js';

const ec2 = mockClient(EC2Client);
const kms = mockClient(KMSClient);

beforeEach(() => {
  ec2.reset();
  kms.reset();
});

function world(n: number, opts: { encrypted?: number[] } = {}): Ec2World {
  const w = new Ec2World();
  for (let i = 1; i <= n; i++) {
    const enc = opts.encrypted?.includes(i);
    w.instance({ id: `i-${i}`, ip: `10.0.0.${i}`, devices: [{ device: '/dev/xvda', volumeId: `vol-root-${i}`, deleteOnTermination: true }] });
    w.volume({
      id: `vol-root-${i}`, state: 'in-use', size: 128, type: 'gp3', iops: 3000, throughput: 125,
      ...(enc ? { encrypted: true, kmsKeyId: KEY_ARN } : {}),
      attachments: [{ instanceId: `i-${i}`, device: '/dev/xvda' }],
    });
  }
  w.install(ec2);
  return w;
}

function preflightAnswers(): void {
  kms.on(DescribeKeyCommand).resolves({
    KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', KeyManager: 'CUSTOMER' },
  });
  ec2.on(DescribeImagesCommand).resolves({
    Images: [{ ImageId: 'ami-enc', State: 'available', RootDeviceName: '/dev/xvda', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-enc' } }] }],
  });
  ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-enc', State: 'completed', Encrypted: true, KmsKeyId: KEY_ARN, VolumeSize: 64 }] });
}

describe('recordingAws over the real gateway', () => {
  it('records mutations without sending them, and later reads see stopped / detached / attached', async () => {
    world(1);
    const calls: PlannedCall[] = [];
    const aws = recordingAws(realGateway(), (c) => calls.push(c));

    await aws.stopInstance('i-1');
    expect((await aws.describeInstance('i-1')).state).toBe('stopped');

    await aws.detachVolume('vol-root-1', 'i-1', '/dev/xvda');
    const detached = await aws.describeVolume('vol-root-1');
    expect(detached.state).toBe('available');
    expect(detached.attachments).toEqual([]);
    expect((await aws.describeInstance('i-1')).blockDevices.find((b) => b.device === '/dev/xvda')).toBeUndefined();
    expect(aws.rootReplaced('i-1')).toBe(false);

    const tags = { [TAG.runId]: RUN_ID, [TAG.role]: 'encrypted-root', [TAG.node]: '10.0.0.1' };
    const created = await aws.createVolume({
      snapshotId: 'snap-enc', availabilityZone: `${REGION}a`, kmsKeyId: KEY_ARN, volumeType: 'gp3', size: 128, clientToken: 'tok', tags,
    });
    expect(created).toMatchObject({ state: 'available', encrypted: true, kmsKeyId: KEY_ARN, size: 128 });
    expect((await aws.findVolumesByTags(tags)).map((v) => v.volumeId)).toEqual([created.volumeId]);

    await aws.attachVolume(created.volumeId, 'i-1', '/dev/xvda');
    expect((await aws.describeVolume(created.volumeId)).attachments).toEqual([
      { instanceId: 'i-1', device: '/dev/xvda', state: 'attached', deleteOnTermination: false },
    ]);
    expect((await aws.describeInstance('i-1')).blockDevices).toEqual([
      { device: '/dev/xvda', volumeId: created.volumeId, deleteOnTermination: false, status: 'attached' },
    ]);
    expect(aws.rootReplaced('i-1')).toBe(true);

    await aws.setDeleteOnTermination('i-1', '/dev/xvda', true);
    expect((await aws.describeInstance('i-1')).blockDevices[0]).toMatchObject({ volumeId: created.volumeId, deleteOnTermination: true });

    await aws.startInstance('i-1');
    expect((await aws.describeInstance('i-1')).state).toBe('running');

    await aws.tagResources(['vol-root-1'], { [TAG.replacedBy]: created.volumeId });
    expect((await aws.describeVolume('vol-root-1')).tags[TAG.replacedBy]).toBe(created.volumeId);

    expect(calls.map((c) => c.operation)).toEqual([
      'StopInstances', 'DetachVolume', 'CreateVolume', 'AttachVolume', 'ModifyInstanceAttribute', 'StartInstances', 'CreateTags',
    ]);
    expect(calls[1]).toEqual({ service: 'ec2', operation: 'DetachVolume', target: 'vol-root-1', detail: { instanceId: 'i-1', device: '/dev/xvda' } });
    // The whole time, only Describe* reached EC2.
    expect(ec2.calls().length).toBeGreaterThan(0);
    expectNoMutations(ec2);
  });

  it('the real world is untouched: a fresh recorder sees the instance running with its old root', async () => {
    world(1);
    const first = recordingAws(realGateway(), () => undefined);
    await first.stopInstance('i-1');
    await first.detachVolume('vol-root-1', 'i-1', '/dev/xvda');
    const fresh = recordingAws(realGateway(), () => undefined);
    const i = await fresh.describeInstance('i-1');
    expect(i.state).toBe('running');
    expect(i.blockDevices.map((b) => b.volumeId)).toEqual(['vol-root-1']);
    expect((await fresh.describeVolume('vol-root-1')).state).toBe('in-use');
    expectNoMutations(ec2);
  });
});

describe('recordingAvi', () => {
  it('records PUT / export / import without calling the Controller, and shows a swapped single node factory-fresh', async () => {
    world(1);
    const calls: PlannedCall[] = [];
    const real = new FakeAvi(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [])]);
    const aws = recordingAws(realGateway(), () => undefined);
    const avi = recordingAvi(real, (c) => calls.push(c), aws, () => 'i-1');

    expect((await avi.getCluster()).uuid).toBe(CLUSTER_UUID);
    await avi.putCluster(clusterOf(['10.0.0.1']));
    expect(await avi.exportConfiguration('secret')).toBe('{"planned": true}');
    await avi.importConfiguration('x', 'secret');
    expect(real.calls).toEqual(['getCluster']);
    expect(real.puts).toEqual([]);
    expect(calls.map((c) => c.operation)).toEqual(['PUT /api/cluster', 'POST /api/configuration/export?full_system=true', 'POST /api/configuration/import']);
    expect(JSON.stringify(calls)).not.toContain('secret');

    await aws.attachVolume('vol-root-1', 'i-1', '/dev/xvda');
    expect((await avi.getCluster()).uuid).toBe(`${CLUSTER_UUID}-factory-fresh`);
    expectNoMutations(ec2);
  });
});

describe('buildPlan (controller-swap) over mocked AWS and a fake Controller', () => {
  const settings: Settings = {
    strategy: 'controller-swap',
    avi: { controller: 'https://avi.example', username: 'admin', tenant: 'admin' },
    aws: { region: REGION },
    kmsKey: 'alias/avi-ebs',
    encryptedAmi: 'ami-enc',
    stateDir: '/tmp/never-written',
    pollIntervalMs: 10_000,
    waitTimeoutMs: 600_000,
  };

  async function plan(avi: FakeAvi) {
    return buildPlan(settings, { aws: realGateway(), avi, aviVersion: '22.1.3', awsWarnings: [] }, new AbortController().signal);
  }

  const ops = (p: Awaited<ReturnType<typeof plan>>, id: string) =>
    p.steps.filter((s) => s.id === id).map((s) => ({ node: s.node, ops: s.calls.map((c) => `${c.operation} ${c.target}`) }));

  it('3 nodes: plans every change, followers first, and sends only Describe* to AWS and only GETs to the Controller', async () => {
    world(3);
    preflightAnswers();
    const avi = new FakeAvi(clusterOf(['10.0.0.1', '10.0.0.2', '10.0.0.3']), [
      runtimeOf('CLUSTER_UP_HA_ACTIVE', [{ ip: '10.0.0.1', role: 'CLUSTER_LEADER' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }]),
    ]);
    const p = await plan(avi);

    expect(p.kmsKeyArn).toBe(KEY_ARN);
    expect(p.nodes.map((n) => n.ip)).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.1']);
    expect(ops(p, 'create-volumes')[0]!.ops).toEqual(['CreateVolume vol-planned-1', 'CreateVolume vol-planned-2', 'CreateVolume vol-planned-3']);
    const perNode = (id: string) => ops(p, id).map((s) => [s.node, ...s.ops]);
    expect(perNode('stop-node')).toEqual([['10.0.0.2', 'StopInstances i-2'], ['10.0.0.3', 'StopInstances i-3'], ['10.0.0.1', 'StopInstances i-1']]);
    expect(perNode('detach-old-root')[0]).toEqual(['10.0.0.2', 'DetachVolume vol-root-2']);
    expect(perNode('attach-new-root')[0]).toEqual(['10.0.0.2', 'AttachVolume vol-planned-1']);
    expect(perNode('keep-delete-on-termination')[0]).toEqual(['10.0.0.2', 'ModifyInstanceAttribute i-2']);
    expect(perNode('start-node')[0]).toEqual(['10.0.0.2', 'StartInstances i-2']);
    expect(perNode('save-cluster-config')[0]).toEqual(['10.0.0.2', `PUT /api/cluster ${CLUSTER_UUID}`]);
    expect(perNode('tag-old-root')[0]).toEqual(['10.0.0.2', 'CreateTags vol-root-2']);
    // No wait had to really wait: the overlay satisfied each one.
    expect(p.steps.filter((s) => s.waitNow)).toEqual([]);
    expect(p.steps.map((s) => s.id)).toContain('verify');
    expect(p.steps.map((s) => s.id)).not.toContain('export-config');

    expectNoMutations(ec2);
    expect(commandNames(kms)).toEqual(['DescribeKeyCommand']);
    expect(avi.puts).toEqual([]);
    expect(avi.calls.filter((c) => !['getCluster', 'getClusterRuntime', 'listClouds', 'probe', 'login'].includes(c))).toEqual([]);
  });

  it('a node already encrypted with the key is skipped entirely', async () => {
    world(3, { encrypted: [3] });
    preflightAnswers();
    const avi = new FakeAvi(clusterOf(['10.0.0.1', '10.0.0.2', '10.0.0.3']), [
      runtimeOf('CLUSTER_UP_HA_ACTIVE', [{ ip: '10.0.0.1', role: 'CLUSTER_LEADER' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }]),
    ]);
    const p = await plan(avi);
    expect(p.nodes.find((n) => n.ip === '10.0.0.3')!.alreadyEncrypted).toBe(true);
    expect(ops(p, 'create-volumes')[0]!.ops).toHaveLength(2);
    expect(p.steps.filter((s) => s.node === '10.0.0.3')).toEqual([]);
    expectNoMutations(ec2);
  });

  it('1 node: backup, restore onto the factory-fresh Controller, all recorded, nothing sent', async () => {
    world(1);
    preflightAnswers();
    const avi = new FakeAvi(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [{ ip: '10.0.0.1', role: 'CLUSTER_LEADER' }])]);
    const p = await plan(avi);
    expect(ops(p, 'export-config')[0]!.ops).toEqual([
      'POST /api/configuration/export?full_system=true configuration',
      'write backup (mode 0600) <run folder>/backups/controller-config.json',
    ]);
    expect(ops(p, 'restore-config')[0]!.ops).toEqual(['POST /api/configuration/import configuration']);
    expect(p.steps.map((s) => s.id)).not.toContain('save-cluster-config');
    expect(avi.exports).toEqual([]);
    expect(avi.imports).toEqual([]);
    expectNoMutations(ec2);
  });

  it('a refused preflight (Disabled key) fails the plan before anything is recorded or sent', async () => {
    world(3);
    preflightAnswers();
    kms.on(DescribeKeyCommand).resolves({
      KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, KeyState: 'Disabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' },
    });
    const avi = new FakeAvi(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [])]);
    await expect(plan(avi)).rejects.toThrow(/is Disabled/);
    expect(ec2.calls()).toHaveLength(0);
    expect(avi.calls).toEqual([]);
  });
});
