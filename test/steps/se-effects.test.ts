// The SE effects' own rules, over small fakes (the lab end-to-end suites cover the whole runs):
// the capacity model and its refusals, which SEs a VS is served by (`url` or 22.1's `ref`), what
// scale-out refuses to delete, how relaunch measures an outage, and SE-to-instance mapping.
import { describe, expect, it } from '@jest/globals';
import type { ServiceEngine, VirtualService } from '../../src/avi/fleet-types.js';
import type { InstanceInfo } from '../../src/aws/types.js';
import type { StepDeps } from '../../src/steps/deps.js';
import type { Scope } from '../../src/steps/effect.js';
import { capacityOf, checkCapacity, newSesNeeded } from '../../src/steps/se/capacity.js';
import type { SeData, SeGroupItem, SeItem } from '../../src/steps/se/context.js';
import { deleteOldSes } from '../../src/steps/se/delete.js';
import { discoverGroups } from '../../src/steps/se/discover.js';
import { servingSes } from '../../src/steps/se/drain.js';
import { vssServedAgain } from '../../src/steps/se/relaunch.js';
import { rejection, signal } from './helpers.js';

const se = (name: string, vss: string[], extra: Partial<SeItem> = {}): SeItem => ({
  uuid: `se-${name}`, name, mgmtIp: '10.0.0.1', instanceId: `i-${name}`, rootVolumeId: `vol-${name}`, stateBefore: 'SE_STATE_ENABLED',
  vss: vss.map((v) => ({ uuid: `vs-${v}`, name: v })), ...extra,
});
const group = (ses: SeItem[], limits: Partial<SeGroupItem['limits']> = {}): SeGroupItem => ({
  uuid: 'serviceenginegroup-1', name: 'g1', haMode: 'HA_MODE_SHARED', ses, encrypted: [], vss: [],
  limits: { maxSe: 10, maxVsPerSe: 10, perVs: 1, vcpusPerSe: 2, seCount: ses.length, encryptedEnabled: 0, encryptedRoom: 0, ...limits },
});
const data = (groups: SeGroupItem[], extra: Partial<SeData> = {}): SeData => ({
  cloudName: 'aws', region: 'eu-west-1', kmsKey: 'alias/k', seGroups: [], rekey: false, concurrency: 1, keyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k',
  cloud: { uuid: 'cloud-1', name: 'aws', region: 'eu-west-1', vpcId: 'vpc-1', mgmtSubnets: ['subnet-1'], ebs: 'none', s3: 'none', before: '' }, groups, ...extra,
});
function scope<I>(d: SeData, item: I, parents: unknown[] = []): Scope<SeData, I> {
  return { runId: 'r', data: d, item, key: '', parents, deadline: Date.now() + 60_000, report: () => undefined };
}
const deps = (over: Record<string, unknown>): StepDeps => ({
  pollIntervalMs: 1, sleep: async () => undefined, now: () => Date.now(), ...over,
} as unknown as StepDeps);

describe('capacity', () => {
  it('counts the moved virtual services against max_vs_per_se and the room left on encrypted SEs; scale-out keeps the old SEs to the end', () => {
    const g = group([se('a', ['v1', 'v2']), se('b', ['v3']), se('c', ['v1'])], { maxVsPerSe: 2 });
    expect(newSesNeeded(g)).toBe(2); // v1, v2, v3: three VSs, two per SE
    expect(newSesNeeded({ ...g, limits: { ...g.limits, encryptedEnabled: 1, encryptedRoom: 2 } })).toBe(1);
    expect(newSesNeeded({ ...g, limits: { ...g.limits, perVs: 2, encryptedEnabled: 0, encryptedRoom: 0 } })).toBe(3);
    expect(capacityOf(g, true)).toEqual({ maxSe: 10, seCount: 3, newSes: 2, peak: 5, vcpus: 4 });
    expect(capacityOf(g, false).peak).toBe(2);
    expect(newSesNeeded(group([se('a', [])]))).toBe(0);
  });

  it('refuses when the management subnets lack addresses for the new SEs, before any change', async () => {
    const d = data([group([se('a', ['v1'])]), { ...group([se('b', ['v2'])]), name: 'g2' }]);
    const reads = { ec2: { describeSubnets: async () => [{ subnetId: 'subnet-1', cidr: '10.0.0.0/28', availabilityZone: 'eu-west-1a', availableIps: 1 }] } };
    const e = await rejection(checkCapacity(deps({ reads }), { scaleOut: true }).run(scope(d, d), signal()) as Promise<unknown>);
    expect(e.message).toBe("the cloud's management subnets have 1 free addresses (subnet-1 10.0.0.0/28 1 free) but the new SEs need 2: free addresses there or add a management subnet to cloud aws's zones; nothing was changed");
  });
});

describe('serving SEs', () => {
  it('reads `url` or `ref`, and counts only SEs that are up on a VS that is up', () => {
    const vs = (state: string, engines: object[]): VirtualService => ({ uuid: 'v', name: 'v', runtime: { oper_status: { state }, vip_summary: [{ service_engine: engines }] } });
    const up = vs('OPER_UP', [
      { url: 'https://c/api/serviceengine/se-1#Avi-se-a', oper_status: { state: 'OPER_UP' } },
      { ref: 'https://c/api/serviceengine/se-2' },
      { url: 'https://c/api/serviceengine/se-3', oper_status: { state: 'OPER_CREATING' } },
      { url: 'https://c/api/serviceengine/se-4', connected: false },
    ]);
    expect(servingSes(up)).toEqual(['se-1', 'se-2']);
    expect(servingSes(vs('OPER_DOWN', [{ url: 'https://c/api/serviceengine/se-1' }]))).toEqual([]);
  });
});

