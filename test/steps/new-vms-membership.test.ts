// Membership, one node at a time, against a fake Controller: the swap is one PUT (old out, new in
// with its initial admin password) unless the cluster already lists it; a joining Controller the
// leader cannot reach yet is asked again, any other refusal is final; the old node is stopped only
// when it leads; the waits end on another leader / cluster READY with the new node.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { EC2Client, StopInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AviError } from '../../src/avi/types.js';
import { WaitTimeoutError } from '../../src/steps/errors.js';
import { T0, clusterOf, rejection, runtimeOf } from './helpers.js';
import { IPS, MembershipAvi, installLaunchWorld, runVmStep, sdkVm, vmData, vmEffects, vmScope } from './new-vms-fixtures.js';

const ec2 = mockClient(EC2Client);
const [F1, F2, LEADER] = IPS as [string, string, string];
const NEW = '10.0.2.44';
const data = () => vmData({ nodes: vmData().nodes.map((n) => ({ ...n, newInstanceId: `i-new-${n.ip}`, newIp: n.ip === F1 ? NEW : `${n.ip}0` })) });
const roles = (leader: string, state = 'CLUSTER_ACTIVE') => (ip: string) => ({ ip, role: ip === leader ? 'CLUSTER_LEADER' as const : 'CLUSTER_FOLLOWER' as const, state });
const refused = (why: string) => new AviError(400, `Avi Controller https://avi.example rejected PUT /api/cluster: HTTP 400: Cluster configuration failed. Unable to add node ${NEW}: ${why}`, 'http', 'PUT /api/cluster');

let instances: Instance[];
beforeEach(() => {
  ec2.reset();
  instances = IPS.map((ip) => sdkVm(`i-old-${ip.split('.').pop()}`, 'running', { PrivateIpAddress: ip }));
  installLaunchWorld(ec2, { instances });
});

describe('swap-membership', () => {
  it('one PUT: the old node replaced in place by the new one with its initial admin password, the others untouched', async () => {
    const avi = new MembershipAvi(clusterOf([LEADER, F1, F2]), [runtimeOf('CLUSTER_UP_HA_ACTIVE', [])]);
    const { effects } = vmEffects(avi);
    expect(await runVmStep(effects, 'swap-membership', vmScope(data(), F1))).toEqual({ joined: true });
    expect(avi.puts).toHaveLength(1);
    expect(avi.puts[0]!.nodes).toEqual([
      { name: LEADER, ip: { addr: LEADER, type: 'V4' } },
      { name: NEW, ip: { addr: NEW, type: 'V4' }, password: 'initial-admin-password' },
      { name: F2, ip: { addr: F2, type: 'V4' } },
    ]);
    expect(avi.puts[0]!.uuid).toBe('cluster-0c1d2e3f');
  });

  it('a cluster that already lists the new node in place of the old one is not changed again', async () => {
    const avi = new MembershipAvi(clusterOf([LEADER, NEW, F2]), [runtimeOf('CLUSTER_UP_HA_ACTIVE', [])]);
    const { effects } = vmEffects(avi);
    expect(await runVmStep(effects, 'swap-membership', vmScope(data(), F1))).toEqual({ joined: true });
    expect(avi.puts).toHaveLength(0);
  });

  it('a joining Controller the leader cannot reach yet is asked again until accepted; the API re-forming too', async () => {
    const avi = new MembershipAvi(clusterOf([LEADER, F1, F2]), [runtimeOf('CLUSTER_UP_HA_ACTIVE', [])]);
    avi.putAnswers = [refused('the node is not reachable (no Controller answers at this IP)'), new AviError(503, 'not ready', 'unreachable'), 'ok'];
    const { effects, deps } = vmEffects(avi);
    const scope = vmScope(data(), F1);
    await runVmStep(effects, 'swap-membership', scope);
    expect(avi.puts).toHaveLength(3);
    expect(scope.waits.map((w) => w.value)).toEqual([`the leader cannot reach ${NEW} yet`, 'API unavailable (not ready)', 'accepted']);
    expect(deps.clock.sleeps).toHaveLength(2);
  });

  it('any other refusal is final at once, with the Controller’s words', async () => {
    const avi = new MembershipAvi(clusterOf([LEADER, F1, F2]), [runtimeOf('CLUSTER_UP_HA_ACTIVE', [])]);
    avi.putAnswers = [refused("the node runs 21.1.4; followers must run the leader's base+patch version 22.1.3")];
    const { effects } = vmEffects(avi);
    const e = await rejection(runVmStep(effects, 'swap-membership', vmScope(data(), F1)));
    expect(e.message).toContain('runs 21.1.4');
    expect(avi.puts).toHaveLength(1);
  });

  it('a Controller that never becomes reachable runs into the deadline', async () => {
    const avi = new MembershipAvi(clusterOf([LEADER, F1, F2]), [runtimeOf('CLUSTER_UP_HA_ACTIVE', [])]);
    avi.putAnswers = [refused('the node is not reachable')];
    const { effects } = vmEffects(avi);
    const e = await rejection(runVmStep(effects, 'swap-membership', vmScope(data(), F1, T0 + 60_000)));
    expect(e).toBeInstanceOf(WaitTimeoutError);
    expect(e.message).toContain(`the leader cannot reach ${NEW} yet`);
  });
});

