// IAM for the lab's credentials (`lab up --iam-policy`) and DryRun: refusals in each service's
// shape, explicit Deny over Allow, DryRun checking parameters, existence and permission, and a
// start without kms:CreateGrant falling back to stopped with Client.InternalError.

import { describe, it, expect, afterEach } from '@jest/globals';
import {
  CreateVolumeCommand, DescribeInstancesCommand, StartInstancesCommand, StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { parseIamPolicy, type IamPolicy } from '../../src/lab/aws/iam-policy.js';
import { ACCOUNT, REGION, failure, startLab, until, type Lab } from './aws-harness.js';

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

const policy = (...Statement: object[]): IamPolicy => parseIamPolicy(JSON.stringify({ Version: '2012-10-17', Statement }));
const allowAll = { Effect: 'Allow', Action: '*', Resource: '*' };
const USER = `arn:aws:iam::${ACCOUNT}:user/avi-encrypt-lab`;
const UNAUTHORIZED = /^You are not authorized to perform this operation\. Encoded authorization failure message: [A-Za-z0-9_-]{40,}$/;

describe('EC2 under a policy', () => {
  it('refuses an action the policy does not allow with UnauthorizedOperation (403), DryRun or not, and changes nothing', async () => {
    lab = await startLab({ nodes: 1, policy: policy({ Effect: 'Allow', Action: ['ec2:Describe*', 'ec2:CreateVolume'], Resource: '*' }) });
    const id = lab.seed.nodes[0]!.instanceId;
    for (const DryRun of [true, false]) {
      const err = await failure(lab.ec2.send(new StopInstancesCommand({ InstanceIds: [id], DryRun })));
      expect({ name: err.name, status: err.$metadata.httpStatusCode }).toEqual({ name: 'UnauthorizedOperation', status: 403 });
      expect(err.message).toMatch(UNAUTHORIZED);
    }
    expect(lab.world.instances.get(id)!.state).toBe('running');
    // What the policy allows still runs, and DryRun of it answers DryRunOperation.
    expect((await lab.ec2.send(new DescribeInstancesCommand({}))).Reservations).toHaveLength(1);
    const dry = await failure(lab.ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 8, DryRun: true })));
    expect(dry.name).toBe('DryRunOperation');
  });

  it('lets an explicit Deny win over an Allow, and matches Deny statements by resource ARN', async () => {
    lab = await startLab({ nodes: 1, policy: policy(allowAll, { Effect: 'Deny', Action: 'ec2:StopInstances', Resource: 'arn:aws:ec2:*:*:instance/*' }) });
    const denied = await failure(lab.ec2.send(new StopInstancesCommand({ InstanceIds: [lab.seed.nodes[0]!.instanceId] })));
    expect(denied.name).toBe('UnauthorizedOperation');
    await lab.close();
    lab = await startLab({ nodes: 1, policy: policy(allowAll, { Effect: 'Deny', Action: 'EC2:stop*', Resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0000dead` }) });
    const id = lab.seed.nodes[0]!.instanceId;
    await lab.ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    expect(lab.world.instances.get(id)!.state).toBe('stopping');
  });
});

describe('DryRun', () => {
  it('checks parameters and existence before answering DryRunOperation, and changes nothing', async () => {
    lab = await startLab({ nodes: 1 });
    const missing = await failure(lab.ec2.send(new StopInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'], DryRun: true })));
    expect(missing.name).toBe('InvalidInstanceID.NotFound');
    const malformed = await failure(lab.ec2.send(new StopInstancesCommand({ InstanceIds: ['i-nope'], DryRun: true })));
    expect(malformed.name).toBe('InvalidInstanceID.Malformed');
    const badZone = await failure(lab.ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'eu-west-1a', Size: 8, DryRun: true })));
    expect(badZone.name).toBe('InvalidParameterValue');
    const tooSmall = await failure(lab.ec2.send(new CreateVolumeCommand({
      AvailabilityZone: `${REGION}a`, SnapshotId: lab.seed.encryptedSnapshotId, Size: 8, DryRun: true,
    })));
    expect(tooSmall.message).toContain('smaller than snapshot');
    const id = lab.seed.nodes[0]!.instanceId;
    const volumes = lab.world.volumes.size;
    const ok = await failure(lab.ec2.send(new StopInstancesCommand({ InstanceIds: [id], DryRun: true })));
    expect(ok.name).toBe('DryRunOperation');
    expect(lab.world.instances.get(id)!.state).toBe('running');
    expect(lab.world.volumes.size).toBe(volumes);
    const logged = lab.log.list().filter((r) => r.dryRun);
    expect(logged.length).toBeGreaterThanOrEqual(5);
    expect(logged.every((r) => !r.mutating)).toBe(true);
  });
});

describe('KMS under a policy', () => {
  it('answers AccessDeniedException in KMS words, naming the user, action and key ARN', async () => {
    lab = await startLab({ nodes: 1, policy: policy({ Effect: 'Allow', Action: 'kms:List*', Resource: '*' }) });
    expect((await lab.kms.send(new ListKeysCommand({}))).Keys).toHaveLength(2);
    const err = await failure(lab.kms.send(new DescribeKeyCommand({ KeyId: lab.seed.customerKeyAlias })));
    expect({ name: err.name, status: err.$metadata.httpStatusCode, message: err.message }).toEqual({
      name: 'AccessDeniedException', status: 400,
      message: `User: ${USER} is not authorized to perform: kms:DescribeKey on resource: ${lab.seed.customerKeyArn} because no identity-based policy allows the kms:DescribeKey action`,
    });
  });

  it('says "with an explicit deny" when a Deny statement refuses', async () => {
    lab = await startLab({ nodes: 1, policy: policy(allowAll, { Effect: 'Deny', Action: 'kms:DescribeKey', Resource: 'arn:aws:kms:*:*:key/*' }) });
    const err = await failure(lab.kms.send(new DescribeKeyCommand({ KeyId: lab.seed.customerKeyArn })));
    expect(err.message).toBe(`User: ${USER} is not authorized to perform: kms:DescribeKey on resource: ${lab.seed.customerKeyArn} with an explicit deny in an identity-based policy`);
  });
});

describe('StartInstances without kms:CreateGrant', () => {
  async function encryptedRootOn(instanceId: string, keyArn: string): Promise<void> {
    const w = lab!.world;
    w.stopInstance(instanceId);
    await until(() => w.instances.get(instanceId)!.state === 'stopped');
    const old = w.rootVolume(instanceId)!.volumeId;
    w.detachVolume(old, instanceId, '/dev/xvda');
    const vol = w.createVolume({ availabilityZone: w.instances.get(instanceId)!.availabilityZone, snapshotId: lab!.seed.encryptedSnapshotId, encrypted: true, kmsKeyId: keyArn });
    await until(() => w.volumes.get(old)!.state === 'available' && vol.state === 'available');
    w.attachVolume(vol.volumeId, instanceId, '/dev/xvda');
  }

  it('goes pending, then back to stopped with Client.InternalError, as on AWS; the AWS-managed key needs no grant permission', async () => {
    lab = await startLab({ nodes: 3, policy: policy({ Effect: 'Allow', Action: ['ec2:*', 'kms:DescribeKey'], Resource: '*' }) });
    const [n1, n2] = lab.seed.nodes.map((n) => n.instanceId);
    await encryptedRootOn(n1!, lab.seed.customerKeyArn);
    await encryptedRootOn(n2!, lab.seed.awsManagedKeyArn);
    const seen: string[] = [];
    lab.world.events.on('instance', (inst, from) => inst.instanceId === n1 && seen.push(`${from}>${inst.state}`));
    await lab.ec2.send(new StartInstancesCommand({ InstanceIds: [n1!, n2!] }));
    await until(() => seen.length === 2 && lab!.world.instances.get(n2!)!.state === 'running');
    expect(seen).toEqual(['stopped>pending', 'pending>stopped']);
    const inst = (await lab.ec2.send(new DescribeInstancesCommand({ InstanceIds: [n1!] }))).Reservations![0]!.Instances![0]!;
    expect(inst.StateReason).toEqual({ Code: 'Client.InternalError', Message: 'Client.InternalError: Client error on launch' });
  });
});

describe('the policy file', () => {
  it('is refused when it carries what the lab does not model or IAM does not allow', () => {
    const bad: [object, RegExp][] = [
      [{ Version: '2012-10-17', Statement: [{ ...allowAll, Condition: { Bool: { 'aws:SecureTransport': 'true' } } }] }, /Condition is not modelled/],
      [{ Version: '2012-10-17', Statement: [{ ...allowAll, Principal: '*' }] }, /cannot name a Principal/],
      [{ Version: '2012-10-17', Statement: [{ ...allowAll, Effect: 'Maybe' }] }, /Effect must be/],
      [{ Version: '2020-01-01', Statement: [allowAll] }, /Version must be/],
      [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'StopInstances', Resource: '*' }] }, /is not an action/],
      [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:*' }] }, /exactly one of Resource and NotResource/],
    ];
    for (const [doc, message] of bad) expect(() => parseIamPolicy(JSON.stringify(doc))).toThrow(message);
    expect(() => parseIamPolicy('{not json')).toThrow(/not JSON/);
  });
});
