// The seeded fleet through the Controller API: the AWS cloud and its zones, SE groups, SEs that are
// running EC2 instances, virtual services on them; Avi shapes, filters, projections and paging.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { all, startFleet, type FleetFixture } from './fleet-harness.js';

let f: FleetFixture;
beforeAll(async () => {
  f = await startFleet();
});
afterAll(async () => f.close());

describe('the seeded fleet', () => {
  it('is an AWS cloud with management subnets in three zones, encryption off, and a ready SE image', async () => {
    const cloud = (await f.client.api('GET', '/api/cloud')).json.results[0];
    expect(cloud).toMatchObject({ vtype: 'CLOUD_AWS', aws_configuration: { region: 'eu-west-1', vpc_id: f.seed.vpcId } });
    expect(cloud.aws_configuration.ebs_encryption).toEqual({ mode: 'AWS_ENCRYPTION_MODE_NONE' });
    expect(cloud.aws_configuration.s3_encryption).toEqual({ mode: 'AWS_ENCRYPTION_MODE_NONE' });
    const zones = cloud.aws_configuration.zones;
    expect(zones).toHaveLength(3);
    for (const z of zones) expect(f.world.subnets.get(z.mgmt_network_uuid)).toMatchObject({ availabilityZone: z.availability_zone, cidr: z.mgmt_network_name });
    const status = (await f.client.api('GET', `/api/cloud/${cloud.uuid}/status`)).json;
    expect(status).toMatchObject({ state: 'CLOUD_STATE_PLACEMENT_READY', se_image_state: [{ state: 'IMG_GEN_COMPLETE' }] });
  });

  it('has two SE groups of 4 and 2 SEs with six virtual services, one per SE', async () => {
    const groups = (await f.client.api('GET', '/api/serviceenginegroup')).json.results;
    expect(groups.map((g: any) => [g.name, g.ha_mode, g.max_se])).toEqual([['Default-Group', 'HA_MODE_SHARED', 10], ['web-segroup', 'HA_MODE_SHARED', 10]]);
    expect(groups[0]).toMatchObject({ min_scaleout_per_vs: 1, buffer_se: 1, algo: 'PLACEMENT_ALGO_PACKED', max_vs_per_se: 10, se_name_prefix: 'Avi' });
    const ses = await all(f.client, '/api/serviceengine?include_name=true');
    expect(ses.map((s) => s.se_group_ref.split('#')[1])).toEqual(['Default-Group', 'Default-Group', 'Default-Group', 'Default-Group', 'web-segroup', 'web-segroup']);
    expect(ses.every((s) => s.vs_refs.length === 1 && s.enable_state === 'SE_STATE_ENABLED')).toBe(true);
    expect((await f.client.api('GET', '/api/virtualservice')).json.count).toBe(6);
  });

  it('maps every SE by its management IP to one running EC2 instance launched from the unencrypted SE image', async () => {
    const image = f.world.image(f.fleet.seed.seImageId);
    expect(image.blockDevices[0]!.encrypted).toBe(false);
    for (const se of await all(f.client, '/api/serviceengine')) {
      const ip = se.mgmt_vnic.vnic_networks[0].ip.ip_addr.addr;
      const inst = f.world.instanceByPrivateIp(ip)!;
      expect(inst).toMatchObject({ state: 'running', imageId: image.imageId, availabilityZone: se.availability_zone });
      expect(f.world.rootVolume(inst.instanceId)!.encrypted).toBe(false);
      expect(se.mgmt_vnic).toMatchObject({ is_mgmt: true, connected: true });
    }
  });

  it('serves SE runtime, the inventory and VS runtime in the Avi shapes', async () => {
    const se = (await f.client.api('GET', '/api/serviceengine?page_size=1&join_subresources=runtime&include_name=true')).json.results[0];
    expect(se.runtime).toMatchObject({ se_connected: true, power_state: 'SE_POWER_ON', oper_status: { state: 'OPER_UP' }, migrate_state: 'SE_MIGRATE_STATE_IDLE' });
    const inv = (await f.client.api('GET', `/api/serviceengine-inventory/${se.uuid}`)).json;
    expect(inv.config).toMatchObject({ uuid: se.uuid, enable_state: 'SE_STATE_ENABLED', mgmt_ip_address: { addr: se.mgmt_vnic.vnic_networks[0].ip.ip_addr.addr, type: 'V4' } });
    expect(inv.config.vs_refs).toEqual(se.vs_refs.map((r: string) => r.split('#')[0]));
    expect(inv.runtime.oper_status.state).toBe('OPER_UP');
    const vsUuid = se.vs_refs[0].split('#')[0].split('/').pop();
    const rt = (await f.client.api('GET', `/api/virtualservice/${vsUuid}/runtime?include_name=true`)).json;
    expect(rt.oper_status.state).toBe('OPER_UP');
    expect(rt.vip_summary[0].service_engine).toEqual([expect.objectContaining({ url: se.url, primary: true, connected: true })]);
  });

  it('filters by name, refers_to and ref name, projects fields, and names refs only with include_name', async () => {
    const group = (await f.client.api('GET', '/api/serviceenginegroup?name=web-segroup')).json.results[0];
    const inGroup = (await f.client.api('GET', `/api/serviceengine?refers_to=serviceenginegroup:${group.uuid}`)).json;
    expect(inGroup.count).toBe(2);
    expect((await f.client.api('GET', '/api/virtualservice?se_group_ref.name=web-segroup')).json.count).toBe(2);
    const one = inGroup.results[0];
    expect((await f.client.api('GET', `/api/serviceengine?name=${one.name}`)).json.results.map((s: any) => s.uuid)).toEqual([one.uuid]);
    expect(JSON.stringify(inGroup)).not.toContain('#');
    const slim = (await f.client.api('GET', `/api/serviceengine/${one.uuid}?fields=enable_state,vs_refs`)).json;
    expect(Object.keys(slim).sort()).toEqual(['enable_state', 'name', 'url', 'uuid', 'vs_refs']);
  });

  it('takes SE group writes within the documented ranges; ha_mode does not change under existing SEs', async () => {
    const group = (await f.client.api('GET', '/api/serviceenginegroup?name=web-segroup')).json.results[0];
    const put = (change: object) => f.client.api('PUT', `/api/serviceenginegroup/${group.uuid}`, { ...group, ...change });
    expect((await put({ max_se: 1001 })).json.error).toMatch(/^max_se: 1001 is not an integer from 0 to 1000/);
    expect((await put({ algo: 'PLACEMENT_ALGO_RANDOM' })).status).toBe(400);
    expect((await put({ ha_mode: 'HA_MODE_SHARED_PAIR' })).json.error).toMatch(/ha_mode cannot change while SE group web-segroup has 2 Service Engine/);
    const patched = await f.client.api('PATCH', `/api/serviceenginegroup/${group.uuid}`, { replace: { max_se: 3 } });
    expect(patched.json).toMatchObject({ max_se: 3, cloud_ref: group.cloud_ref, ha_mode: 'HA_MODE_SHARED' });
    expect((await put({})).json.max_se).toBe(group.max_se);
  });

  it('answers a missing object with 404 and a write to a collection with 405', async () => {
    expect((await f.client.api('GET', '/api/serviceengine/se-missing')).status).toBe(404);
    expect((await f.client.api('GET', '/api/virtualservice/virtualservice-missing/runtime')).status).toBe(404);
    expect((await f.client.api('POST', '/api/serviceengine', {})).status).toBe(405);
    expect((await f.client.api('DELETE', '/api/virtualservice')).status).toBe(405);
  });
});

