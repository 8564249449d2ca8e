// The Avi client's SE, SE group, virtual service and cloud calls against the simulated Controller
// over real HTTPS: lists followed through `next` to the last page, 404 read as "gone", the
// enable_state PATCH, DELETE and its refusal, the cloud's status.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createAviClient } from '../../src/avi/client.js';
import type { AviGateway } from '../../src/avi/types.js';
import { DEFAULT_FLEET } from '../../src/lab/avi/fleet/options.js';
import { startTestLab, type TestLab } from '../e2e/lab-harness.js';

let lab: TestLab;
let avi: AviGateway;
beforeAll(async () => {
  // 250 SEs in one group: more than the 200 a page may hold.
  lab = await startTestLab(1, { fleet: { ...DEFAULT_FLEET, groups: [250, 2], vsPerGroup: [0, 2] } });
  avi = createAviClient({ controller: lab.env['AVI_CONTROLLER']!, username: 'admin', password: lab.env['AVI_PASSWORD']!, tenant: 'admin', caBundle: lab.env['AVI_ENCRYPT_CA_BUNDLE']! });
}, 60_000);
afterAll(async () => lab?.stop());

const gets = (path: string) => lab.requests.list().filter((r) => r.operation === `GET ${path}`).length;

describe('the Avi client for Service Engines', () => {
  it('lists a group\'s SEs to the last page, with named refs and the runtime', async () => {
    const [cloud] = await avi.listClouds();
    const groups = await avi.listSeGroups(cloud!.uuid);
    expect(groups.map((g) => [g.name, g.max_se])).toEqual([['Default-Group', 500], ['web-segroup', 10]]);
    const before = gets('/api/serviceengine');
    const ses = await avi.listServiceEngines(groups[0]!.uuid);
    expect(new Set(ses.map((s) => s.uuid)).size).toBe(250);
    expect(gets('/api/serviceengine') - before).toBe(2);
    expect(ses[0]).toMatchObject({ se_group_ref: expect.stringMatching(/#Default-Group$/), runtime: { oper_status: { state: 'OPER_UP' } } });
    const vss = await avi.listVirtualServices(groups[1]!.uuid);
    expect(vss.map((v) => [v.name, v.runtime?.oper_status?.state])).toEqual([['vs-01', 'OPER_UP'], ['vs-02', 'OPER_UP']]);
    expect((await avi.getCloudStatus(cloud!.uuid)).state).toBe('CLOUD_STATE_PLACEMENT_READY');
  });

  it('reads a deleted SE or virtual service as gone, PATCHes enable_state, and DELETEs an empty SE', async () => {
    const [cloud] = await avi.listClouds();
    const [group] = await avi.listSeGroups(cloud!.uuid);
    const [se] = await avi.listServiceEngines(group!.uuid);
    await avi.setEnableState(se!.uuid, 'SE_STATE_DISABLED_FOR_PLACEMENT');
    expect((await avi.getServiceEngine(se!.uuid))?.enable_state).toBe('SE_STATE_DISABLED_FOR_PLACEMENT');
    await avi.deleteServiceEngine(se!.uuid);
    expect(await avi.getServiceEngine(se!.uuid)).toBeUndefined();
    expect(await avi.getVirtualService('virtualservice-00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it('reports a refused DELETE of a busy SE with its status, and forcedelete takes it', async () => {
    const [cloud] = await avi.listClouds();
    const [, web] = await avi.listSeGroups(cloud!.uuid);
    const [busy] = await avi.listServiceEngines(web!.uuid);
    await expect(avi.deleteServiceEngine(busy!.uuid)).rejects.toMatchObject({ status: 400, message: expect.stringContaining('still hosts virtual services') });
    await avi.forceDeleteServiceEngine(busy!.uuid);
    expect(await avi.getServiceEngine(busy!.uuid)).toBeUndefined();
  });

  it('reads many SEs by uuid.in, 100 a query, and a whole cloud\'s SEs and VSs to the last page', async () => {
    const [cloud] = await avi.listClouds();
    const all = await avi.listCloudServiceEngines(cloud!.uuid);
    expect(all.length).toBeGreaterThan(200);
    expect((await avi.listCloudVirtualServices(cloud!.uuid)).map((v) => v.name).sort()).toEqual(expect.arrayContaining(['vs-01', 'vs-02']));
    const wanted = all.slice(0, 150).map((s) => s.uuid);
    const before = gets('/api/serviceengine');
    const got = await avi.getServiceEngines([...wanted, 'serviceengine-00000000-0000-4000-8000-000000000000']);
    expect(got.map((s) => s.uuid).sort()).toEqual([...wanted].sort());
    expect(gets('/api/serviceengine') - before).toBe(2);
    expect(got[0]).toMatchObject({ runtime: { oper_status: { state: expect.any(String) } } });
    expect(await avi.getVirtualServices([])).toEqual([]);
    expect(gets('/api/serviceengine') - before).toBe(2);
  });
});
