// The encrypted Controller AMI prerequisite over the real AwsGateway and a mocked EC2: which AMI
// is copied, the Marketplace refusal, the copy (adopted on a re-run, copied again after a failed
// one), the wait that names the key when the copy fails, and the check of every snapshot.
import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  CopyImageCommand, DescribeImagesCommand, DescribeInstancesCommand, DescribeSnapshotsCommand, EC2Client, type DescribeImagesCommandInput, type Image,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { clientToken } from '../../src/aws/client-token.js';
import type { ControllerData } from '../../src/steps/controller/context.js';
import { PreflightError, WaitFailedError } from '../../src/steps/errors.js';
import {
  FakeAvi, KEY_ARN, OTHER_KEY_ARN, RUN_ID, awsFailure, changed, clusterOf, dataWith, effectsFor, makeDeps, node, realGateway, rejection,
  runScope, runtimeOf, sdkInstance, signal,
} from './helpers.js';

const ec2 = mockClient(EC2Client);
const ACCOUNT = '111122223333';
const SOURCE = { imageId: 'ami-0src', name: 'Avi-Controller-22.1.3-9096', rootSize: 128 };

const image = (id: string, extra: Partial<Image> = {}): Image => ({
  ImageId: id, Name: SOURCE.name, State: 'available', OwnerId: ACCOUNT, RootDeviceName: '/dev/xvda',
  BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: `snap-${id}`, VolumeSize: 128 } }], ...extra,
});

/** Images by id (a queue per id: each describe takes the head while more than one is left), and those found by tags. */
function images(byId: Record<string, Image[]>, tagged: Image[] = []): void {
  ec2.on(DescribeImagesCommand).callsFake((input: DescribeImagesCommandInput) => {
    if (input.ImageIds) {
      return { Images: input.ImageIds.flatMap((id) => { const q = byId[id]; return q ? [q.length > 1 ? q.shift()! : q[0]!] : []; }) };
    }
    return { Images: tagged };
  });
}

function nodesOn(...amis: string[]): void {
  ec2.on(DescribeInstancesCommand).callsFake((input: { InstanceIds?: string[]; Filters?: Array<{ Name?: string; Values?: string[] }> }) => ({
    Reservations: (input.InstanceIds ?? input.Filters?.find((f) => f.Name === 'instance-id')?.Values ?? []).map((id, i) => ({ OwnerId: ACCOUNT, Instances: [sdkInstance({ id, ip: `10.0.0.${i + 1}`, image: amis[Number(id.slice(-1)) - 1] ?? amis[0]! })] })),
  }));
}

const NODES = [node('10.0.0.1', 'leader', { instanceId: 'i-1' }), node('10.0.0.2', 'follower', { instanceId: 'i-2' })];
const setup = () => {
  const deps = makeDeps(realGateway(), new FakeAvi(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [])]));
  return { deps, effects: effectsFor(deps) };
};
const noAmi = (extra: Partial<ControllerData> = {}) => dataWith({ encryptedAmi: undefined, rootSnapshotId: undefined, rootSnapshotSize: undefined, nodes: NODES, ...extra });

beforeEach(() => {
  ec2.reset();
});

