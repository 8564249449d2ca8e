// buildPlan over the controller-swap module, the REAL AWS gateway (mocked SDK clients) and a fake
// Controller: preflight reads for real, every action records what it would write, waits are
// shown, the gate is listed before the first stop, and nothing but reads reaches AWS or Avi.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { DescribeImagesCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { runbook } from '../../runbooks/controller-swap.js';
import { buildPlan } from '../../src/engine/plan/plan.js';
import type { Settings } from '../../src/runbook/settings.js';
import {
  CLUSTER_UUID, Ec2World, FakeAvi, FakeShell, KEY_ARN, KEY_ID, REGION, clusterOf, commandNames, expectNoMutations, realGateway, runtimeOf,
} from '../steps/helpers.js';

const ec2 = mockClient(EC2Client);
const kms = mockClient(KMSClient);

beforeEach(() => {
  ec2.reset();
  kms.reset();
});

function world(n: number, opts: { encrypted?: number[]; dot?: boolean } = {}): void {
  const w = new Ec2World();
  for (let i = 1; i <= n; i++) {
    w.instance({ id: `i-${i}`, ip: `10.0.0.${i}`, image: 'ami-0src', devices: [{ device: '/dev/xvda', volumeId: `vol-root-${i}`, deleteOnTermination: opts.dot ?? true }] });
    w.volume({
      id: `vol-root-${i}`, state: 'in-use', size: 128, type: 'gp3', iops: 3000, throughput: 125,
      ...(opts.encrypted?.includes(i) ? { encrypted: true, kmsKeyId: KEY_ARN } : {}),
      attachments: [{ instanceId: `i-${i}`, device: '/dev/xvda' }],
    });
  }
  w.install(ec2);
  kms.on(DescribeKeyCommand).resolves({
    KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', KeyManager: 'CUSTOMER' },
  });
  ec2.on(DescribeImagesCommand).resolves({
    Images: [{ ImageId: 'ami-0abc1234', State: 'available', RootDeviceName: '/dev/xvda', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-enc' } }] }],
  });
  ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-enc', State: 'completed', Encrypted: true, KmsKeyId: KEY_ARN, VolumeSize: 64 }] });
}

const SETTINGS: Settings = {
  strategy: 'controller-swap',
  avi: { controller: 'https://avi.example', username: 'admin', tenant: 'admin' },
  aws: { region: REGION },
  kmsKey: 'alias/avi-ebs',
  stateDir: '/tmp/never-written',
  pollIntervalMs: 10_000,
  waitTimeoutMs: 600_000,
  rollback: true,
  runbook: {
    encryptedAmi: 'ami-0abc1234', restoreVia: 'ssh',
    ssh: { key: '/keys/id_ed25519', knownHosts: '/keys/known_hosts', acceptNewHostKey: false, user: 'admin' },
  },
};

const IPS3 = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
const avi3 = () => new FakeAvi(clusterOf(IPS3), [runtimeOf('CLUSTER_UP_HA_ACTIVE', [{ ip: '10.0.0.1', role: 'CLUSTER_LEADER' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }])]);
const plan = (avi: FakeAvi, settings: Settings = SETTINGS, shell = new FakeShell()) =>
  buildPlan(runbook, settings, { reads: { ec2: realGateway(), kms: realGateway(), cluster: avi, cloud: avi, engines: avi, shell, access: avi } }, new AbortController().signal);
const withRunbook = (extra: Record<string, unknown>, drop?: string): Settings => {
  const runbook: Record<string, unknown> = { ...SETTINGS.runbook, ...extra };
  if (drop) delete runbook[drop];
  return { ...SETTINGS, runbook };
};
type Plan = Awaited<ReturnType<typeof plan>>;
const perItem = (p: Plan, id: string) => p.steps.filter((s) => s.id === id).map((s) => [s.item, ...s.calls.map((c) => `${c.operation} ${c.target}`)]);
/** Only reads reached the Controller. */
const aviWrites = (avi: FakeAvi) => avi.calls.filter((c) => !['getCluster', 'getClusterRuntime', 'listClouds', 'probe', 'login'].includes(c));

describe('buildPlan (controller-swap)', () => {
  it('3 nodes: every change, followers first, the gate before the first stop; only reads sent', async () => {
    world(3);
    const avi = avi3();
    const p = await plan(avi);
    expect(p.targets.map((t) => t.key)).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.1']);
    expect(perItem(p, 'create-volumes')).toEqual([[undefined, 'CreateVolume vol-planned-1', 'CreateVolume vol-planned-2', 'CreateVolume vol-planned-3']]);
    expect(perItem(p, 'stop-node')).toEqual([['10.0.0.2', 'StopInstances i-2'], ['10.0.0.3', 'StopInstances i-3'], ['10.0.0.1', 'StopInstances i-1']]);
    expect(perItem(p, 'attach-new-root')[0]).toEqual(['10.0.0.2', 'AttachVolume vol-planned-1']);
    expect(perItem(p, 'keep-delete-on-termination')[0]).toEqual(['10.0.0.2', 'ModifyInstanceAttribute i-2']);
    expect(perItem(p, 'save-cluster-config')[0]).toEqual(['10.0.0.2', `PUT /api/cluster ${CLUSTER_UUID}`]);
    expect(perItem(p, 'tag-old-root')[2]).toEqual(['10.0.0.1', 'CreateTags vol-root-1']);
    const ids = p.steps.map((s) => s.id);
    expect(ids.indexOf('nodes-go-down')).toBeLessThan(ids.indexOf('stop-node'));
    expect(ids.indexOf('nodes-go-down')).toBeGreaterThan(ids.indexOf('create-volumes'));
    expect(p.gates.map((g) => g.gate)).toEqual(['nodes-go-down']);
    expect(ids).not.toContain('export-config');
    expect(ids.filter((id) => id.startsWith('rollback-'))).toEqual([]);
    expect(p.rollback).toEqual([{ block: 'nodes', steps: expect.arrayContaining(['Attach the original root at the same device']) as never }]);
    // A node is down from its stop until its cluster READY.
    expect(p.steps.find((s) => s.id === 'start-node' && s.item === '10.0.0.3')!.down).toEqual(['10.0.0.3']);
    expect(p.steps.find((s) => s.id === 'tag-old-root' && s.item === '10.0.0.3')!.down).toEqual([]);

    expectNoMutations(ec2);
    expect(commandNames(kms)).toEqual(['DescribeKeyCommand']);
    expect(aviWrites(avi)).toEqual([]);
  });

  it('a root that had DeleteOnTermination=false plans no ModifyInstanceAttribute', async () => {
    world(3, { dot: false });
    const p = await plan(avi3());
    expect(perItem(p, 'keep-delete-on-termination')).toEqual([['10.0.0.2'], ['10.0.0.3'], ['10.0.0.1']]);
  });

  it('a node already encrypted with the key is passed over entirely, and not named at the gate', async () => {
    world(3, { encrypted: [3] });
    const p = await plan(avi3());
    expect(p.targets.find((t) => t.key === '10.0.0.3')!.skipped).toBe(true);
    expect(perItem(p, 'create-volumes')[0]).toHaveLength(3);
    expect(p.steps.filter((s) => s.item === '10.0.0.3')).toEqual([]);
    expect(p.gates[0]!.impact).toMatch(/^10\.0\.0\.2, 10\.0\.0\.1 go down/);
    expectNoMutations(ec2);
  });

  it('1 node: backup and the SSH restore recorded, not sent; SSH checked for real; no cluster edit', async () => {
    world(1);
    const avi = new FakeAvi(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [{ ip: '10.0.0.1', role: 'CLUSTER_LEADER' }])]);
    const shell = new FakeShell();
    const p = await plan(avi, SETTINGS, shell);
    expect(perItem(p, 'export-config')).toEqual([[undefined, 'POST /api/configuration/export configuration']]);
    expect(perItem(p, 'restore-config')).toEqual([['10.0.0.1', 'SSH /opt/avi/scripts/restore_config.py admin@10.0.0.1:22']]);
    const call = p.steps.find((s) => s.id === 'restore-config')!.calls[0]!;
    expect(call.detail).toEqual({ upload: '/tmp/avi-encrypt-plan.json', flags: ['--config', '/tmp/avi-encrypt-plan.json', '--flushdb'], passphrase: 'typed at its prompt', then: 'rm -f /tmp/avi-encrypt-plan.json' });
    expect(shell.checks.map((t) => `${t.host}:${t.port}`)).toEqual(['10.0.0.1:22']);
    expect(shell.restores).toEqual([]);
    expect(p.steps.map((s) => s.id)).not.toContain('save-cluster-config');
    expect(p.steps.map((s) => s.id)).not.toContain('ask-node-password');
    expect(avi.exports).toEqual([]);
    expect(avi.imports).toEqual([]);
    expectNoMutations(ec2);
  });

  it('1 node, --restore-via api: the import is recorded instead, and no SSH is touched', async () => {
    world(1);
    const avi = new FakeAvi(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [{ ip: '10.0.0.1', role: 'CLUSTER_LEADER' }])]);
    const shell = new FakeShell();
    const p = await plan(avi, withRunbook({ restoreVia: 'api' }), shell);
    expect(perItem(p, 'restore-config')).toEqual([['10.0.0.1', 'POST /api/configuration/import configuration']]);
    expect(p.steps.map((s) => s.id)).not.toContain('check-ssh');
    expect(shell.checks).toEqual([]);
  });

  it('1 node over SSH without a key is refused in the plan, naming both ways out', async () => {
    world(1);
    const avi = new FakeAvi(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [{ ip: '10.0.0.1', role: 'CLUSTER_LEADER' }])]);
    const settings = withRunbook({ ssh: { knownHosts: '/k', acceptNewHostKey: false, user: 'admin' } });
    await expect(plan(avi, settings)).rejects.toThrow(/set --ssh-key or AVI_ENCRYPT_SSH_KEY .* or pass --restore-via api/);
  });

  it('without --encrypted-ami: the copy is a step (CopyImage with the key, a ClientToken, tags), the volumes come from its snapshot', async () => {
    world(3);
    ec2.on(DescribeImagesCommand).resolves({
      Images: [{
        ImageId: 'ami-0src', Name: 'Avi-Controller-22.1.3-9096', State: 'available', OwnerId: '123456789012', RootDeviceName: '/dev/xvda',
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-src', VolumeSize: 128 } }],
      }],
    });
    const avi = avi3();
    const p = await plan(avi, withRunbook({}, 'encryptedAmi'));
    const ids = p.steps.map((s) => s.id);
    expect(ids).not.toContain('check-encrypted-ami');
    expect(ids.indexOf('copy-ami')).toBeGreaterThan(ids.indexOf('claim-nodes'));
    expect(ids.indexOf('copy-ami')).toBeLessThan(ids.indexOf('create-volumes'));
    const copy = p.steps.find((s) => s.id === 'copy-ami')!;
    expect(copy.doc).toBe('AMI 2');
    expect(copy.calls).toHaveLength(1);
    expect(copy.calls[0]).toMatchObject({
      service: 'ec2', operation: 'CopyImage', target: 'ami-planned-1',
      detail: {
        sourceImageId: 'ami-0src', kmsKeyId: KEY_ARN, encrypted: true, name: 'Avi-Controller-22.1.3-9096-encrypted-plan',
        clientToken: expect.stringMatching(/^avi-encrypt-[0-9a-f]{48}$/) as never,
        tags: { 'avi-encrypt:run-id': 'plan', 'avi-encrypt:role': 'encrypted-ami' },
      },
    });
    expect(ids).toContain('check-ami-copy');
    const volume = p.steps.find((s) => s.id === 'create-volumes')!.calls[0]!;
    expect(volume.detail).toMatchObject({ snapshotId: '<root snapshot of ami-planned-1>', kmsKeyId: KEY_ARN, size: 128 });
    // Only reads reached EC2: the source AMI was read (no copy was sent).
    expectNoMutations(ec2);
  });

  it('with --encrypted-ami no copy is planned', async () => {
    world(3);
    const p = await plan(avi3());
    expect(p.steps.map((s) => s.id)).not.toContain('copy-ami');
    expect(p.steps.map((s) => s.id)).toContain('check-encrypted-ami');
  });

  it('a refused preflight (a Disabled key) fails the plan before anything is recorded or read from EC2', async () => {
    world(3);
    kms.on(DescribeKeyCommand).resolves({
      KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN, KeyState: 'Disabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' },
    });
    const avi = avi3();
    await expect(plan(avi)).rejects.toThrow(/is Disabled/);
    expect(ec2.calls()).toHaveLength(0);
    expect(avi.calls).toEqual([]);
  });
});
