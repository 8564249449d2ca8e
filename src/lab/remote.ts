// Talking to a lab that runs in the background (`lab up`): inject or clear a fault, read its
// state. The lab's folder says where it listens (profile.json) and whether it lives (lab.pid).

import { resolve } from 'node:path';
import { LabUsageError, livePid, readProfile } from './control.js';
import type { ActiveFault, FaultRequest } from './faults.js';
import type { LabProfile } from './server.js';

function running(dir: string): LabProfile {
  const at = resolve(dir);
  const profile = readProfile(at);
  if (!profile || livePid(at) === undefined) throw new LabUsageError(`no lab is running in ${at}: start one with "avi-encrypt lab up --dir ${dir}"`);
  return profile;
}

async function call(profile: LabProfile, method: 'GET' | 'POST' | 'DELETE', body?: unknown): Promise<ActiveFault[]> {
  const res = await fetch(`${profile.labUrl}/_lab/faults`, {
    method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const answer = (await res.json()) as ActiveFault[] | { error: string };
  if (!res.ok) throw new LabUsageError(`the lab refused the fault: ${'error' in answer ? answer.error : res.status}`);
  return answer as ActiveFault[];
}

export async function labFault(dir: string, request: FaultRequest): Promise<ActiveFault[]> {
  const profile = running(dir);
  return request.kind === 'clear' ? call(profile, 'DELETE') : call(profile, 'POST', request);
}

export interface LabStatus {
  profile: LabProfile;
  faults: ActiveFault[];
}

export async function labStatus(dir: string): Promise<LabStatus> {
  const profile = running(dir);
  return { profile, faults: await call(profile, 'GET') };
}