describe('deleting old SEs (scale-out)', () => {
  it('deletes only disabled, empty SEs, and passes over one already gone', async () => {
    const deleted: string[] = [];
    const now: Record<string, ServiceEngine | undefined> = {
      'se-a': { uuid: 'se-a', name: 'a', enable_state: 'SE_STATE_DISABLED', vs_refs: [] },
      'se-b': { uuid: 'se-b', name: 'b', enable_state: 'SE_STATE_DISABLED', vs_refs: ['https://c/api/virtualservice/vs-1#v1'] },
    };
    const d = deps({ reads: { engines: { getServiceEngines: async (uuids: string[]) => uuids.flatMap((u) => (now[u] ? [now[u]!] : [])) } }, writes: { engines: { deleteServiceEngine: async (u: string) => void deleted.push(u) } } });
    const g = group([se('gone', []), se('a', []), se('b', ['v1'])]);
    const e = await rejection(deleteOldSes(d).run(scope(data([g]), g), signal()) as Promise<unknown>);
    expect(e.message).toMatch(/^SE b is SE_STATE_DISABLED and hosts 1 virtual services: only disabled, empty SEs are deleted/);
    expect(deleted).toEqual(['se-a']);
  });
});

describe('measuring a relaunch outage', () => {
  const at = (ms: number) => ({ secs: Math.floor(ms / 1000), usecs: (ms % 1000) * 1000 });
  it('from the Controller\'s change times; from the delete when the down moment was not seen; zero for a VS another SE carried', async () => {
    const deletedAt = Date.parse('2026-01-01T10:00:00.000Z');
    const answers: Record<string, VirtualService[]> = {
      'vs-seen': [
        { uuid: 'vs-seen', name: 'seen', runtime: { oper_status: { state: 'OPER_DOWN', last_changed_time: at(deletedAt + 40) } } },
        { uuid: 'vs-seen', name: 'seen', runtime: { oper_status: { state: 'OPER_UP', last_changed_time: at(deletedAt + 3040) }, vip_summary: [{ service_engine: [{ url: 'https://c/api/serviceengine/se-new' }] }] } },
      ],
      'vs-missed': [{ uuid: 'vs-missed', name: 'missed', runtime: { oper_status: { state: 'OPER_UP', last_changed_time: at(deletedAt + 2500) }, vip_summary: [{ service_engine: [{ url: 'https://c/api/serviceengine/se-new' }] }] } }],
      'vs-kept': [{ uuid: 'vs-kept', name: 'kept', runtime: { oper_status: { state: 'OPER_UP', last_changed_time: at(deletedAt - 60_000) }, vip_summary: [{ service_engine: [{ url: 'https://c/api/serviceengine/se-enc' }] }] } }],
    };
    const next = (u: string) => (answers[u]!.length > 1 ? answers[u]!.shift()! : answers[u]![0]!);
    const reads = { engines: { getVirtualServices: async (uuids: string[]) => uuids.map(next) } };
    const g: SeGroupItem = { ...group([se('old', ['seen', 'missed'])]), deletedAt: new Date(deletedAt).toISOString(),
      vss: [{ uuid: 'vs-seen', name: 'seen' }, { uuid: 'vs-missed', name: 'missed' }, { uuid: 'vs-kept', name: 'kept' }] };
    const out = (await vssServedAgain(deps({ reads })).run(scope(data([g]), g), signal())) as Partial<SeGroupItem>;
    expect(out.vss!.map((v) => [v.name, v.outageMs, !!v.outageFromDelete])).toEqual([['seen', 3000, false], ['missed', 2500, true], ['kept', 0, false]]);
  });
});

describe('SE to EC2 instance', () => {
  const inGroup = 'https://c/api/serviceenginegroup/g#g1';
  const ses: ServiceEngine[] = [{ uuid: 'se-1', name: 'Avi-se-a', se_group_ref: inGroup, mgmt_vnic: { vnic_networks: [{ ip: { ip_addr: { addr: '10.0.0.5' } } }] }, vs_refs: [] }];
  const reads = (instances: Partial<InstanceInfo>[], list = ses) => ({
    engines: { listSeGroups: async () => [{ uuid: 'g', name: 'g1' }], listCloudServiceEngines: async () => list, listCloudVirtualServices: async () => [] },
    ec2: { findInstancesByPrivateIp: async () => instances, describeVolumes: async () => [] },
  });
  it('refuses an SE whose management IP matches no instance, or several', async () => {
    const d = data([]);
    const run = (r: object) => discoverGroups(deps({ reads: r }), { scaleOut: true }).run(scope(d, d), signal()) as Promise<unknown>;
    expect((await rejection(run(reads([])))).message).toBe('SE Avi-se-a (10.0.0.5) has no EC2 instance with that private IP in vpc-1; check --region and the AWS account');
    expect((await rejection(run(reads([{ instanceId: 'i-1', privateIp: '10.0.0.5' }, { instanceId: 'i-2', privateIp: '10.0.0.5' }])))).message)
      .toBe('SE Avi-se-a (10.0.0.5) matches 2 instances (i-1, i-2); cannot tell which one is the SE');
    expect((await rejection(run(reads([], [{ uuid: 'se-9', name: 'Avi-se-x', se_group_ref: inGroup }])))).message).toMatch(/^SE Avi-se-x reports no management IP/);
  });
});
