// The cloud's encryption: Avi-style validation of writes, the SE image regenerated (cloud status
// IN_PROGRESS -> PLACEMENT_READY, se_image_state IMG_GEN_*), and SE roots that follow the setting
// the SE was launched under; a key the cloud cannot use fails the image or the SE launch.
import { afterEach, describe, expect, it } from '@jest/globals';
import { until } from './avi-helpers.js';
import { groupSes, seOper, setState, startFleet, statesOf, type FleetFixture } from './fleet-harness.js';

let f: FleetFixture;
afterEach(async () => f?.close());

async function cloud(): Promise<any> {
  return (await f.client.api('GET', '/api/cloud')).json.results[0];
}

async function setEncryption(ebs: Record<string, string>): Promise<any> {
  const c = await cloud();
  const aws = { ...c.aws_configuration, ebs_encryption: ebs, s3_encryption: ebs };
  const r = await f.client.api('PATCH', `/api/cloud/${c.uuid}`, { replace: { aws_configuration: aws } });
  if (r.status !== 200) throw new Error(`${r.status} ${r.text}`);
  return c;
}

const status = async (uuid: string) => (await f.client.api('GET', `/api/cloud/${uuid}/status`)).json;

/** Disables the group's first SE with the others disabled for placement: its VS goes to a new SE. */
async function moveToNewSe(): Promise<{ old: any[]; fresh: any | undefined; first: any }> {
  const old = await groupSes(f.client, 'Default-Group');
  for (const se of old) await setState(f.client, se, 'SE_STATE_DISABLED_FOR_PLACEMENT');
  await setState(f.client, old[0], 'SE_STATE_DISABLED');
  const first = await until(async () => {
    const rt = (await f.client.api('GET', `/api/serviceengine/${old[0].uuid}/runtime`)).json;
    return rt.oper_status.state !== 'OPER_DISABLING' && rt;
  }, 'migration settled');
  const fresh = (await groupSes(f.client, 'Default-Group')).find((s) => !old.some((o) => o.uuid === s.uuid));
  return { old, fresh, first };
}

const rootOf = (se: any) => f.world.rootVolume(f.world.instanceByPrivateIp(se.mgmt_vnic.vnic_networks[0].ip.ip_addr.addr)!.instanceId)!;

