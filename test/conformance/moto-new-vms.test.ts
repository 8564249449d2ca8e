// Conformance: the controller-new-vms runbook itself (its real machine, real effects, our real AWS
// gateway) against moto_server. The Avi side is a fake cluster that follows the instances moto
// reports: a node whose VM is not running is inactive and cannot lead. moto's gaps are noted where
// the fixture works around them (shared reference aws-ec2-kms.md, part B); the runbook needs none.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AllocateAddressCommand, AssociateAddressCommand, DescribeAddressesCommand, DescribeSubnetsCommand, RegisterImageCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { runbook } from '../../runbooks/controller-new-vms.js';
import type { ClusterConfig, ClusterRuntime } from '../../src/avi/types.js';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js';
import { createAwsGateway } from '../../src/aws/gateway.js';
import { TAG, type AwsGateway } from '../../src/aws/types.js';
import { buildRunbook, realSteps } from '../../src/engine/build.js';
import { silentProgress } from '../../src/engine/progress-silent.js';
import { runMachine } from '../../src/engine/run.js';
import type { Settings } from '../../src/runbook/settings.js';
import type { StepDeps } from '../../src/steps/deps.js';
import type { NewVmsData } from '../../src/steps/new-vms/context.js';
import type { NewVmsSettings } from '../../src/steps/new-vms/settings.js';
import { FakeAvi } from '../steps/fake-avi.js';
import { FakeShell } from '../steps/fake-shell.js';
import { startMoto, type Moto } from './moto-harness.js';

const REGION = 'us-east-1';

/** Membership as PUT; the runtime from moto: a listed node is active while its VM runs, the first active one leads. */
class FollowingAvi extends FakeAvi {
  constructor(cluster: ClusterConfig, private readonly gateway: AwsGateway) {
    super(cluster, []);
  }

  override async getClusterRuntime(): Promise<ClusterRuntime> {
    const ips = this.cluster.nodes.map((n) => n.ip.addr);
    const running = new Set((await this.gateway.findInstancesByPrivateIp(ips)).filter((i) => i.state === 'running').map((i) => i.privateIp));
    const leader = ips.find((ip) => running.has(ip));
    return {
      cluster_state: { state: ips.every((ip) => running.has(ip)) ? 'CLUSTER_UP_HA_ACTIVE' : 'CLUSTER_UP_HA_COMPROMISED' },
      node_states: ips.map((ip) => ({ name: ip, mgmt_ip: ip, role: ip === leader ? 'CLUSTER_LEADER' : 'CLUSTER_FOLLOWER', state: running.has(ip) ? 'CLUSTER_ACTIVE' : 'CLUSTER_INACTIVE' })),
    };
  }

  override async putCluster(cluster: ClusterConfig): Promise<ClusterConfig> {
    await super.putCluster(cluster);
    this.cluster = { ...cluster, nodes: cluster.nodes.map(({ password: _p, ...n }) => n) };
    return cluster;
  }
}

