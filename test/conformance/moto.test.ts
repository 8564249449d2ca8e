// Conformance: the controller-swap runbook itself — its real machine and its real step effects
// over our real AWS gateway — against moto_server, an EC2/KMS implementation we did not write.
// The Avi side is a fake cluster that is always READY (this suite is about our EC2/KMS calls).
// moto's gaps (shared reference aws-ec2-kms.md, part B) are papered over in ONE place, the
// adapter below, each with its reason; nothing else in the run knows it talks to moto.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CopySnapshotCommand, DescribeInstancesCommand, DescribeSubnetsCommand, DescribeVolumesCommand, RegisterImageCommand, RunInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { runbook } from '../../runbooks/controller-swap.js';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js';
import { createAwsGateway } from '../../src/aws/gateway.js';
import { AwsError, TAG, type AwsGateway } from '../../src/aws/types.js';
import { buildRunbook, realSteps } from '../../src/engine/build.js';
import { silentProgress } from '../../src/engine/progress-silent.js';
import { runMachine } from '../../src/engine/run.js';
import type { Settings } from '../../src/runbook/settings.js';
import type { ControllerSettings } from '../../src/steps/controller/settings.js';
import type { ControllerData } from '../../src/steps/controller/context.js';
import type { StepDeps } from '../../src/steps/deps.js';
import { FakeAvi } from '../steps/fake-avi.js';
import { FakeShell } from '../steps/fake-shell.js';
import { startMoto, type Moto } from './moto-harness.js';

const REGION = 'us-east-1';
// moto gap: RegisterImage ignores RootDeviceName, and moto's instances root at /dev/sda1.
const ROOT = '/dev/sda1';
const ALIAS = 'alias/avi-encrypt-conformance';

/**
 * Our gateway over moto, with moto's gaps papered over — and only these:
 * - CopyImage ignores Encrypted/KmsKeyId, so no AMI in moto has an encrypted root snapshot. The
 *   fixture makes the encrypted snapshot with CopySnapshot (which honours KmsKeyId), and this
 *   adapter reports it as the root snapshot of the "encrypted AMI".
 * Everything else (CreateVolume with KmsKeyId, attach, detach, DeleteOnTermination, tags, paging,
 * KMS DescribeKey by ARN and alias) is moto answering our real calls.
 */
function motoAdapter(gateway: AwsGateway, encryptedAmi: string, encryptedSnapshot: string): AwsGateway {
  return {
    ...gateway,
    async describeImage(id) {
      const image = await gateway.describeImage(id);
      return id === encryptedAmi ? { ...image, rootSnapshotId: encryptedSnapshot } : image;
    },
  };
}

interface Fixture {
  keyArn: string;
  encryptedAmi: string;
  encryptedSnapshot: string;
  nodes: Array<{ ip: string; instanceId: string }>;
  vpcId: string;
}

async function seed(clients: AwsClients, gateway: AwsGateway): Promise<Fixture> {
  const { ec2, kms } = clients;
  // moto gap (not in the reference): an omitted KeyUsage comes back empty instead of ENCRYPT_DECRYPT.
  const key = await kms.send(new CreateKeyCommand({ Description: 'avi-encrypt', KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT' }));
  const keyArn = key.KeyMetadata!.Arn!;
  await kms.send(new CreateAliasCommand({ AliasName: ALIAS, TargetKeyId: key.KeyMetadata!.KeyId! }));
  const source = await ec2.send(new RegisterImageCommand({ Name: 'Avi-Controller-22.1.6', RootDeviceName: ROOT }));
  const sourceImage = await gateway.describeImage(source.ImageId!);
  const snap = await ec2.send(new CopySnapshotCommand({ SourceSnapshotId: sourceImage.rootSnapshotId, SourceRegion: REGION, Encrypted: true, KmsKeyId: keyArn }));
  const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }));
  const nodes: Fixture['nodes'] = [];
  for (const [i, subnet] of (subnets.Subnets ?? []).slice(0, 3).entries()) {
    const [a, b, c, d] = subnet.CidrBlock!.split('/')[0]!.split('.').map(Number);
    const ip = `${a}.${b}.${c}.${d! + 10}`;
    const out = await ec2.send(new RunInstancesCommand({
      ImageId: sourceImage.imageId, MinCount: 1, MaxCount: 1, InstanceType: 'm5.2xlarge', SubnetId: subnet.SubnetId, PrivateIpAddress: ip,
      // moto gap: without BDMs moto invents an 8 GiB gp2 root; with BDMs each Ebs needs SnapshotId or VolumeSize.
      BlockDeviceMappings: [
        // A data volume listed before the root, so root selection must go by RootDeviceName.
        { DeviceName: '/dev/sdf', Ebs: { VolumeSize: 1, DeleteOnTermination: false } },
        { DeviceName: ROOT, Ebs: { SnapshotId: sourceImage.rootSnapshotId, VolumeSize: 15, VolumeType: 'gp3', DeleteOnTermination: i !== 1 } },
      ],
    }));
    nodes.push({ ip, instanceId: out.Instances![0]!.InstanceId! });
  }
  return { keyArn, encryptedAmi: (await ec2.send(new RegisterImageCommand({ Name: 'Avi-Controller-kms', RootDeviceName: ROOT }))).ImageId!, encryptedSnapshot: snap.SnapshotId!, nodes, vpcId: subnets.Subnets![0]!.VpcId! };
}