describe('cloud encryption', () => {
  it('validates writes like the Controller: mode enum, a KMS key ARN, and the required AWS fields', async () => {
    f = await startFleet();
    const c = await cloud();
    const put = (aws: object) => f.client.api('PUT', `/api/cloud/${c.uuid}`, { ...c, aws_configuration: { ...c.aws_configuration, ...aws } });
    expect((await put({ ebs_encryption: { mode: 'SSE_KMS' } })).json.error).toMatch(/mode: "SSE_KMS" is not a valid choice/);
    for (const key of ['alias/avi-controller', f.seed.customerKeyArn.replace(/key\/.*/, 'alias/avi-controller'), 'b9c76fe7-735f-461c-9ce0-f8c01e020676']) {
      const r = await put({ ebs_encryption: { mode: 'AWS_ENCRYPTION_MODE_SSE_KMS', master_key: key } });
      expect([r.status, r.json.error]).toEqual([400, expect.stringContaining('is not an AWS KMS key ARN')]);
    }
    const patch = await f.client.api('PATCH', `/api/cloud/${c.uuid}`, { replace: { aws_configuration: { ebs_encryption: { mode: 'AWS_ENCRYPTION_MODE_NONE' } } } });
    expect([patch.status, patch.json.error]).toEqual([400, 'aws_configuration.region: This field is required.']);
    expect(await status(c.uuid)).toMatchObject({ state: 'CLOUD_STATE_PLACEMENT_READY' });
    expect(await cloud()).toEqual(c);
  });

  it('regenerates the SE image; SEs launched afterwards are encrypted with the key, older ones are not', async () => {
    f = await startFleet({}, 0.005); // 3 s of image generation: the in-progress status is observable
    const c = await setEncryption({ mode: 'AWS_ENCRYPTION_MODE_SSE_KMS', master_key: f.seed.customerKeyArn });
    expect(await status(c.uuid)).toMatchObject({ state: 'CLOUD_STATE_IN_PROGRESS', se_image_state: [{ state: 'IMG_GEN_IN_PROGRESS' }] });
    await until(async () => (await status(c.uuid)).state === 'CLOUD_STATE_PLACEMENT_READY', 'image regenerated');
    expect((await status(c.uuid)).se_image_state).toEqual([{ version: '22.1.3-9096', state: 'IMG_GEN_COMPLETE' }]);
    const image = [...f.world.images.values()].find((i) => i.name.startsWith('Avi-SE-') && i.blockDevices[0]!.encrypted)!;
    expect(f.world.snapshot(image.blockDevices[0]!.snapshotId).kmsKeyArn).toBe(f.seed.customerKeyArn);

    const { old, fresh, first } = await moveToNewSe();
    expect(first.oper_status.state).toBe('OPER_DISABLED');
    expect(f.world.instanceByPrivateIp(fresh.mgmt_vnic.vnic_networks[0].ip.ip_addr.addr)!.imageId).toBe(image.imageId);
    expect(rootOf(fresh)).toMatchObject({ encrypted: true, kmsKeyArn: f.seed.customerKeyArn });
    for (const se of old) expect(rootOf(se).encrypted).toBe(false);
    expect(statesOf(f.timeline, `cloud:${c.name}`)).toEqual(['CLOUD_STATE_IN_PROGRESS', 'CLOUD_STATE_PLACEMENT_READY']);
  });

  it('a blank master_key means the service default key, alias/aws/ebs', async () => {
    f = await startFleet();
    const c = await setEncryption({ mode: 'AWS_ENCRYPTION_MODE_SSE_KMS' });
    await until(async () => (await status(c.uuid)).state === 'CLOUD_STATE_PLACEMENT_READY', 'image regenerated');
    const { fresh } = await moveToNewSe();
    expect(rootOf(fresh)).toMatchObject({ encrypted: true, kmsKeyArn: f.world.awsManagedKey('ebs').arn });
  });

  it('a key the cloud cannot find fails the image (CLOUD_STATE_FAILED), so no SE can be launched and the move fails', async () => {
    f = await startFleet();
    const elsewhere = f.seed.customerKeyArn.replace(':eu-west-1:', ':us-east-1:');
    const c = await setEncryption({ mode: 'AWS_ENCRYPTION_MODE_SSE_KMS', master_key: elsewhere });
    const failed = await until(async () => {
      const s = await status(c.uuid);
      return s.state === 'CLOUD_STATE_FAILED' && s;
    }, 'image failed');
    expect(failed.se_image_state[0]).toMatchObject({ state: 'IMG_GEN_FAILED', reason: expect.stringContaining(elsewhere) });
    const instances = f.world.instances.size;
    const { first, fresh } = await moveToNewSe();
    expect(first).toMatchObject({ oper_status: { state: 'OPER_ERROR_DISABLED' }, migrate_state: 'SE_MIGRATE_STATE_FINISHED_WITH_FAILURE' });
    expect(fresh).toBeUndefined();
    expect(f.world.instances.size).toBe(instances);
  });

  it('a key disabled after the image was made: the SE launch ends terminated (Client.InternalError) and the move fails', async () => {
    f = await startFleet();
    const c = await setEncryption({ mode: 'AWS_ENCRYPTION_MODE_SSE_KMS', master_key: f.seed.customerKeyArn });
    await until(async () => (await status(c.uuid)).state === 'CLOUD_STATE_PLACEMENT_READY', 'image regenerated');
    f.world.disableKey(f.seed.customerKeyArn);
    const before = new Set(f.world.instances.keys());
    const { first } = await moveToNewSe();
    expect(first.oper_status.state).toBe('OPER_ERROR_DISABLED');
    const launched = [...f.world.instances.values()].filter((i) => !before.has(i.instanceId));
    expect(launched.map((i) => [i.state, i.stateReason?.code])).toEqual([['terminated', 'Client.InternalError']]);
    const se = f.timeline.list().find((e) => e.subject.startsWith('se:') && e.state === 'DELETED')!;
    expect(se.detail).toMatch(/creation failed: Client.InternalError/);
    await seOper(f.client, (await groupSes(f.client, 'Default-Group'))[0].uuid, 'OPER_ERROR_DISABLED');
  });
});
