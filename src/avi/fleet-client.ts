// The cloud, SE group, SE and virtual service calls of the Avi client, over its session, retry
// and paging plumbing (client.ts). Reference §2 (filters, include_name, join_subresources,
// page_size <= 200), §5 (SE verbs), §6, §7.

import type { Cloud } from './types.js';
import { AviError } from './types.js';
import type { CloudReads, CloudStatus, CloudWrites, EngineReads, EngineWrites, SeGroupConfig, ServiceEngine, VirtualService } from './fleet-types.js';

/** What client.ts lends: one call (session, retries, errors scrubbed), JSON reads, and `next` paging. */
export interface ApiCalls {
  call(method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE', path: string, options?: { body?: unknown; idempotent?: boolean }): Promise<string>;
  getJson<T>(path: string): Promise<T>;
  listAll<T>(path: string): Promise<T[]>;
  guarded<T>(work: () => Promise<T>): Promise<T>;
}

// The swagger's page_size range is 1-200 (reference §2).
const PAGE = 'page_size=200';
// Named refs (#name) and the runtime in the same answer: one call per page instead of one per object.
const DETAIL = 'include_name=true&join_subresources=runtime';
const q = encodeURIComponent;

/** uuid.in (reference §2) with at most 100 uuids a query, so the URL stays a few kB; none asked, no call. */
async function byUuids<T>(uuids: string[], query: (list: string) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < uuids.length; i += 100) out.push(...(await query(uuids.slice(i, i + 100).map(q).join(','))));
  return out;
}

/** 404 is "gone" for an object the run is waiting to disappear. */
async function orGone<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof AviError && e.status === 404) return undefined;
    throw e;
  }
}

export function fleetApi(api: ApiCalls): CloudReads & CloudWrites & EngineReads & EngineWrites {
  const { guarded } = api;
  return {
    listClouds: () => guarded(() => api.listAll<Cloud>(`/api/cloud?${PAGE}`)),
    getCloud: (uuid) => guarded(() => api.getJson<Cloud>(`/api/cloud/${q(uuid)}`)),
    getCloudStatus: (uuid) => guarded(() => api.getJson<CloudStatus>(`/api/cloud/${q(uuid)}/status`)),
    putCloud: (cloud) => guarded(async () => JSON.parse(await api.call('PUT', `/api/cloud/${q(cloud.uuid)}`, { body: cloud })) as Cloud),

    listSeGroups: (cloudUuid) => guarded(() => api.listAll<SeGroupConfig>(`/api/serviceenginegroup?cloud_ref.uuid=${q(cloudUuid)}&include_name=true&${PAGE}`)),
    listServiceEngines: (groupUuid) => guarded(() => api.listAll<ServiceEngine>(`/api/serviceengine?se_group_ref.uuid=${q(groupUuid)}&${DETAIL}&${PAGE}`)),
    getServiceEngine: (uuid) => guarded(() => orGone(() => api.getJson<ServiceEngine>(`/api/serviceengine/${q(uuid)}?${DETAIL}`))),
    listVirtualServices: (groupUuid) => guarded(() => api.listAll<VirtualService>(`/api/virtualservice?se_group_ref.uuid=${q(groupUuid)}&${DETAIL}&${PAGE}`)),
    getVirtualService: (uuid) => guarded(() => orGone(() => api.getJson<VirtualService>(`/api/virtualservice/${q(uuid)}?${DETAIL}`))),
    getServiceEngines: (uuids) => guarded(() => byUuids(uuids, (list) => api.listAll<ServiceEngine>(`/api/serviceengine?uuid.in=${list}&${DETAIL}&${PAGE}`))),
    getVirtualServices: (uuids) => guarded(() => byUuids(uuids, (list) => api.listAll<VirtualService>(`/api/virtualservice?uuid.in=${list}&${DETAIL}&${PAGE}`))),
    listCloudServiceEngines: (cloudUuid) => guarded(() => api.listAll<ServiceEngine>(`/api/serviceengine?cloud_ref.uuid=${q(cloudUuid)}&${DETAIL}&${PAGE}`)),
    listCloudVirtualServices: (cloudUuid) => guarded(() => api.listAll<VirtualService>(`/api/virtualservice?cloud_ref.uuid=${q(cloudUuid)}&${DETAIL}&${PAGE}`)),

    // PATCH with depth-1 `replace` (reference §2, §5.3): only enable_state changes, nothing else is sent back.
    setEnableState: (uuid, state) => guarded(async () => {
      await api.call('PATCH', `/api/serviceengine/${q(uuid)}`, { body: { replace: { enable_state: state } } });
    }),
    // A DELETE that timed out may have happened: not idempotent for the retry policy; callers look first.
    deleteServiceEngine: (uuid) => guarded(async () => {
      await api.call('DELETE', `/api/serviceengine/${q(uuid)}`, { idempotent: false });
    }),
    forceDeleteServiceEngine: (uuid) => guarded(async () => {
      await api.call('POST', `/api/serviceengine/${q(uuid)}/forcedelete`, { body: {}, idempotent: false });
    }),
  };
}
