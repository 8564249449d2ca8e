// Losing SEs: forcedelete (or DELETE with --delete-busy-se relaunch) of every SE of a group makes
// the Controller launch new SEs for its VSs, each VS down meanwhile; SE_STATE_DISABLED_FORCE and a
// stopped SE instance take their VSs down too. The timeline measures every outage.
import { afterEach, describe, expect, it } from '@jest/globals';
import { until } from './avi-helpers.js';
import { groupSes, named, setState, startFleet, statesOf, type FleetFixture } from './fleet-harness.js';
import type { Timeline } from '../../src/lab/timeline.js';

let f: FleetFixture;
afterEach(async () => f?.close());

const vsName = (se: any): string => se.vs_refs[0].split('#')[1];

/** Milliseconds each VS spent OPER_DOWN, from its timeline entries. */
function outages(timeline: Timeline, vs: string): number[] {
  const out: number[] = [];
  let down: number | undefined;
  for (const e of timeline.list().filter((x) => x.subject === `vs:${vs}`)) {
    if (e.state === 'OPER_DOWN') down = Date.parse(e.at);
    else if (down !== undefined) out.push(Date.parse(e.at) - down), (down = undefined);
  }
  return out;
}

async function relaunchGroup(how: (se: any) => Promise<number>): Promise<{ old: any[]; now: any[] }> {
  const old = await groupSes(f.client, 'web-segroup');
  // Else the first SE's VS would be placed on the second SE, deleted next: two outages for it.
  for (const se of old) await setState(f.client, se, 'SE_STATE_DISABLED_FOR_PLACEMENT');
  for (const se of old) expect(await how(se)).toBeLessThan(300);
  for (const se of old) {
    await until(async () => (await named(f.client, 'virtualservice', vsName(se)))?.runtime.oper_status.state === 'OPER_UP', `${vsName(se)} up again`);
  }
  return { old, now: await groupSes(f.client, 'web-segroup') };
}

describe('relaunching SEs', () => {
  it('forcedelete of every SE of a group: new SEs from the current image serve the VSs after one outage each', async () => {
    f = await startFleet();
    const { old, now } = await relaunchGroup(async (se) => (await f.client.api('POST', `/api/serviceengine/${se.uuid}/forcedelete`)).status);
    expect(now.length).toBeGreaterThan(0);
    expect(now.every((s) => !old.some((o) => o.uuid === s.uuid) && s.enable_state === 'SE_STATE_ENABLED')).toBe(true);
    for (const se of old) {
      expect(statesOf(f.timeline, `vs:${vsName(se)}`)).toEqual(['OPER_UP', 'OPER_DOWN', 'OPER_UP']);
      expect(outages(f.timeline, vsName(se))).toEqual([expect.any(Number)]);
      await until(() => f.world.instanceByPrivateIp(se.mgmt_vnic.vnic_networks[0].ip.ip_addr.addr) === undefined, 'old instance terminated');
    }
    for (const se of now) expect(f.world.instanceByPrivateIp(se.mgmt_vnic.vnic_networks[0].ip.ip_addr.addr)!.imageId).toBe(f.fleet.seed.seImageId);
  });

  it('with --delete-busy-se relaunch, DELETE takes an SE that still hosts virtual services', async () => {
    f = await startFleet({ deleteBusySe: 'relaunch' });
    const { old } = await relaunchGroup(async (se) => (await f.client.api('DELETE', `/api/serviceengine/${se.uuid}`)).status);
    for (const se of old) expect(statesOf(f.timeline, `se:${se.name}`).at(-1)).toBe('DELETED');
  });

  it('SE_STATE_DISABLED_FORCE takes the VS off at once: down until it is placed on another SE', async () => {
    f = await startFleet();
    const [a, b] = await groupSes(f.client, 'Default-Group');
    await setState(f.client, a, 'SE_STATE_DISABLED_FORCE');
    const vs = vsName(a);
    const up = await until(async () => {
      const v = await named(f.client, 'virtualservice', vs);
      return v.runtime.oper_status.state === 'OPER_UP' && v;
    }, 'placed again');
    expect(up.runtime.vip_summary[0].service_engine.map((e: any) => e.name)).toEqual([b.name]);
    expect(statesOf(f.timeline, `vs:${vs}`)).toEqual(['OPER_UP', 'OPER_DOWN', 'OPER_UP']);
    expect((await f.client.api('GET', `/api/serviceengine/${a.uuid}`)).json.vs_refs).toEqual([]);
  });

  it('an SE whose instance stops is SE_POWER_OFF and OPER_DOWN, and so is the VS only it serves, until it boots again', async () => {
    f = await startFleet();
    const [a] = await groupSes(f.client, 'Default-Group');
    const inst = f.world.instanceByPrivateIp(a.mgmt_vnic.vnic_networks[0].ip.ip_addr.addr)!;
    f.world.stopInstance(inst.instanceId);
    expect(statesOf(f.timeline, `se:${a.name}`).at(-1)).toBe('SE_STATE_ENABLED/SE_POWER_OFF/OPER_DOWN');
    expect(statesOf(f.timeline, `vs:${vsName(a)}`).at(-1)).toBe('OPER_DOWN');
    await until(() => inst.state === 'stopped', 'stopped');
    f.world.startInstance(inst.instanceId);
    await until(() => statesOf(f.timeline, `vs:${vsName(a)}`).at(-1) === 'OPER_UP', 'VS up after the SE registers again');
    expect(statesOf(f.timeline, `se:${a.name}`).slice(-2)).toEqual(['SE_STATE_ENABLED/SE_POWER_ON/OPER_DOWN', 'SE_STATE_ENABLED/SE_POWER_ON/OPER_UP']);
  });
});
