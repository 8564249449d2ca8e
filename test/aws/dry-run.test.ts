// The gateway's dry-run face against the lab, through the real SDK clients: each EC2 write and
// KMS CreateGrant sent with DryRun=true and read back as a verdict; and a plan's read-only
// clients, which let a DryRun through and still refuse every real write before it is sent.

import { afterEach, describe, expect, it } from '@jest/globals';
import { CreateGrantCommand } from '@aws-sdk/client-kms';
import { StopInstancesCommand } from '@aws-sdk/client-ec2';
import { makeReadOnly } from '../../src/aws/clients.js';
import { createEc2DryRun, createKmsDryRun } from '../../src/aws/dry-run.js';
import { parseIamPolicy } from '../../src/lab/aws/iam-policy.js';
import { ACCOUNT, failure, startLab, type Lab } from '../lab/aws-harness.js';

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

const denyStop = parseIamPolicy(JSON.stringify({ Version: '2012-10-17', Statement: [
  { Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'ec2:StopInstances', Resource: '*' },
] }));

describe('Ec2DryRun', () => {
  it('allowed, denied and unproven verdicts, each naming the API action', async () => {
    lab = await startLab({ nodes: 1, policy: denyStop });
    const node = lab.seed.nodes[0]!;
    const dry = createEc2DryRun(lab);
    expect(await dry.startInstance(node.instanceId)).toEqual({ verdict: 'allowed', operation: 'StartInstances' });
    expect(await dry.stopInstance(node.instanceId)).toEqual({ verdict: 'denied', operation: 'StopInstances', message: expect.stringMatching(/^StopInstances failed: UnauthorizedOperation/) });
    // The (Marketplace) root of a running instance cannot be detached: the lab says so before it judges permission.
    const root = lab.world.rootVolume(node.instanceId)!;
    expect(await dry.detachVolume(root.volumeId, node.instanceId, '/dev/xvda')).toEqual({
      verdict: 'unproven', operation: 'DetachVolume', code: 'IncorrectInstanceState', message: expect.stringContaining("is not in the 'stopped' state"),
    });
    expect(await dry.tagResources([], { a: 'b' })).toMatchObject({ verdict: 'unproven', operation: 'CreateTags', code: 'NothingSent' });
    // Nothing changed, and every request the lab saw was a DryRun.
    expect(lab.world.instances.get(node.instanceId)!.state).toBe('running');
    expect(lab.log.list().map((r) => ({ dryRun: r.dryRun, mutating: r.mutating }))).toEqual(
      lab.log.list().map(() => ({ dryRun: true, mutating: false })));
  });
});

describe('Ec2DryRun of the launch writes (controller-new-vms)', () => {
  it('RunInstances, AssociateAddress and TerminateInstances go out as DryRun: judged, nothing launched, moved or terminated', async () => {
    lab = await startLab({ nodes: 1, policy: parseIamPolicy(JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'ec2:TerminateInstances', Resource: '*' },
    ] })) });
    const node = lab.seed.nodes[0]!;
    const eip = lab.seed.elasticIps[0]!;
    const instances = lab.world.instances.size;
    const dry = createEc2DryRun(lab);
    expect(await dry.runInstance({
      imageId: lab.seed.controllerAmiId, instanceType: 'm5.2xlarge', subnetId: node.subnetId, securityGroupIds: [],
      root: { device: '/dev/xvda', kmsKeyId: lab.seed.customerKeyArn, deleteOnTermination: true }, clientToken: 'dry-run-launch', tags: {}, volumeTags: {},
    })).toEqual({ verdict: 'allowed', operation: 'RunInstances' });
    expect(await dry.associateAddress(eip.allocationId, node.instanceId)).toEqual({ verdict: 'allowed', operation: 'AssociateAddress' });
    expect(await dry.terminateInstance(node.instanceId)).toMatchObject({ verdict: 'denied', operation: 'TerminateInstances' });
    expect({ instances: lab.world.instances.size, state: lab.world.instances.get(node.instanceId)!.state }).toEqual({ instances, state: 'running' });
    expect(lab.log.list().map((r) => [r.operation, r.dryRun, r.mutating])).toEqual([
      ['RunInstances', true, false], ['AssociateAddress', true, false], ['TerminateInstances', true, false],
    ]);
  });
});

describe('KmsDryRun', () => {
  it('CreateGrant: allowed for the customer key, denied naming kms:CreateGrant when the policy does not allow it', async () => {
    lab = await startLab({ nodes: 1 });
    const grantee = `arn:aws:iam::${ACCOUNT}:root`;
    expect(await createKmsDryRun(lab).createGrant(lab.seed.customerKeyArn, grantee, ['Decrypt'])).toEqual({ verdict: 'allowed', operation: 'CreateGrant' });
    await lab.close();
    lab = await startLab({ nodes: 1, policy: parseIamPolicy(JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'kms:CreateGrant', Resource: '*' },
    ] })) });
    const denied = await createKmsDryRun(lab).createGrant(lab.seed.customerKeyArn, grantee, ['Decrypt']);
    expect(denied).toEqual({ verdict: 'denied', operation: 'CreateGrant', message: expect.stringContaining('kms:CreateGrant') });
  });
});

describe("a plan's read-only clients", () => {
  it('let a DryRun through and refuse the same request without DryRun before it is sent', async () => {
    lab = await startLab({ nodes: 1 });
    makeReadOnly(lab.ec2);
    makeReadOnly(lab.kms);
    const id = lab.seed.nodes[0]!.instanceId;
    expect((await failure(lab.ec2.send(new StopInstancesCommand({ InstanceIds: [id], DryRun: true })))).name).toBe('DryRunOperation');
    await expect(lab.ec2.send(new StopInstancesCommand({ InstanceIds: [id] }))).rejects.toMatchObject({ name: 'ReadOnlyViolation' });
    await expect(lab.ec2.send(new StopInstancesCommand({ InstanceIds: [id], DryRun: false }))).rejects.toMatchObject({ name: 'ReadOnlyViolation' });
    const grant = { KeyId: lab.seed.customerKeyArn, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:root`, Operations: ['Decrypt' as const] };
    expect((await failure(lab.kms.send(new CreateGrantCommand({ ...grant, DryRun: true })))).name).toBe('DryRunOperationException');
    await expect(lab.kms.send(new CreateGrantCommand(grant))).rejects.toMatchObject({ name: 'ReadOnlyViolation' });
    // Only the two DryRuns reached the lab.
    expect(lab.log.list().map((r) => [r.operation, r.dryRun])).toEqual([['StopInstances', true], ['CreateGrant', true]]);
    expect(lab.world.instances.get(id)!.state).toBe('running');
  });
});