describe('a 1,000-SE fleet', () => {
  let big: FleetFixture;
  beforeAll(async () => {
    big = await startFleet({ groups: Array<number>(10).fill(100), vsPerSe: 2 });
  });
  afterAll(async () => big.close());

  it('pages with next at the 200 maximum and the 25 default, every SE once, on distinct instances', async () => {
    const first = (await big.client.api('GET', '/api/serviceengine')).json;
    expect(first.count).toBe(1000);
    expect(first.results).toHaveLength(25);
    expect(new URL(first.next).searchParams.get('page')).toBe('2');
    expect((await big.client.api('GET', '/api/serviceengine?page_size=201')).status).toBe(400);
    const ses = await all(big.client, '/api/serviceengine?page_size=200&fields=mgmt_vnic');
    expect(new Set(ses.map((s) => s.uuid)).size).toBe(1000);
    const ips = new Set(ses.map((s) => s.mgmt_vnic.vnic_networks[0].ip.ip_addr.addr));
    expect(ips.size).toBe(1000);
    expect([...ips].every((ip) => big.world.instanceByPrivateIp(ip)?.state === 'running')).toBe(true);
    expect((await big.client.api('GET', '/api/virtualservice?page_size=1')).json.count).toBe(2000);
    expect((await big.client.api('GET', '/api/serviceengine?page=41')).status).toBe(404);
  });
});
