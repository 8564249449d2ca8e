// cleanup's leftovers and removal rules over small in-memory gateways: only what carries the run's
// id and a kept role is listed; each removal looks again first; an old Controller VM is terminated
// only while it is stopped, the run's, and not a member of the cluster.

import { describe, expect, it } from '@jest/globals';
import type { InstanceInfo } from '../../src/aws/types.js';
import { KEPT_ROLES, findLeftovers } from '../../src/steps/cleanup/leftovers.js';
import { removeLeftover } from '../../src/steps/cleanup/remove.js';
import type { Writes } from '../../src/steps/gateways.js';
import { instance, notFound, reads, snapshotOf, volume } from './after-run-world.js';

const tags = (run: string, role: string, more: Record<string, string> = {}) => ({ 'avi-encrypt:run-id': run, 'avi-encrypt:role': role, ...more });
describe('cleanup', () => {
  it("lists only what carries the run's id and a kept role, and says what it leaves alone", async () => {
    const r = reads({
      volumes: [
        volume('vol-old', { state: 'available', tags: tags('run-1', KEPT_ROLES.volume, { 'avi-encrypt:replaced-by': 'vol-new', 'avi-encrypt:node': '10.0.0.1' }) }),
        volume('vol-back', { state: 'in-use', attachments: [{ instanceId: 'i-1', device: '/dev/xvda', state: 'attached', deleteOnTermination: true }], tags: tags('run-1', KEPT_ROLES.volume, { 'avi-encrypt:replaced-by': 'vol-x' }) }),
        volume('vol-other-run', { state: 'available', tags: tags('run-2', KEPT_ROLES.volume, { 'avi-encrypt:replaced-by': 'vol-y' }) }),
        volume('vol-new', { state: 'in-use', tags: tags('run-1', 'encrypted-root') }),
      ],
      snapshots: [{ ...snapshotOf('snap-tmp'), tags: tags('run-1', KEPT_ROLES.snapshot) }],
    });
    const found = await findLeftovers(r, 'run-1');
    expect(found).toEqual([
      { kind: 'volume', id: 'vol-old', what: 'old root of 10.0.0.1, replaced by vol-new (8 GiB, unencrypted)' },
      { kind: 'volume', id: 'vol-back', what: 'old root, replaced by vol-x (8 GiB, unencrypted)', keep: 'it is attached to i-1 at /dev/xvda again' },
      { kind: 'snapshot', id: 'snap-tmp', what: 'temporary snapshot (8 GiB)' },
    ]);
  });

  it('removes by looking first: gone is done, attached since the listing or re-tagged is left alone', async () => {
    const deleted: string[] = [];
    const writes = { ec2: { deleteVolume: async (id: string) => void deleted.push(id), deleteSnapshot: async () => Promise.reject(notFound('InvalidSnapshot.NotFound')) } } as unknown as Writes;
    const r = reads({
      volumes: [
        volume('vol-ok', { state: 'available', tags: tags('run-1', KEPT_ROLES.volume) }),
        volume('vol-busy', { state: 'in-use', attachments: [{ instanceId: 'i-9', device: '/dev/sdf', state: 'attached', deleteOnTermination: false }], tags: tags('run-1', KEPT_ROLES.volume) }),
        volume('vol-mine', { state: 'available', tags: tags('run-2', KEPT_ROLES.volume) }),
        volume('vol-going', { state: 'deleting', tags: tags('run-1', KEPT_ROLES.volume) }),
      ],
    });
    const remove = (kind: 'volume' | 'snapshot', id: string) => removeLeftover(r, writes, 'run-1', { kind, id, what: '' }).catch((e: Error) => e.message);
    expect(await remove('volume', 'vol-ok')).toBe('deleted');
    expect(await remove('volume', 'vol-gone')).toBe('already gone');
    expect(await remove('volume', 'vol-going')).toBe('already gone');
    expect(await remove('snapshot', 'snap-gone')).toBe('already gone');
    expect(await remove('volume', 'vol-busy')).toBe('volume vol-busy is in-use now (attached to i-9): left alone');
    expect(await remove('volume', 'vol-mine')).toBe('volume vol-mine is no longer tagged avi-encrypt:run-id=run-1: left alone');
    expect(deleted).toEqual(['vol-ok']);
  });

  /** An old Controller VM as controller-new-vms leaves it: stopped, tagged with the run and its replacement. */
  const oldVm = (id: string, ip: string, fields: Partial<InstanceInfo> = {}, more: Record<string, string> = {}): InstanceInfo => ({
    ...instance(id, [`vol-${id}`, `vol-${id}-data`]), state: 'stopped', privateIp: ip,
    tags: tags('run-1', KEPT_ROLES.instance, { 'avi-encrypt:replaced-by': `${id}-new`, 'avi-encrypt:node': ip, ...more }), ...fields,
  });

  it("lists the run's old Controller VMs; a cluster member, a running one, another run's or one another run works on is left alone; a terminated one is not listed", async () => {
    const keepData = oldVm('i-b', '10.0.0.2');
    keepData.blockDevices[1]!.deleteOnTermination = false;
    const r = reads({
      members: ['10.0.1.1', '10.0.1.2', '10.0.0.3'],
      instances: [
        oldVm('i-a', '10.0.0.1'), keepData, oldVm('i-c', '10.0.0.3'), oldVm('i-d', '10.0.0.4', { state: 'running' }),
        oldVm('i-e', '10.0.0.5', {}, { 'avi-encrypt:in-flight:run-9': 'x' }), oldVm('i-f', '10.0.0.6', { state: 'terminated' }),
        oldVm('i-g', '10.0.0.7', { tags: tags('run-2', KEPT_ROLES.instance, { 'avi-encrypt:replaced-by': 'i-g-new' }) }),
        { ...instance('i-new', ['vol-new']), privateIp: '10.0.1.1', tags: tags('run-1', 'controller-replacement') },
      ],
    });
    expect(await findLeftovers(r, 'run-1')).toEqual([
      { kind: 'instance', id: 'i-a', what: 'old Controller VM 10.0.0.1, replaced by i-a-new; terminating it deletes vol-i-a, vol-i-a-data (DeleteOnTermination)' },
      { kind: 'instance', id: 'i-b', what: 'old Controller VM 10.0.0.2, replaced by i-b-new; terminating it deletes vol-i-b (DeleteOnTermination), keeps vol-i-b-data' },
      { kind: 'instance', id: 'i-c', what: expect.any(String), keep: 'its IP 10.0.0.3 is a member of the Controller cluster' },
      { kind: 'instance', id: 'i-d', what: expect.any(String), keep: 'it is running, not stopped' },
      { kind: 'instance', id: 'i-e', what: expect.any(String), keep: 'run run-9 is working on it' },
    ]);
  });

  it('terminates an old Controller VM only after looking again: gone is done, back in the cluster or started again is left alone', async () => {
    const terminated: string[] = [];
    const writes = { ec2: { terminateInstance: async (id: string) => void terminated.push(id) } } as unknown as Writes;
    const r = reads({
      members: ['10.0.1.1', '10.0.0.2'],
      instances: [oldVm('i-a', '10.0.0.1'), oldVm('i-b', '10.0.0.2'), oldVm('i-c', '10.0.0.3', { state: 'pending' }), oldVm('i-d', '10.0.0.4', { state: 'shutting-down' })],
    });
    const remove = (id: string) => removeLeftover(r, writes, 'run-1', { kind: 'instance', id, what: '' }).catch((e: Error) => e.message);
    expect(await remove('i-a')).toBe('terminated');
    expect(await remove('i-gone')).toBe('already gone');
    expect(await remove('i-d')).toBe('already gone');
    expect(await remove('i-b')).toBe('instance i-b: its IP 10.0.0.2 is a member of the Controller cluster: left alone');
    expect(await remove('i-c')).toBe('instance i-c: it is pending, not stopped: left alone');
    expect(terminated).toEqual(['i-a']);
  });
});
