// Replays the controller-swap runbook's AWS calls through OUR gateway against a real moto_server
// (moto 5.2.1 on every build machine). Fixtures are built with raw SDK commands; everything under
// test goes through createAwsClients + createAwsGateway exactly as production wires them, with the
// endpoint supplied by AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL_KMS (proving the SDK honours them).
// moto gaps worked around are marked "moto gap" (see shared reference aws-ec2-kms.md, part B).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import {
  CopyImageCommand,
  CopySnapshotCommand,
  DescribeSubnetsCommand,
  RegisterImageCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js';
import { clientToken } from '../../src/aws/client-token.js';
import { createAwsGateway } from '../../src/aws/gateway.js';
import { AwsError, TAG, type AwsGateway, type InstanceInfo, type VolumeInfo } from '../../src/aws/types.js';

const REGION = 'us-east-1';
const ROOT = '/dev/sda1'; // moto gap: RegisterImage ignores RootDeviceName; every moto AMI roots at /dev/sda1.
const ALIAS = 'alias/avi-encrypt-conformance';
const RUN_ID = 'run-conformance-1';
const ENV_KEYS = ['AWS_ENDPOINT_URL_EC2', 'AWS_ENDPOINT_URL_KMS', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];
const ENV_KEYS_CLEARED = ['AWS_SESSION_TOKEN', 'AWS_PROFILE'];

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts moto_server; a missing binary is a hard failure, never a skip. */
async function startMoto(port: number): Promise<ChildProcess> {
  // The fixture registers its own AMI; skipping moto's ~40 default AMIs keeps start-up short.
  const env = { ...process.env, MOTO_EC2_LOAD_DEFAULT_AMIS: 'false' };
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { env, stdio: 'ignore' });
  let exit: Error | undefined;
  child.once('error', (e: NodeJS.ErrnoException) => {
    const missing = 'moto_server is not on PATH: install moto[server] 5.2.1 to run the AWS conformance test';
    exit = e.code === 'ENOENT' ? new Error(missing) : e;
  });
  child.once('exit', (code) => (exit ??= new Error(`moto_server exited early with code ${code}`)));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exit) throw exit;
    try {
      if ((await fetch(`http://127.0.0.1:${port}/moto-api/data.json`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill();
  throw new Error(`moto_server did not answer on 127.0.0.1:${port} within 30s`);
}

describe('AwsGateway against moto_server: controller root-volume swap', () => {
  const savedEnv = Object.fromEntries([...ENV_KEYS, ...ENV_KEYS_CLEARED].map((k) => [k, process.env[k]]));
  let moto: ChildProcess | undefined;
  let clients: AwsClients;
  let gateway: AwsGateway;
  // Fixture facts.
  let keyId: string, keyArn: string, encryptedImageId: string, encryptedSnapshotId: string;
  let controllerIp: string, vpcId: string, subnetId: string, subnetCidr: string, instanceId: string, oldRootId: string;
  // Results carried from one runbook step to the next.
  let instance: InstanceInfo, newVolume: VolumeInfo;
  const tags = { [TAG.runId]: RUN_ID, [TAG.role]: 'new-root', [TAG.node]: '' };

  beforeAll(async () => {
    const port = await freeLoopbackPort();
    moto = await startMoto(port);
    const url = `http://127.0.0.1:${port}`;
    Object.assign(process.env, { AWS_ENDPOINT_URL_EC2: url, AWS_ENDPOINT_URL_KMS: url });
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    // Only the fake env credentials: a developer's session token or profile must never reach moto.
    for (const k of ENV_KEYS_CLEARED) delete process.env[k];
    clients = createAwsClients({ region: REGION });
    gateway = createAwsGateway(clients);
    const { ec2, kms } = clients;

    // moto gap (not in the reference): an omitted KeyUsage comes back empty instead of AWS's default ENCRYPT_DECRYPT.
    const key = await kms.send(
      new CreateKeyCommand({ Description: 'avi-encrypt', KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT' }),
    );
    keyId = key.KeyMetadata?.KeyId ?? '';
    keyArn = key.KeyMetadata?.Arn ?? '';
    await kms.send(new CreateAliasCommand({ AliasName: ALIAS, TargetKeyId: keyId }));

    const source = await ec2.send(new RegisterImageCommand({ Name: 'Avi-Controller-22.1.6', RootDeviceName: ROOT }));
    const sourceImage = await gateway.describeImage(source.ImageId ?? '');
    // moto gap: CopyImage ignores Encrypted/KmsKeyId, so the copy's root snapshot stays unencrypted.
    const copy = await ec2.send(
      new CopyImageCommand({ SourceImageId: sourceImage.imageId, SourceRegion: REGION, Name: 'Avi-Controller-kms',
        Encrypted: true, KmsKeyId: keyArn }),
    );
    encryptedImageId = copy.ImageId ?? '';
    // moto gap: stand in for the encrypted root snapshot AWS's CopyImage would make (CopySnapshot honours KmsKeyId).
    const snap = await ec2.send(
      new CopySnapshotCommand({ SourceSnapshotId: sourceImage.rootSnapshotId, SourceRegion: REGION,
        Encrypted: true, KmsKeyId: keyArn }),
    );
    encryptedSnapshotId = snap.SnapshotId ?? '';

    const subnets = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] },
        { Name: 'availability-zone', Values: [`${REGION}a`] }] }),
    );
    const subnet = subnets.Subnets?.[0];
    vpcId = subnet?.VpcId ?? '';
    subnetId = subnet?.SubnetId ?? '';
    subnetCidr = subnet?.CidrBlock ?? '';
    const [a, b, c, d] = (subnet?.CidrBlock ?? '').split('/')[0]!.split('.').map(Number);
    const ipAt = (offset: number) => `${a}.${b}.${c}.${d! + offset}`;
    controllerIp = ipAt(10);
    tags[TAG.node] = controllerIp;
    const launch = async (ip: string) => {
      const out = await ec2.send(
        new RunInstancesCommand({
          ImageId: sourceImage.imageId, MinCount: 1, MaxCount: 1, InstanceType: 'm5.2xlarge',
          SubnetId: subnet?.SubnetId, PrivateIpAddress: ip,
          // moto gap: without BDMs moto invents an 8 GiB gp2 root; with BDMs each Ebs needs SnapshotId or VolumeSize.
          BlockDeviceMappings: [
            // A data volume listed before the root, so root selection must go by RootDeviceName.
            { DeviceName: '/dev/sdf', Ebs: { VolumeSize: 1, DeleteOnTermination: false } },
            { DeviceName: ROOT, Ebs: { SnapshotId: sourceImage.rootSnapshotId, VolumeSize: 15, VolumeType: 'gp3',
              DeleteOnTermination: true } },
          ],
        }),
      );
      return out.Instances?.[0]?.InstanceId ?? '';
    };
    instanceId = await launch(controllerIp);
    await launch(ipAt(11)); // another instance in the VPC that the IP filter must not return
  });

  afterAll(async () => {
    // Keep-alive sockets would hold Jest open.
    clients?.ec2.destroy();
    clients?.kms.destroy();
    if (moto && moto.exitCode === null) {
      const exited = new Promise((resolve) => moto!.once('exit', resolve));
      moto.kill();
      await exited;
    }
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('preflight: describeKey by ARN and by alias, describeImage, describeSnapshot', async () => {
    const byArn = await gateway.describeKey(keyArn);
    const byAlias = await gateway.describeKey(ALIAS);
    expect(byAlias).toEqual(byArn);
    // moto gap: KeyManager is always CUSTOMER (even for alias/aws/ebs).
    expect(byArn).toEqual({
      keyId,
      arn: keyArn,
      state: 'Enabled',
      spec: 'SYMMETRIC_DEFAULT',
      usage: 'ENCRYPT_DECRYPT',
      manager: 'CUSTOMER',
    });

    const image = await gateway.describeImage(encryptedImageId);
    expect(image).toMatchObject({ imageId: encryptedImageId, state: 'available', rootDeviceName: ROOT });
    expect(image.rootSnapshotId).toMatch(/^snap-/);

    const snapshot = await gateway.describeSnapshot(encryptedSnapshotId);
    expect(snapshot).toEqual({
      snapshotId: encryptedSnapshotId,
      state: 'completed',
      encrypted: true,
      kmsKeyId: keyArn,
      volumeSize: 15,
    });
  });

  it('discovery: finds the controller by private IP in its VPC and picks the root, not the data volume', async () => {
    const found = await gateway.findInstancesByPrivateIp([controllerIp, '10.254.254.254'], vpcId);
    expect(found.map((i) => i.instanceId)).toEqual([instanceId]);
    instance = found[0]!;
    expect(instance).toMatchObject({
      state: 'running',
      privateIp: controllerIp,
      vpcId,
      availabilityZone: `${REGION}a`,
      rootDeviceName: ROOT,
    });
    expect(instance.blockDevices.map((b) => b.device).sort()).toEqual(['/dev/sda1', '/dev/sdf']);
    const root = instance.blockDevices.find((b) => b.device === instance.rootDeviceName)!;
    expect(root.deleteOnTermination).toBe(true);
    oldRootId = root.volumeId;
    expect(await gateway.findInstancesByPrivateIp([controllerIp], 'vpc-00000000')).toEqual([]);
  });

  it('SE capacity: the free addresses of a management subnet', async () => {
    const [found] = await gateway.describeSubnets([subnetId]);
    expect(found).toMatchObject({ subnetId, cidr: subnetCidr, availabilityZone: `${REGION}a` });
    expect(found!.availableIps).toBeGreaterThan(0);
    expect(await gateway.describeSubnets([])).toEqual([]);
  });

  it('creates the encrypted volume once: tag lookup, CreateVolume with token and tags, lookup again', async () => {
    const oldRoot = await gateway.describeVolume(oldRootId);
    expect(oldRoot).toMatchObject({
      encrypted: false,
      volumeType: 'gp3',
      attachments: [{ instanceId, device: ROOT, state: 'attached' }],
    });
    expect(await gateway.findVolumesByTags(tags)).toEqual([]);

    // moto gap: ClientToken is accepted but ignored (a repeat would create a second volume); the
    // step's findVolumesByTags lookup above is what really makes a resumed step idempotent.
    newVolume = await gateway.createVolume({
      snapshotId: encryptedSnapshotId,
      availabilityZone: instance.availabilityZone,
      kmsKeyId: keyArn,
      volumeType: oldRoot.volumeType,
      iops: oldRoot.iops,
      throughput: oldRoot.throughput,
      clientToken: clientToken(RUN_ID, 'create-root-volume'),
      tags,
    });
    expect(newVolume).toMatchObject({
      encrypted: true,
      kmsKeyId: keyArn,
      availabilityZone: `${REGION}a`,
      size: 15,
      volumeType: 'gp3',
      snapshotId: encryptedSnapshotId,
    });

    const again = await gateway.findVolumesByTags(tags);
    expect(again.map((v) => v.volumeId)).toEqual([newVolume.volumeId]);
    expect(again[0]?.tags).toEqual(tags);
    // moto gap: volumes are 'available' at once (AWS passes through 'creating').
    expect((await gateway.describeVolume(newVolume.volumeId)).state).toBe('available');
  });

  it('swaps the root while stopped and restores DeleteOnTermination', async () => {
    await gateway.stopInstance(instanceId);
    // moto gap: no transitional states; AWS needs polling until 'stopped'.
    expect((await gateway.describeInstance(instanceId)).state).toBe('stopped');

    // moto gap: moto would also detach a running root; AWS refuses, hence the stop above.
    await gateway.detachVolume(oldRootId, instanceId, ROOT);
    await gateway.attachVolume(newVolume.volumeId, instanceId, ROOT);
    await gateway.setDeleteOnTermination(instanceId, ROOT, true);
    await gateway.startInstance(instanceId);

    const after = await gateway.describeInstance(instanceId);
    expect(after.state).toBe('running');
    const root = after.blockDevices.find((b) => b.device === ROOT);
    expect(root).toMatchObject({ volumeId: newVolume.volumeId, deleteOnTermination: true });
    expect(after.blockDevices.find((b) => b.device === '/dev/sdf')).toBeDefined();
  });

  it('marks the old root and shows the final encrypted, attached root', async () => {
    await gateway.tagResources([oldRootId], { [TAG.replacedBy]: newVolume.volumeId });
    const oldRoot = await gateway.describeVolume(oldRootId);
    expect(oldRoot).toMatchObject({ state: 'available', attachments: [], encrypted: false });
    expect(oldRoot.tags[TAG.replacedBy]).toBe(newVolume.volumeId);

    const final = await gateway.describeVolume(newVolume.volumeId);
    expect(final).toMatchObject({ state: 'in-use', encrypted: true, kmsKeyId: keyArn });
    // moto gap: the volume's attachment never reports DeleteOnTermination (the instance BDM does, checked above).
    expect(final.attachments).toEqual([expect.objectContaining({ instanceId, device: ROOT, state: 'attached' })]);
  });

  it('maps real error responses to AwsError', async () => {
    const volumeError = await gateway.describeVolume('vol-0123456789abcdef0').catch((e: unknown) => e);
    expect(volumeError).toBeInstanceOf(AwsError);
    expect(volumeError).toMatchObject({ code: 'InvalidVolume.NotFound', operation: 'DescribeVolumes' });
    const keyError = await gateway.describeKey('alias/does-not-exist').catch((e: unknown) => e);
    expect(keyError).toMatchObject({ code: 'NotFoundException', operation: 'DescribeKey' });
  });
});
