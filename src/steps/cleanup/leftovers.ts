// What a run kept for after it is verified (the document's swap path, step 9: "delete the old
// unencrypted snapshots and volumes"; the new-VMs path's old Controller VMs, stopped rather than
// terminated), found by the run's own tags only: avi-encrypt:run-id=<run> and a role that says
// "kept, to delete once verified". Nothing without both tags is ever listed.

import { TAG, type InstanceInfo, type Tags } from '../../aws/types.js';
import type { Reads } from '../gateways.js';

/** The roles a run gives what it keeps: the old roots it replaced, its temporary snapshots, the old Controller VMs it stopped. */
export const KEPT_ROLES = { volume: 'replaced-root', snapshot: 'temporary-snapshot', instance: 'replaced-controller' } as const;

export interface Leftover {
  kind: 'volume' | 'snapshot' | 'instance';
  id: string;
  /** What it is, for the list the SRE approves ("old root of 10.10.1.11, replaced by vol-0abc"). */
  what: string;
  /** Listed but not deleted, and why (attached again, still in use, a cluster member). */
  keep?: string;
}

const runTags = (runId: string, role: string): Tags => ({ [TAG.runId]: runId, [TAG.role]: role });

export async function findLeftovers(reads: Pick<Reads, 'ec2' | 'cluster'>, runId: string): Promise<Leftover[]> {
  const out: Leftover[] = [];
  for (const v of await reads.ec2.findVolumesByTags(runTags(runId, KEPT_ROLES.volume))) {
    const by = v.tags[TAG.replacedBy];
    const node = v.tags[TAG.node] ? ` of ${v.tags[TAG.node]}` : '';
    const what = `old root${node}${by ? `, replaced by ${by}` : ''} (${v.size} GiB, ${v.encrypted ? 'encrypted' : 'unencrypted'})`;
    const attached = v.attachments.find((a) => a.state !== 'detached');
    const keep = !by ? `it has no ${TAG.replacedBy} tag` : attached ? `it is attached to ${attached.instanceId} at ${attached.device} again` : v.state !== 'available' ? `it is ${v.state}` : undefined;
    out.push({ kind: 'volume', id: v.volumeId, what, ...(keep ? { keep } : {}) });
  }
  for (const s of await reads.ec2.findSnapshotsByTags(runTags(runId, KEPT_ROLES.snapshot))) {
    const keep = s.state === 'pending' ? 'it is still pending' : undefined;
    out.push({ kind: 'snapshot', id: s.snapshotId, what: `temporary snapshot (${s.volumeSize} GiB)`, ...(keep ? { keep } : {}) });
  }
  // A terminated VM is gone already (EC2 lists it for a while): nothing to do, nothing to show.
  const vms = (await reads.ec2.findInstancesByTags(runTags(runId, KEPT_ROLES.instance))).filter((i) => i.state !== 'terminated' && i.state !== 'shutting-down');
  const members = vms.length ? await clusterMembers(reads) : new Set<string>();
  for (const i of vms) {
    const keep = oldVmKept(i, runId, members);
    out.push({ kind: 'instance', id: i.instanceId, what: oldVmWhat(i), ...(keep ? { keep } : {}) });
  }
  return out;
}

/** The private IPs the cluster lists now: an instance holding one is a Controller, whatever its tags say. */
export async function clusterMembers(reads: Pick<Reads, 'cluster'>): Promise<Set<string>> {
  return new Set((await reads.cluster.getCluster()).nodes.map((n) => n.ip.addr));
}

/** Why an old Controller VM of the run must stay, or undefined when it may be terminated. */
export function oldVmKept(i: InstanceInfo, runId: string, members: Set<string>): string | undefined {
  if (i.tags[TAG.runId] !== runId || i.tags[TAG.role] !== KEPT_ROLES.instance) return `it is no longer tagged ${TAG.runId}=${runId}, ${TAG.role}=${KEPT_ROLES.instance}`;
  if (i.privateIp && members.has(i.privateIp)) return `its IP ${i.privateIp} is a member of the Controller cluster`;
  if (!i.tags[TAG.replacedBy]) return `it has no ${TAG.replacedBy} tag`;
  const marker = Object.keys(i.tags).find((k) => k.startsWith(TAG.inFlightPrefix));
  if (marker) return `run ${marker.slice(TAG.inFlightPrefix.length)} is working on it`;
  if (i.state !== 'stopped') return `it is ${i.state}, not stopped`;
  return undefined;
}

function oldVmWhat(i: InstanceInfo): string {
  const ids = (keep: boolean) => i.blockDevices.filter((b) => b.deleteOnTermination !== keep).map((b) => b.volumeId).join(', ');
  const goes = ids(false);
  const stays = ids(true);
  const volumes = [goes && `terminating it deletes ${goes} (DeleteOnTermination)`, stays && `keeps ${stays}`].filter(Boolean).join(', ');
  return `old Controller VM ${i.tags[TAG.node] ?? i.privateIp ?? '?'}, replaced by ${i.tags[TAG.replacedBy] ?? '?'}${volumes ? `; ${volumes}` : ''}`;
}