describe('stop-if-leader and leader-handed-over', () => {
  it('stops the old VM only of the node that leads now', async () => {
    const avi = new MembershipAvi(clusterOf(IPS), [runtimeOf('CLUSTER_UP_HA_ACTIVE', IPS.map(roles(LEADER)))]);
    const { effects } = vmEffects(avi);
    await runVmStep(effects, 'stop-if-leader', vmScope(data(), F1));
    expect(ec2).not.toHaveReceivedCommand(StopInstancesCommand);
    await runVmStep(effects, 'stop-if-leader', vmScope(data(), LEADER));
    expect(ec2).toHaveReceivedCommandWith(StopInstancesCommand, { InstanceIds: ['i-old-11'] });
  });

  it('a follower that has become the leader is stopped too: the Controller refuses to remove a leader', async () => {
    const avi = new MembershipAvi(clusterOf(IPS), [runtimeOf('CLUSTER_UP_HA_ACTIVE', IPS.map(roles(F1)))]);
    const { effects } = vmEffects(avi);
    await runVmStep(effects, 'stop-if-leader', vmScope(data(), F1));
    expect(ec2).toHaveReceivedCommandWith(StopInstancesCommand, { InstanceIds: ['i-old-12'] });
  });

  it('an old VM already stopping is not stopped again (a resumed step)', async () => {
    instances[2]!.State = { Name: 'stopping' };
    const avi = new MembershipAvi(clusterOf(IPS), [new AviError(0, 'gone', 'unreachable')]);
    const { effects } = vmEffects(avi);
    await runVmStep(effects, 'stop-if-leader', vmScope(data(), LEADER));
    expect(ec2).not.toHaveReceivedCommand(StopInstancesCommand);
    expect(avi.calls).not.toContain('getClusterRuntime');
  });

  it('waits through the API going away and the old leader still leading, until another node leads and the others are active', async () => {
    const others = [F1, F2];
    const avi = new MembershipAvi(clusterOf(IPS), [
      runtimeOf('CLUSTER_UP_HA_ACTIVE', IPS.map(roles(LEADER))),
      new AviError(0, 'connection reset', 'unreachable'),
      runtimeOf('CLUSTER_UP_HA_COMPROMISED', [...others.map(roles(F1, 'CLUSTER_STARTING')), { ip: LEADER, role: 'CLUSTER_FOLLOWER', state: 'CLUSTER_INACTIVE' }]),
      runtimeOf('CLUSTER_UP_HA_COMPROMISED', [...others.map(roles(F1)), { ip: LEADER, role: 'CLUSTER_FOLLOWER', state: 'CLUSTER_INACTIVE' }]),
    ]);
    const { effects } = vmEffects(avi);
    const scope = vmScope(data(), LEADER);
    await runVmStep(effects, 'leader-handed-over', scope);
    expect(scope.waits.map((w) => w.value)).toEqual([
      `CLUSTER_UP_HA_ACTIVE, leader ${LEADER}`, 'API unavailable (connection reset)', `CLUSTER_UP_HA_COMPROMISED, leader ${F1}`, `CLUSTER_UP_HA_COMPROMISED, leader ${F1}`,
    ]);
  });
});

describe('members-ready', () => {
  it('waits for CLUSTER_UP_HA_ACTIVE with the new node listed, the old one gone and every node active', async () => {
    const now = [LEADER, NEW, F2];
    const avi = new MembershipAvi(clusterOf(now), [
      new AviError(503, 'services are starting up', 'unreachable'),
      runtimeOf('CLUSTER_UP_HA_NOT_READY', [LEADER, F2].map(roles(LEADER)).concat([{ ip: NEW, role: 'CLUSTER_FOLLOWER', state: 'CLUSTER_STARTING' }])),
      runtimeOf('CLUSTER_UP_HA_ACTIVE', [LEADER, F1, F2].map(roles(LEADER))),
      runtimeOf('CLUSTER_UP_HA_ACTIVE', now.map(roles(LEADER))),
    ]);
    const { effects } = vmEffects(avi);
    const scope = vmScope(data(), F1);
    await runVmStep(effects, 'members-ready', scope);
    expect(scope.waits.map((w) => w.value)).toEqual([
      'API unavailable (services are starting up)', `CLUSTER_UP_HA_NOT_READY, ${NEW} CLUSTER_STARTING`, `CLUSTER_UP_HA_ACTIVE, ${NEW} not listed`, 'CLUSTER_UP_HA_ACTIVE',
    ]);
  });
});
