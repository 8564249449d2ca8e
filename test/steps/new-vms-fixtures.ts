// Fixtures for the controller-new-vms step tests: the runbook's data after preflight, the scope a
// node step sees, the effects over the real gateway (mocked SDK) and a fake Controller whose PUTs
// can be refused, and a small EC2 answerer for the launch-related Describe* calls.

import {
  DescribeAddressesCommand, DescribeInstancesCommand, type Address, type DescribeAddressesCommandInput, type DescribeInstancesCommandInput, type Instance,
} from '@aws-sdk/client-ec2';
import type { ClusterConfig } from '../../src/avi/types.js';
import type { Effect, Scope } from '../../src/steps/effect.js';
import type { NewVmNode, NewVmsData } from '../../src/steps/new-vms/context.js';
import { newVmSteps } from '../../src/steps/new-vms/index.js';
import { FakeAvi, KEY_ARN, REGION, RUN_ID, T0, makeDeps, realGateway, signal, type AnyStub } from './helpers.js';

export const IPS = ['10.0.1.12', '10.0.1.13', '10.0.1.11'];

export function vmNode(ip: string, role: NewVmNode['role'], extra: Partial<NewVmNode> = {}): NewVmNode {
  const n = ip.split('.').pop();
  return {
    ip, role, instanceId: `i-old-${n}`, subnetId: `subnet-${n}`, availabilityZone: `${REGION}a`, instanceType: 'm5.2xlarge',
    securityGroupIds: ['sg-avi'], iamInstanceProfileArn: 'arn:aws:iam::123456789012:instance-profile/AviController-Refined-Role',
    userTags: { Name: `avi-controller-${n}`, team: 'lb' }, rootVolumeId: `vol-old-${n}`, deleteOnTermination: false, volumeType: 'gp3', size: 128,
    iops: 3000, throughput: 125, elasticIps: [{ allocationId: `eipalloc-${n}`, publicIp: `203.0.113.${n}` }], ...extra,
  };
}

/** controller-new-vms data after preflight: followers first, the leader last. */
export function vmData(extra: Partial<NewVmsData> = {}): NewVmsData {
  return {
    controller: 'https://avi.example', kmsKey: 'alias/avi-ebs', terminateOld: false, keyArn: KEY_ARN, clusterUuid: 'cluster-0c1d2e3f',
    launchImageId: 'ami-nodes', launchRootDevice: '/dev/xvda',
    nodes: [vmNode(IPS[0]!, 'follower'), vmNode(IPS[1]!, 'follower'), vmNode(IPS[2]!, 'leader')], ...extra,
  };
}

export type VmScope = Scope<NewVmsData, NewVmNode> & { waits: Array<{ awaits: string; value: string }> };

export function vmScope(data: NewVmsData, ip: string, deadline = T0 + 600_000): VmScope {
  const item = data.nodes.find((x) => x.ip === ip);
  if (!item) throw new Error(`test setup: no node ${ip}`);
  const waits: VmScope['waits'] = [];
  return { runId: RUN_ID, data, item, key: ip, parents: [], deadline, waits, report: (awaits, value) => void waits.push({ awaits, value }) };
}

/** A fake Controller whose PUT /api/cluster answers from a queue: an Error is thrown, `ok` applies the body. */
export class MembershipAvi extends FakeAvi {
  putAnswers: Array<Error | 'ok'> = ['ok'];

  override async putCluster(cluster: ClusterConfig): Promise<ClusterConfig> {
    this.calls.push('putCluster');
    this.puts.push(structuredClone(cluster));
    const next = this.putAnswers.length > 1 ? this.putAnswers.shift()! : this.putAnswers[0]!;
    if (next instanceof Error) throw next;
    this.cluster = { ...cluster, nodes: cluster.nodes.map(({ password: _p, ...n }) => n) };
    return cluster;
  }
}

export function vmEffects(avi: FakeAvi) {
  const deps = makeDeps(realGateway(), avi);
  return { deps, effects: newVmSteps(deps) };
}

/** Runs a node effect of the table by id. */
export function runVmStep(effects: ReturnType<typeof newVmSteps>, id: keyof ReturnType<typeof newVmSteps>, scope: Scope<NewVmsData, NewVmNode>) {
  return (effects[id] as Effect<NewVmsData, NewVmNode>).run(scope, signal());
}

/** DescribeInstances by id and by tag filters over a list the test keeps; DescribeAddresses by allocation id or instance. */
export function installLaunchWorld(ec2: AnyStub, world: { instances: Instance[]; addresses?: Address[] }): void {
  ec2.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
    const byId = input.InstanceIds ? world.instances.filter((i) => input.InstanceIds!.includes(i.InstanceId!)) : world.instances;
    const tagFilters = (input.Filters ?? []).filter((f) => f.Name?.startsWith('tag:'));
    const found = byId.filter((i) => tagFilters.every((f) => (i.Tags ?? []).some((t) => `tag:${t.Key}` === f.Name && f.Values?.includes(t.Value ?? ''))));
    return { Reservations: found.map((i) => ({ Instances: [i], OwnerId: '123456789012' })) };
  });
  ec2.on(DescribeAddressesCommand).callsFake((input: DescribeAddressesCommandInput) => {
    const all = world.addresses ?? [];
    const ids = input.AllocationIds;
    const inst = input.Filters?.find((f) => f.Name === 'instance-id')?.Values;
    return { Addresses: all.filter((a) => (!ids || ids.includes(a.AllocationId!)) && (!inst || inst.includes(a.InstanceId ?? ''))) };
  });
}

export function sdkVm(id: string, state: string, extra: Partial<Instance> = {}): Instance {
  return {
    InstanceId: id, State: { Name: state as never }, PrivateIpAddress: '10.0.2.44', SubnetId: 'subnet-12', RootDeviceName: '/dev/xvda',
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: `vol-${id}`, DeleteOnTermination: false, Status: 'attached' } }],
    Placement: { AvailabilityZone: `${REGION}a` }, ...extra,
  };
}