/** A 3-node cluster on the fixture's instances, always READY: the Avi side is not under test here. */
function readyCluster(f: Fixture): FakeAvi {
  const [leader, ...followers] = f.nodes;
  const runtime = {
    cluster_state: { state: 'CLUSTER_UP_HA_ACTIVE' },
    node_states: [leader!, ...followers].map((n, i) => ({ name: n.ip, mgmt_ip: n.ip, role: i === 0 ? 'CLUSTER_LEADER' : 'CLUSTER_FOLLOWER', state: 'CLUSTER_ACTIVE' })),
  };
  return new FakeAvi({ uuid: 'cluster-conformance', name: 'cluster-0-1', virtual_ip: { addr: '10.0.0.100', type: 'V4' }, nodes: f.nodes.map((n) => ({ name: n.ip, ip: { addr: n.ip, type: 'V4' } })) }, [runtime]);
}

async function rootOf(ec2: EC2Client, instanceId: string) {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const inst = out.Reservations![0]!.Instances![0]!;
  const bdm = inst.BlockDeviceMappings!.find((b) => b.DeviceName === inst.RootDeviceName)!;
  const vol = (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [bdm.Ebs!.VolumeId!] }))).Volumes![0]!;
  return { state: inst.State?.Name, volume: vol, deleteOnTermination: bdm.Ebs!.DeleteOnTermination };
}

