// launch-replacement over the real gateway (mocked EC2): the new VM is launched like the old one
// with an encrypted root, adopted by its tags on a re-run, launched anew (next token) after its
// predecessor was terminated, and refused when it ends terminated or runs on a root not under the key.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { DescribeVolumesCommand, EC2Client, RunInstancesCommand, StartInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { clientToken } from '../../src/aws/client-token.js';
import { TAG } from '../../src/aws/types.js';
import { WaitFailedError } from '../../src/steps/errors.js';
import { FakeAvi, KEY_ARN, OTHER_KEY_ARN, RUN_ID, awsFailure, clusterOf, rejection, runtimeOf, sdkVolume } from './helpers.js';
import { IPS, installLaunchWorld, runVmStep, sdkVm, vmData, vmEffects, vmScope } from './new-vms-fixtures.js';

const ec2 = mockClient(EC2Client);
const NODE = IPS[0]!;
const mineTags = [{ Key: TAG.runId, Value: RUN_ID }, { Key: TAG.role, Value: 'controller-replacement' }, { Key: TAG.node, Value: NODE }];

let instances: Instance[];
beforeEach(() => {
  ec2.reset();
  instances = [];
  installLaunchWorld(ec2, { instances });
  ec2.on(DescribeVolumesCommand).callsFake((input: { VolumeIds?: string[] }) => ({
    Volumes: (input.VolumeIds ?? []).map((id) => sdkVolume({ id, state: 'in-use', encrypted: true, kmsKeyId: KEY_ARN })),
  }));
});

/** RunInstances answers with a pending VM that runs at the next look. */
function launches(): void {
  let n = 0;
  ec2.on(RunInstancesCommand).callsFake((input: { TagSpecifications?: Array<{ Tags?: Instance['Tags'] }> }) => {
    const vm = sdkVm(`i-new-${++n}`, 'running', { Tags: input.TagSpecifications?.[0]?.Tags ?? [] });
    instances.push(vm);
    return { Instances: [{ ...vm, State: { Name: 'pending' } }], OwnerId: '123456789012' };
  });
}

const run = () => {
  const { effects } = vmEffects(new FakeAvi(clusterOf(IPS), [runtimeOf('CLUSTER_UP_HA_ACTIVE', [])]));
  return runVmStep(effects, 'launch-replacement', vmScope(vmData(), NODE));
};

describe('launch-replacement', () => {
  it('launches one VM like the old one: subnet, groups, type, profile, user tags, encrypted root, a ClientToken of run and node', async () => {
    launches();
    expect(await run()).toEqual({ newInstanceId: 'i-new-1', newIp: '10.0.2.44' });
    expect(ec2).toHaveReceivedCommandTimes(RunInstancesCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(RunInstancesCommand, {
      ImageId: 'ami-nodes', InstanceType: 'm5.2xlarge', MinCount: 1, MaxCount: 1, SubnetId: 'subnet-12', SecurityGroupIds: ['sg-avi'],
      IamInstanceProfile: { Arn: 'arn:aws:iam::123456789012:instance-profile/AviController-Refined-Role' },
      BlockDeviceMappings: [{
        DeviceName: '/dev/xvda',
        Ebs: { Encrypted: true, KmsKeyId: KEY_ARN, DeleteOnTermination: false, VolumeType: 'gp3', VolumeSize: 128, Iops: 3000, Throughput: 125 },
      }],
      ClientToken: clientToken(RUN_ID, `launch:${NODE}:0`),
      TagSpecifications: [
        { ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'avi-controller-12' }, { Key: 'team', Value: 'lb' }, ...mineTags, { Key: TAG.replaces, Value: 'i-old-12' }] },
        { ResourceType: 'volume', Tags: [{ Key: TAG.runId, Value: RUN_ID }, { Key: TAG.role, Value: 'replacement-root' }, { Key: TAG.node, Value: NODE }] },
      ],
    });
  });

  it('adopts this run’s live VM for the node: no second launch', async () => {
    launches();
    instances.push(sdkVm('i-mine', 'running', { Tags: mineTags }));
    expect(await run()).toEqual({ newInstanceId: 'i-mine', newIp: '10.0.2.44' });
    expect(ec2).not.toHaveReceivedCommand(RunInstancesCommand);
  });

  it('a stopped VM of this run is started again, not replaced', async () => {
    launches();
    instances.push(sdkVm('i-mine', 'stopped', { Tags: mineTags }));
    ec2.on(StartInstancesCommand).callsFake(() => {
      instances[0]!.State = { Name: 'running' };
      return {};
    });
    expect(await run()).toMatchObject({ newInstanceId: 'i-mine' });
    expect(ec2).toHaveReceivedCommandWith(StartInstancesCommand, { InstanceIds: ['i-mine'] });
    expect(ec2).not.toHaveReceivedCommand(RunInstancesCommand);
  });

  it('after a terminated VM (a rollback), launches with the next token; a token of a terminated launch is skipped', async () => {
    launches();
    instances.push(sdkVm('i-rolled-back', 'terminated', { Tags: mineTags }));
    ec2.on(RunInstancesCommand, { ClientToken: clientToken(RUN_ID, `launch:${NODE}:1`) })
      .rejects(awsFailure('IdempotentInstanceTerminated', 'The client token you have provided is associated with a terminated instance'));
    const out = await run();
    expect(out).toMatchObject({ newInstanceId: 'i-new-1' });
    const tokens = ec2.commandCalls(RunInstancesCommand).map((c) => c.args[0].input.ClientToken);
    expect(tokens).toEqual([clientToken(RUN_ID, `launch:${NODE}:1`), clientToken(RUN_ID, `launch:${NODE}:2`)]);
  });

  it('a VM that ends terminated (unusable key) fails the step naming the key and the reason', async () => {
    ec2.on(RunInstancesCommand).callsFake(() => {
      instances.push(sdkVm('i-dead', 'terminated', { Tags: mineTags, StateReason: { Code: 'Client.InternalError', Message: 'Client.InternalError: Client error on launch' } }));
      return { Instances: [{ ...instances[0]!, State: { Name: 'pending' } }] };
    });
    const e = await rejection(run());
    expect(e).toBeInstanceOf(WaitFailedError);
    expect(e.message).toContain('ended terminated (Client.InternalError');
    expect(e.message).toContain(KEY_ARN);
  });

  it('a VM whose root is not encrypted with the key is refused', async () => {
    launches();
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [sdkVolume({ id: 'vol-i-new-1', state: 'in-use', encrypted: true, kmsKeyId: OTHER_KEY_ARN })] });
    const e = await rejection(run());
    expect(e).toBeInstanceOf(WaitFailedError);
    expect(e.message).toContain(`not encrypted with ${KEY_ARN}`);
  });
});