describe('controller-new-vms against moto_server (real machine, real effects, real gateway)', () => {
  let moto: Moto;
  let clients: AwsClients;
  let gateway: AwsGateway;
  let keyArn: string;
  const nodes: Array<{ ip: string; instanceId: string; allocationId: string }> = [];

  beforeAll(async () => {
    moto = await startMoto();
    clients = createAwsClients({ region: REGION });
    gateway = createAwsGateway(clients);
    const { ec2, kms } = clients;
    keyArn = (await kms.send(new CreateKeyCommand({ KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT' }))).KeyMetadata!.Arn!;
    // moto gap: RegisterImage ignores RootDeviceName; the AMI roots at /dev/sda1.
    const imageId = (await ec2.send(new RegisterImageCommand({ Name: 'Avi-Controller-22.1.6', RootDeviceName: '/dev/sda1' }))).ImageId!;
    const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }))).Subnets!.slice(0, 3);
    for (const subnet of subnets) {
      const [a, b, c, d] = subnet.CidrBlock!.split('/')[0]!.split('.').map(Number);
      const ip = `${a}.${b}.${c}.${d! + 10}`;
      // moto gap: a root mapping needs VolumeSize or SnapshotId.
      const out = await ec2.send(new RunInstancesCommand({
        ImageId: imageId, MinCount: 1, MaxCount: 1, InstanceType: 'm5.2xlarge', SubnetId: subnet.SubnetId, PrivateIpAddress: ip,
        BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeSize: 16, VolumeType: 'gp3', DeleteOnTermination: true } }],
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: `ctl-${ip}` }] }],
      }));
      const instanceId = out.Instances![0]!.InstanceId!;
      const allocationId = (await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId!;
      await ec2.send(new AssociateAddressCommand({ AllocationId: allocationId, InstanceId: instanceId }));
      nodes.push({ ip, instanceId, allocationId });
    }
  }, 60_000);

  afterAll(async () => {
    clients?.ec2.destroy();
    clients?.kms.destroy();
    await moto?.stop();
  });

  it('runs the whole runbook to done: new VMs encrypted with the key in the cluster, Elastic IPs moved, old VMs stopped', async () => {
    const avi = new FollowingAvi({ uuid: 'cluster-conformance', name: 'cluster-0-1', nodes: nodes.map((n) => ({ name: n.ip, ip: { addr: n.ip, type: 'V4' } })) }, gateway);
    const settings: Settings = {
      strategy: 'controller-new-vms', avi: { controller: 'https://10.0.0.100', username: 'admin', tenant: 'admin' }, aws: { region: REGION },
      kmsKey: keyArn, stateDir: '/nonexistent', pollIntervalMs: 1, waitTimeoutMs: 30_000, rollback: true, runbook: { terminateOld: false },
    };
    // A 3-node cluster never uses the Controller's SSH (the 1-node restore).
    const shell = new FakeShell();
    const deps: StepDeps = {
      reads: { ec2: gateway, kms: gateway, cluster: avi, cloud: avi, engines: avi, shell, access: avi }, writes: { ec2: gateway, cluster: avi, cloud: avi, engines: avi, shell },
      files: { save: async (n) => n, load: async () => '' }, backupPassphrase: async () => 'unused', nodePassword: async () => 'initial',
      pollIntervalMs: 1, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), now: () => Date.now(),
    };
    const built = buildRunbook(runbook, settings);
    const outcome = await runMachine({
      runId: 'run-conformance-new-vms', built, steps: realSteps(runbook, deps), signal: new AbortController().signal,
      timeoutMs: () => 30_000, start: { input: built.initialContext(runbook.initialData(settings as unknown as Settings<NewVmsSettings>)) },
      services: { progress: silentProgress, gate: async () => ({ approved: true, by: 'test' }) },
    });
    expect({ status: outcome.status, failures: outcome.failures }).toEqual({ status: 'done', failures: [] });
    const data = outcome.context.data as NewVmsData;

    const replacements = await gateway.findInstancesByTags({ [TAG.role]: 'controller-replacement', [TAG.runId]: 'run-conformance-new-vms' });
    expect(replacements).toHaveLength(3);
    const addresses = (await clients.ec2.send(new DescribeAddressesCommand({}))).Addresses!;
    for (const n of nodes) {
      const vm = replacements.find((i) => i.tags[TAG.node] === n.ip)!;
      const root = await gateway.describeVolume(vm.blockDevices.find((b) => b.device === vm.rootDeviceName)!.volumeId);
      expect({ state: vm.state, encrypted: root.encrypted, key: root.kmsKeyId, name: vm.tags['Name'] }).toEqual({ state: 'running', encrypted: true, key: keyArn, name: `ctl-${n.ip}` });
      expect(addresses.find((a) => a.AllocationId === n.allocationId)?.InstanceId).toBe(vm.instanceId);
      const old = await gateway.describeInstance(n.instanceId);
      expect({ state: old.state, replacedBy: old.tags[TAG.replacedBy] }).toEqual({ state: 'stopped', replacedBy: vm.instanceId });
    }
    expect(avi.cluster.nodes.map((n) => n.ip.addr).sort()).toEqual(data.nodes.map((n) => n.newIp).sort());
    // One membership PUT per node, the joining node with its initial admin password; the leader (first node) last.
    expect(avi.puts.map((p) => p.nodes.find((x) => x['password'])?.ip.addr)).toEqual(data.nodes.map((n) => n.newIp));
    expect(data.nodes.at(-1)!.ip).toBe(nodes[0]!.ip);
  }, 60_000);
});
