// discover-nodes over the real gateway (mocked EC2) and a fake Controller.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { DescribeInstancesCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { PreflightError } from '../../src/steps/errors.js';
import {
  CLUSTER_UUID, Ec2World, FakeAvi, KEY_ARN, OTHER_KEY_ARN, REGION, changed, clusterOf, dataWith, effectsFor, expectNoMutations, makeDeps,
  realGateway, rejection, runScope, runtimeOf, signal,
} from './helpers.js';

const ec2 = mockClient(EC2Client);

beforeEach(() => {
  ec2.reset();
});

const IPS = ['10.0.0.11', '10.0.0.12', '10.0.0.13'];

/** Three controllers; .11 is the leader and is listed first by the Controller. */
function threeNodeWorld(): Ec2World {
  const w = new Ec2World();
  IPS.forEach((ip, i) => {
    const id = `i-${i + 1}`;
    w.instance({ id, ip, az: `${REGION}${'abc'[i]}`, devices: [{ device: '/dev/xvda', volumeId: `vol-root-${i + 1}`, deleteOnTermination: i !== 1 }] });
    w.volume({ id: `vol-root-${i + 1}`, state: 'in-use', size: 128, type: 'gp3', iops: 3000 + i, throughput: 125 + i, attachments: [{ instanceId: id, device: '/dev/xvda' }] });
  });
  return w;
}

const readyRuntime = () =>
  runtimeOf('CLUSTER_UP_HA_ACTIVE', [
    { ip: '10.0.0.11', role: 'CLUSTER_LEADER' },
    { ip: '10.0.0.12', role: 'CLUSTER_FOLLOWER' },
    { ip: '10.0.0.13', role: 'CLUSTER_FOLLOWER' },
  ]);

function run(world: Ec2World, avi: FakeAvi, data = dataWith()) {
  world.install(ec2);
  return changed(effectsFor(makeDeps(realGateway(), avi))['discover-nodes'].run(runScope(data), signal()));
}