describe('controller-swap against moto_server (real machine, real effects, real gateway)', () => {
  let moto: Moto;
  let clients: AwsClients;
  let f: Fixture;
  let gateway: AwsGateway;
  let before: Map<string, { volumeId: string; deleteOnTermination: boolean | undefined }>;

  beforeAll(async () => {
    moto = await startMoto();
    clients = createAwsClients({ region: REGION });
    const real = createAwsGateway(clients);
    f = await seed(clients, real);
    gateway = motoAdapter(real, f.encryptedAmi, f.encryptedSnapshot);
    before = new Map();
    for (const n of f.nodes) {
      const r = await rootOf(clients.ec2, n.instanceId);
      before.set(n.instanceId, { volumeId: r.volume.VolumeId!, deleteOnTermination: r.deleteOnTermination });
    }
  }, 60_000);

  afterAll(async () => {
    // Keep-alive sockets would hold Jest open.
    clients?.ec2.destroy();
    clients?.kms.destroy();
    await moto?.stop();
  });

  it('runs the whole runbook to done: every root encrypted with the key, old roots kept and tagged, markers gone', async () => {
    const avi = readyCluster(f);
    const settings: Settings<ControllerSettings> = {
      strategy: 'controller-swap', avi: { controller: 'https://10.0.0.100', username: 'admin', tenant: 'admin' }, aws: { region: REGION },
      kmsKey: ALIAS, stateDir: '/nonexistent', pollIntervalMs: 1, waitTimeoutMs: 30_000, rollback: true,
      runbook: { encryptedAmi: f.encryptedAmi, restoreVia: 'ssh', ssh: { knownHosts: '/nonexistent', acceptNewHostKey: false, user: 'admin' } },
    };
    // A 3-node cluster never uses the Controller's SSH (the 1-node restore).
    const shell = new FakeShell();
    const deps: StepDeps = {
      reads: { ec2: gateway, kms: gateway, cluster: avi, cloud: avi, engines: avi, shell, access: avi }, writes: { ec2: gateway, cluster: avi, cloud: avi, engines: avi, shell },
      files: { save: async (n) => n, load: async () => '' }, backupPassphrase: async () => 'unused', nodePassword: async () => 'initial-admin',
      pollIntervalMs: 1, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), now: () => Date.now(),
    };
    const built = buildRunbook(runbook, settings);
    const outcome = await runMachine({
      runId: 'run-conformance-1', built, steps: realSteps(runbook, deps), signal: new AbortController().signal,
      timeoutMs: () => 30_000, start: { input: built.initialContext(runbook.initialData(settings)) },
      services: { progress: silentProgress, gate: async () => ({ approved: true, by: 'test' }) },
    });
    expect({ status: outcome.status, failures: outcome.failures }).toEqual({ status: 'done', failures: [] });
    const data = outcome.context.data as ControllerData;
    expect(data.keyArn).toBe(f.keyArn);

    for (const n of f.nodes) {
      const now = await rootOf(clients.ec2, n.instanceId);
      const was = before.get(n.instanceId)!;
      expect(now.state).toBe('running');
      expect({ encrypted: now.volume.Encrypted, key: now.volume.KmsKeyId }).toEqual({ encrypted: true, key: f.keyArn });
      expect(now.volume.VolumeId).not.toBe(was.volumeId);
      expect(now.deleteOnTermination).toBe(was.deleteOnTermination);
      const old = (await clients.ec2.send(new DescribeVolumesCommand({ VolumeIds: [was.volumeId] }))).Volumes![0]!;
      expect(old.Tags?.find((t) => t.Key === TAG.replacedBy)?.Value).toBe(now.volume.VolumeId);
      const inst = (await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [n.instanceId] }))).Reservations![0]!.Instances![0]!;
      expect((inst.Tags ?? []).filter((t) => t.Key?.startsWith(TAG.inFlightPrefix))).toEqual([]);
      expect(inst.BlockDeviceMappings!.some((b) => b.DeviceName === '/dev/sdf')).toBe(true);
    }
    // Followers first, the leader (the first fixture node) last.
    expect(avi.puts).toHaveLength(3);
    expect(data.nodes.map((n) => n.ip)).toEqual([...f.nodes.slice(1), f.nodes[0]!].map((n) => n.ip));

    // moto gap: ClientToken is ignored (a repeat would duplicate); a re-run of create-volumes stays
    // idempotent because the step first looks for its own tagged volumes.
    const volumesBefore = (await clients.ec2.send(new DescribeVolumesCommand({}))).Volumes!.length;
    const rerun = await runbook.effects(deps)['create-volumes']!.run(
      { runId: 'run-conformance-1', data, item: data, key: '', parents: [], deadline: Date.now() + 10_000, report: () => undefined },
      new AbortController().signal,
    );
    expect((rerun as Partial<ControllerData>).nodes?.map((n) => n.newVolumeId)).toEqual(data.nodes.map((n) => n.newVolumeId));
    expect((await clients.ec2.send(new DescribeVolumesCommand({}))).Volumes!.length).toBe(volumesBefore);
  }, 60_000);

  it('maps real error responses to AwsError with the operation and AWS\'s code', async () => {
    const volumeError = await gateway.describeVolume('vol-0123456789abcdef0').catch((e: unknown) => e);
    expect(volumeError).toBeInstanceOf(AwsError);
    expect(volumeError).toMatchObject({ code: 'InvalidVolume.NotFound', operation: 'DescribeVolumes' });
    const keyError = await gateway.describeKey('alias/does-not-exist').catch((e: unknown) => e);
    expect(keyError).toMatchObject({ code: 'NotFoundException', operation: 'DescribeKey' });
    // The key by ARN and by alias is the same key (moto gap: KeyManager is always CUSTOMER).
    expect(await gateway.describeKey(ALIAS)).toEqual(await gateway.describeKey(f.keyArn));
  });
});