describe('check-source-ami', () => {
  it("takes the AMI the nodes were launched from, with its root size", async () => {
    nodesOn('ami-0src');
    images({ 'ami-0src': [image('ami-0src')] });
    const out = await changed(setup().effects['check-source-ami'].run(runScope(noAmi()), signal()));
    expect(out).toEqual({ sourceAmi: SOURCE });
  });

  it('--source-ami wins over the nodes\' AMI', async () => {
    nodesOn('ami-0src');
    images({ 'ami-0other': [image('ami-0other', { Name: 'Avi-Controller-22.1.3-9096-own' })] });
    const out = await changed(setup().effects['check-source-ami'].run(runScope(noAmi({ sourceAmiId: 'ami-0other' })), signal()));
    expect(out.sourceAmi).toMatchObject({ imageId: 'ami-0other' });
  });

  it('nodes launched from different AMIs need --source-ami', async () => {
    nodesOn('ami-0a', 'ami-0b');
    const e = await rejection(setup().effects['check-source-ami'].run(runScope(noAmi()), signal()));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toMatch(/launched from ami-0a, ami-0b; pass --source-ami/);
  });

  it('a source AMI that cannot be found (another region, deregistered) is refused in one line', async () => {
    nodesOn('ami-0src');
    images({});
    const e = await rejection(setup().effects['check-source-ami'].run(runScope(noAmi({ sourceAmiId: 'ami-0gone' })), signal()));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toBe('source AMI ami-0gone was not found in this region (an AMI belongs to one region); check --source-ami');
  });

  it("another account's Marketplace AMI is refused before any copy, with the way out", async () => {
    nodesOn('ami-0mp');
    images({ 'ami-0mp': [image('ami-0mp', { OwnerId: '679593333241', ImageOwnerAlias: 'aws-marketplace', ProductCodes: [{ ProductCodeId: 'b3avictrl', ProductCodeType: 'marketplace' }] })] });
    const e = await rejection(setup().effects['check-source-ami'].run(runScope(noAmi()), signal()));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toMatch(/^AMI ami-0mp belongs to aws-marketplace and carries product code b3avictrl: AWS refuses to copy .* CreateImage, and pass that AMI with --source-ami/);
    expect(e.message).not.toContain('\n');
  });

  it('an own AMI with product codes (made from a Marketplace instance) may be copied', async () => {
    nodesOn('ami-0src');
    images({ 'ami-0src': [image('ami-0src', { ProductCodes: [{ ProductCodeId: 'b3avictrl', ProductCodeType: 'marketplace' }] })] });
    await expect(setup().effects['check-source-ami'].run(runScope(noAmi()), signal())).resolves.toEqual({ sourceAmi: SOURCE });
  });
});

