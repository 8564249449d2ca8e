// Disabling SEs: placement stops, virtual services move (scale-out, then scale-in) to enabled SEs or
// to a new SE, the max_se trap and its MIGRATE_SE_FAILED report, delete rules, legacy HA refusal.
import { afterEach, describe, expect, it } from '@jest/globals';
import { until } from './avi-helpers.js';
import { groupSes, named, seOper, setState, startFleet, statesOf, type FleetFixture } from './fleet-harness.js';

let f: FleetFixture;
afterEach(async () => f?.close());

const vsName = (se: any): string => se.vs_refs[0].split('#')[1];

describe('disabling Service Engines', () => {
  it('SE_STATE_DISABLED_FOR_PLACEMENT keeps the SE serving its VSs and takes no new one', async () => {
    f = await startFleet();
    const [a, b] = await groupSes(f.client, 'Default-Group');
    await setState(f.client, a, 'SE_STATE_DISABLED_FOR_PLACEMENT');
    await setState(f.client, b, 'SE_STATE_DISABLED');
    await seOper(f.client, b.uuid, 'OPER_DISABLED');
    const after = await groupSes(f.client, 'Default-Group');
    expect(after).toHaveLength(4); // room on the enabled SEs: no new SE
    expect(after.find((s) => s.uuid === a.uuid).vs_refs).toEqual(a.vs_refs);
    expect(after.find((s) => s.uuid === b.uuid).vs_refs).toEqual([]);
    const moved = await named(f.client, 'virtualservice', vsName(b));
    expect(moved.runtime.vip_summary[0].service_engine.map((e: any) => e.name)).not.toContain(a.name);
    expect(statesOf(f.timeline, `vs:${vsName(b)}`)).toEqual(['OPER_UP']);
    expect(a.runtime.oper_status.state).toBe('OPER_UP');
  });

  it('moves a disabled SE\'s VS to a new SE launched from the cloud\'s SE image, with no downtime', async () => {
    f = await startFleet();
    const ses = await groupSes(f.client, 'Default-Group');
    for (const se of ses) await setState(f.client, se, 'SE_STATE_DISABLED_FOR_PLACEMENT');
    await setState(f.client, ses[0], 'SE_STATE_DISABLED');
    const done = await seOper(f.client, ses[0].uuid, 'OPER_DISABLED');
    expect(done.migrate_state).toBe('SE_MIGRATE_STATE_FINISHED');
    expect(statesOf(f.timeline, `se:${ses[0].name}`).slice(-3)).toEqual([
      'SE_STATE_DISABLED_FOR_PLACEMENT/SE_POWER_ON/OPER_UP', 'SE_STATE_DISABLED/SE_POWER_ON/OPER_DISABLING', 'SE_STATE_DISABLED/SE_POWER_ON/OPER_DISABLED',
    ]);
    const after = await groupSes(f.client, 'Default-Group');
    const fresh = after.find((s) => !ses.some((o) => o.uuid === s.uuid));
    expect(fresh).toMatchObject({ enable_state: 'SE_STATE_ENABLED', vs_refs: ses[0].vs_refs });
    const inst = f.world.instanceByPrivateIp(fresh.mgmt_vnic.vnic_networks[0].ip.ip_addr.addr)!;
    expect(inst.imageId).toBe(f.fleet.seed.seImageId);
    expect(f.world.rootVolume(inst.instanceId)!.encrypted).toBe(false);
    expect(after.find((s) => s.uuid === ses[0].uuid).vs_refs).toEqual([]);
    expect(statesOf(f.timeline, `vs:${vsName(ses[0])}`)).toEqual(['OPER_UP']);
    expect(statesOf(f.timeline, `se:${fresh.name}`)).toEqual(['SE_STATE_ENABLED/SE_POWER_OFF/OPER_CREATING', 'SE_STATE_ENABLED/SE_POWER_ON/OPER_CREATING', 'SE_STATE_ENABLED/SE_POWER_ON/OPER_UP']);
  });

  it('the max_se trap: disabled SEs still count, so the move fails with MIGRATE_SE_FAILED until max_se is raised', async () => {
    f = await startFleet({ maxSeTrap: true });
    const instances = f.world.instances.size;
    const ses = await groupSes(f.client, 'Default-Group');
    for (const se of ses) await setState(f.client, se, 'SE_STATE_DISABLED_FOR_PLACEMENT');
    await setState(f.client, ses[0], 'SE_STATE_DISABLED');
    const failed = await seOper(f.client, ses[0].uuid, 'OPER_ERROR_DISABLED');
    expect(failed.migrate_state).toBe('SE_MIGRATE_STATE_FINISHED_WITH_FAILURE');
    expect(failed.oper_status.reason).toEqual([expect.stringMatching(new RegExp(`^MIGRATE_SE_FAILED: virtual services ${vsName(ses[0])} could not`))]);
    const stuck = (await f.client.api('GET', `/api/serviceengine/${ses[0].uuid}?include_name=true`)).json;
    expect(stuck.vs_refs).toEqual(ses[0].vs_refs); // the VS that did not move keeps running there
    expect((await named(f.client, 'virtualservice', vsName(ses[0]))).runtime.oper_status.state).toBe('OPER_UP');
    expect(f.world.instances.size).toBe(instances);

    const group = (await f.client.api('GET', '/api/serviceenginegroup?name=Default-Group')).json.results[0];
    expect(group.max_se).toBe(4);
    expect((await f.client.api('PUT', `/api/serviceenginegroup/${group.uuid}`, { ...group, max_se: 5 })).status).toBe(200);
    await setState(f.client, ses[0], 'SE_STATE_DISABLED'); // MIGRATE_SE_RESTARTED
    await seOper(f.client, ses[0].uuid, 'OPER_DISABLED');
    expect(f.world.instances.size).toBe(instances + 1);
    expect(statesOf(f.timeline, `vs:${vsName(ses[0])}`)).toEqual(['OPER_UP']);
  });

  it('DELETE is refused while the SE hosts virtual services, and terminates its instance once it is empty', async () => {
    f = await startFleet();
    const [a] = await groupSes(f.client, 'Default-Group');
    const inst = f.world.instanceByPrivateIp(a.mgmt_vnic.vnic_networks[0].ip.ip_addr.addr)!;
    const refused = await f.client.api('DELETE', `/api/serviceengine/${a.uuid}`);
    expect(refused.status).toBe(400);
    expect(refused.json.error).toContain(vsName(a));
    expect(inst.state).toBe('running');

    await setState(f.client, a, 'SE_STATE_DISABLED');
    await seOper(f.client, a.uuid, 'OPER_DISABLED');
    const root = f.world.rootVolume(inst.instanceId)!;
    expect((await f.client.api('DELETE', `/api/serviceengine/${a.uuid}`)).status).toBe(204);
    expect((await f.client.api('GET', `/api/serviceengine/${a.uuid}`)).status).toBe(404);
    await until(() => inst.state === 'terminated', 'terminated');
    expect(f.world.volumes.has(root.volumeId)).toBe(false); // DeleteOnTermination
    expect(statesOf(f.timeline, `se:${a.name}`).at(-1)).toBe('DELETED');
  });

  it('refuses to disable an SE of a legacy active/standby group, where each VS has a standby SE', async () => {
    f = await startFleet({ legacyHa: true });
    const [x] = await groupSes(f.client, 'web-segroup');
    const vs = await named(f.client, 'virtualservice', vsName(x));
    expect(vs.runtime.vip_summary[0].service_engine.map((e: any) => [e.primary, e.standby])).toEqual([[true, false], [false, true]]);
    const r = await f.client.api('PATCH', `/api/serviceengine/${x.uuid}`, { replace: { enable_state: 'SE_STATE_DISABLED' } });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/LEGACY_ACTIVE_STANDBY/);
    expect((await f.client.api('PATCH', `/api/serviceengine/${x.uuid}`, { replace: { enable_state: 'SE_STATE_DISABLED_FOR_PLACEMENT' } })).status).toBe(200);
  });

  it('validates SE writes: the enable_state enum, the PATCH envelope, the group; a PUT without enable_state means enabled', async () => {
    f = await startFleet();
    const [a] = await groupSes(f.client, 'Default-Group');
    expect((await f.client.api('PATCH', `/api/serviceengine/${a.uuid}`, { replace: { enable_state: 'DISABLED' } })).status).toBe(400);
    expect((await f.client.api('PATCH', `/api/serviceengine/${a.uuid}`, { enable_state: 'SE_STATE_DISABLED' })).status).toBe(400);
    await setState(f.client, a, 'SE_STATE_DISABLED_FOR_PLACEMENT');
    const { runtime, enable_state, ...rest } = a;
    const put = await f.client.api('PUT', `/api/serviceengine/${a.uuid}`, { ...rest, se_group_ref: '/api/serviceenginegroup?name=Default-Group' });
    expect(put.status).toBe(200);
    expect(put.json.enable_state).toBe('SE_STATE_ENABLED');
    const move = await f.client.api('PUT', `/api/serviceengine/${a.uuid}`, { ...rest, se_group_ref: '/api/serviceenginegroup?name=web-segroup' });
    expect([move.status, move.json.error]).toEqual([400, expect.stringMatching(/^se_group_ref: moving/)]);
  });
});