describe('discover-nodes', () => {
  it('maps each node to its instance by private IP, records what the swap keeps, followers first and the leader last', async () => {
    const out = await run(threeNodeWorld(), new FakeAvi(clusterOf(IPS), [readyRuntime()]));
    expect(out.clusterUuid).toBe(CLUSTER_UUID);
    expect(out.nodes).toEqual([
      {
        ip: '10.0.0.12', role: 'follower', instanceId: 'i-2', availabilityZone: `${REGION}b`, rootDevice: '/dev/xvda',
        oldVolumeId: 'vol-root-2', deleteOnTermination: false, volumeType: 'gp3', size: 128, iops: 3001, throughput: 126,
      },
      {
        ip: '10.0.0.13', role: 'follower', instanceId: 'i-3', availabilityZone: `${REGION}c`, rootDevice: '/dev/xvda',
        oldVolumeId: 'vol-root-3', deleteOnTermination: true, volumeType: 'gp3', size: 128, iops: 3002, throughput: 127,
      },
      {
        ip: '10.0.0.11', role: 'leader', instanceId: 'i-1', availabilityZone: `${REGION}a`, rootDevice: '/dev/xvda',
        oldVolumeId: 'vol-root-1', deleteOnTermination: true, volumeType: 'gp3', size: 128, iops: 3000, throughput: 125,
      },
    ]);
    // One lookup by IP for all nodes (not terminated), then each root volume by id.
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, {
      Filters: [
        { Name: 'private-ip-address', Values: IPS },
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] },
      ],
    });
    for (const v of ['vol-root-1', 'vol-root-2', 'vol-root-3']) expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, { VolumeIds: [v] });
    expectNoMutations(ec2);
  });

  it('refuses a 3-node cluster whose runtime names no single leader, before any EC2 call', async () => {
    const noLeader = runtimeOf('CLUSTER_UP_HA_ACTIVE', IPS.map((ip) => ({ ip, role: 'CLUSTER_FOLLOWER' })));
    const e = await rejection(run(threeNodeWorld(), new FakeAvi(clusterOf(IPS), [noLeader])));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toMatch(/names 0 leaders/);
    expect(ec2.calls()).toHaveLength(0);
  });

  it("refuses a 3-node cluster reached through a node's own address: the leader's swap would cut the run off", async () => {
    const data = dataWith({ controller: 'https://10.0.0.11' });
    const e = await rejection(run(threeNodeWorld(), new FakeAvi(clusterOf(IPS), [readyRuntime()]), data));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toMatch(/node's own address; point it at the cluster VIP/);
    expect(ec2.calls()).toHaveLength(0);
  });

  it('takes the root by RootDeviceName when a data volume is listed first', async () => {
    const w = new Ec2World()
      .instance({
        id: 'i-1', ip: '10.0.0.11', rootDevice: '/dev/sda1',
        devices: [
          { device: '/dev/sdf', volumeId: 'vol-data', deleteOnTermination: true },
          { device: '/dev/sda1', volumeId: 'vol-root', deleteOnTermination: false },
        ],
      })
      .volume({ id: 'vol-data', state: 'in-use', size: 500, type: 'st1' })
      .volume({ id: 'vol-root', state: 'in-use', size: 64, type: 'gp2', iops: 192 });
    const out = await run(w, new FakeAvi(clusterOf(['10.0.0.11']), [runtimeOf('CLUSTER_UP_NO_HA', [{ ip: '10.0.0.11', role: 'CLUSTER_LEADER' }])]));
    expect(out.nodes).toEqual([
      {
        ip: '10.0.0.11', role: 'leader', instanceId: 'i-1', availabilityZone: `${REGION}a`, rootDevice: '/dev/sda1',
        oldVolumeId: 'vol-root', deleteOnTermination: false, volumeType: 'gp2', size: 64, iops: 192,
      },
    ]);
    expect(ec2).not.toHaveReceivedCommandWith(DescribeVolumesCommand, { VolumeIds: ['vol-data'] });
  });

  it('marks a node whose root is already encrypted with the key, and only that one', async () => {
    const w = threeNodeWorld()
      .volume({ id: 'vol-root-2', state: 'in-use', encrypted: true, kmsKeyId: KEY_ARN, size: 128, type: 'gp3', attachments: [{ instanceId: 'i-2', device: '/dev/xvda' }] })
      .volume({ id: 'vol-root-3', state: 'in-use', encrypted: true, kmsKeyId: OTHER_KEY_ARN, size: 128, type: 'gp3', attachments: [{ instanceId: 'i-3', device: '/dev/xvda' }] });
    const out = await run(w, new FakeAvi(clusterOf(IPS), [readyRuntime()]));
    const byIp = Object.fromEntries(out.nodes!.map((n) => [n.ip, n]));
    expect(byIp['10.0.0.12']!.alreadyEncrypted).toBe(true);
    // Encrypted, but with another key: still to be migrated.
    expect(byIp['10.0.0.13']!.alreadyEncrypted).toBeUndefined();
    expect(byIp['10.0.0.11']!.alreadyEncrypted).toBeUndefined();
  });

  it('refuses a cluster that is not READY, before looking at EC2', async () => {
    const avi = new FakeAvi(clusterOf(IPS), [runtimeOf('CLUSTER_UP_HA_NOT_READY', [{ ip: '10.0.0.11', role: 'CLUSTER_LEADER' }])]);
    const e = await rejection(run(threeNodeWorld(), avi));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toContain('CLUSTER_UP_HA_NOT_READY, not CLUSTER_UP_HA_ACTIVE');
    expect(ec2.calls()).toHaveLength(0);
  });

  it('a 1-node cluster must be CLUSTER_UP_NO_HA', async () => {
    const w = new Ec2World().instance({ id: 'i-1', ip: '10.0.0.11' }).volume({ id: 'vol-i-1', state: 'in-use' });
    const e = await rejection(run(w, new FakeAvi(clusterOf(['10.0.0.11']), [runtimeOf('CLUSTER_STARTING_UP', [])])));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toContain('not CLUSTER_UP_NO_HA');
  });

  it('refuses when a node IP has no instance, naming the IP', async () => {
    const w = threeNodeWorld();
    w.instances.delete('i-3');
    const e = await rejection(run(w, new FakeAvi(clusterOf(IPS), [readyRuntime()])));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toContain('cluster node 10.0.0.13 has no EC2 instance');
    expect(ec2).not.toHaveReceivedCommand(DescribeVolumesCommand);
  });

  it.each([[['10.0.0.11', '10.0.0.12']], [['10.0.0.11', '10.0.0.12', '10.0.0.13', '10.0.0.14']]])(
    'refuses a cluster of %j nodes',
    async (ips) => {
      const e = await rejection(run(threeNodeWorld(), new FakeAvi(clusterOf(ips), [readyRuntime()])));
      expect(e).toBeInstanceOf(PreflightError);
      expect(e.message).toContain(`has ${ips.length} nodes`);
      expect(ec2.calls()).toHaveLength(0);
    },
  );

  it('the same IP in two VPCs: asks again within the cloud VPC', async () => {
    const w = threeNodeWorld().instance({ id: 'i-elsewhere', ip: '10.0.0.12', vpc: 'vpc-other' });
    const avi = new FakeAvi(clusterOf(IPS), [readyRuntime()]);
    avi.clouds = [{ uuid: 'c1', name: 'Default-Cloud', vtype: 'CLOUD_AWS', aws_configuration: { vpc_id: 'vpc-1' } }];
    const out = await run(w, avi);
    expect(out.nodes!.find((n) => n.ip === '10.0.0.12')!.instanceId).toBe('i-2');
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 2);
    expect(ec2).toHaveReceivedNthSpecificCommandWith(2, DescribeInstancesCommand, {
      Filters: expect.arrayContaining([{ Name: 'vpc-id', Values: ['vpc-1'] }]) as never,
    });
  });

  it('the same IP twice with no cloud VPC to tell them apart is refused', async () => {
    const w = threeNodeWorld().instance({ id: 'i-elsewhere', ip: '10.0.0.12', vpc: 'vpc-other' });
    const e = await rejection(run(w, new FakeAvi(clusterOf(IPS), [readyRuntime()])));
    expect(e).toBeInstanceOf(PreflightError);
    expect(e.message).toContain('10.0.0.12 matches 2 instances');
  });
});