describe('copy-ami', () => {
  const data = () => noAmi({ sourceAmi: SOURCE });

  it('copies the source with the key, a token of this run and tags, then waits for available', async () => {
    images({ 'ami-0copy': [image('ami-0copy', { State: 'pending' }), image('ami-0copy')] });
    ec2.on(CopyImageCommand).resolves({ ImageId: 'ami-0copy' });
    const { deps, effects } = setup();
    const scope = runScope(data());
    expect(await effects['copy-ami'].run(scope, signal())).toEqual({ encryptedAmi: 'ami-0copy', amiCopied: true });
    expect(ec2).toHaveReceivedCommandTimes(CopyImageCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(CopyImageCommand, {
      SourceImageId: 'ami-0src', Encrypted: true, KmsKeyId: KEY_ARN, ClientToken: clientToken(RUN_ID, 'copy-image:0'),
      Name: `${SOURCE.name}-encrypted-${RUN_ID}`,
    });
    expect(scope.waits.map((w) => w.value)).toEqual(['pending', 'available']);
    expect(deps.clock.sleeps).toHaveLength(1);
  });

  it('a re-run adopts its own tagged copy instead of copying again', async () => {
    const own = image('ami-0mine', { State: 'pending' });
    images({ 'ami-0mine': [image('ami-0mine')] }, [own]);
    const { effects } = setup();
    expect(await effects['copy-ami'].run(runScope(data()), signal())).toEqual({ encryptedAmi: 'ami-0mine', amiCopied: true });
    expect(ec2).not.toHaveReceivedCommand(CopyImageCommand);
    expect(ec2).toHaveReceivedCommandWith(DescribeImagesCommand, { Owners: ['self'] });
  });

  it('after a failed copy, resume copies again with the next token', async () => {
    images({ 'ami-0new': [image('ami-0new')] }, [image('ami-0bad', { State: 'failed' })]);
    ec2.on(CopyImageCommand).resolves({ ImageId: 'ami-0new' });
    await setup().effects['copy-ami'].run(runScope(data()), signal());
    expect(ec2).toHaveReceivedCommandWith(CopyImageCommand, { ClientToken: clientToken(RUN_ID, 'copy-image:1') });
  });

  it('a copy that ends failed (AWS checks the key after CopyImage returns) names the key as the likely cause', async () => {
    images({ 'ami-0copy': [image('ami-0copy', { State: 'pending' }), image('ami-0copy', { State: 'failed', StateReason: { Code: 'Client.InvalidKMSKey.InvalidState', Message: 'The KMS key provided is in an incorrect state' } })] });
    ec2.on(CopyImageCommand).resolves({ ImageId: 'ami-0copy' });
    const e = await rejection(setup().effects['copy-ami'].run(runScope(data()), signal()));
    expect(e).toBeInstanceOf(WaitFailedError);
    expect(e.message).toMatch(new RegExp(`^the encrypted copy ami-0copy of ami-0src ended failed \\(Client\\.InvalidKMSKey\\.InvalidState: .*\\); the likely cause is KMS key ${KEY_ARN.replace(/[/.]/g, '\\$&')}: AWS checks the key only after CopyImage returns`));
    expect(e.message).toContain('avi-encrypt resume');
  });

  it("AWS's billing-product refusal of the copy becomes the one line with the way out", async () => {
    ec2.on(CopyImageCommand).rejects(awsFailure('InvalidRequest', 'Images from AWS Marketplace cannot be copied to another AWS account'));
    images({});
    const e = await rejection(setup().effects['copy-ami'].run(runScope(data()), signal()));
    expect(e.message).toMatch(/^AMI ami-0src was refused by CopyImage \(.*AWS Marketplace.*\): AWS refuses to copy .* --source-ami .* --encrypted-ami/);
  });
});

describe('check-ami-copy', () => {
  const data = () => noAmi({ sourceAmi: SOURCE, encryptedAmi: 'ami-0copy', amiCopied: true });
  const twoSnapshots = image('ami-0copy', {
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-root', VolumeSize: 128 } }, { DeviceName: '/dev/sdb', Ebs: { SnapshotId: 'snap-data', VolumeSize: 8 } }],
  });
  const snapshot = (id: string, kmsKeyId?: string, size = 128) => ({ SnapshotId: id, State: 'completed' as const, Encrypted: !!kmsKeyId, VolumeSize: size, ...(kmsKeyId ? { KmsKeyId: kmsKeyId } : {}) });

  it('every snapshot uses the key: the root one is what the volumes come from', async () => {
    images({ 'ami-0copy': [twoSnapshots] });
    ec2.on(DescribeSnapshotsCommand, { SnapshotIds: ['snap-root'] }).resolves({ Snapshots: [snapshot('snap-root', KEY_ARN)] });
    ec2.on(DescribeSnapshotsCommand, { SnapshotIds: ['snap-data'] }).resolves({ Snapshots: [snapshot('snap-data', KEY_ARN, 8)] });
    expect(await setup().effects['check-ami-copy'].run(runScope(data()), signal())).toEqual({ rootSnapshotId: 'snap-root', rootSnapshotSize: 128 });
  });

  it('a snapshot with another key (or none) fails the check, naming it', async () => {
    images({ 'ami-0copy': [twoSnapshots] });
    ec2.on(DescribeSnapshotsCommand, { SnapshotIds: ['snap-root'] }).resolves({ Snapshots: [snapshot('snap-root', KEY_ARN)] });
    ec2.on(DescribeSnapshotsCommand, { SnapshotIds: ['snap-data'] }).resolves({ Snapshots: [snapshot('snap-data', OTHER_KEY_ARN, 8)] });
    const e = await rejection(setup().effects['check-ami-copy'].run(runScope(data()), signal()));
    expect(e.message).toBe(`AMI ami-0copy is not encrypted with ${KEY_ARN} throughout: snap-data uses ${OTHER_KEY_ARN}`);
  });
});
