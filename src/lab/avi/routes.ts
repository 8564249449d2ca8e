// The /api resources the migration needs: cluster (config, runtime, status), configuration
// export/import; clouds, SE groups, SEs and virtual services in fleet/routes.ts. Shapes follow
// the Avi object model (reference §2-7).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterSim } from './cluster.js';
import { exportConfiguration, importConfiguration, tenantOf, VERSION } from './config.js';
import type { Fleet } from './fleet/fleet.js';
import { FLEET_COLLECTIONS, routeFleet } from './fleet/routes.js';
import { HttpError, parseObjectBody, readBody, sendJson } from './http.js';
import { applyMembership, checkClusterPut } from './membership.js';
import type { Tenant } from './tenants.js';

export interface ApiContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** https://host:port as the client addressed us: refs and `next` links use it. */
  origin: string;
  cluster: ClusterSim;
  /** SEs and virtual services; absent when the sim runs on a bare world (no EC2 to launch SEs in). */
  fleet?: Fleet | undefined;
  /** The tenant the request works in (X-Avi-Tenant / X-Avi-Tenant-UUID); tenant-scoped objects are filtered by it. */
  tenant: Tenant;
}

/** Paths answered without a session. */
export const PUBLIC_PATHS = new Set(['/api/initial-data', '/api/cluster/status']);

export async function routeApi(ctx: ApiContext): Promise<void> {
  const { req, res, url, cluster } = ctx;
  const method = req.method ?? 'GET';
  const path = url.pathname.replace(/\/+$/, '');
  const parts = path.split('/').slice(2); // after "/api"
  const config = cluster.config;
  const allow = (...methods: string[]) => {
    if (!methods.includes(method)) throw new HttpError(405, `Method "${method}" not allowed.`);
  };
  const body = async () => parseObjectBody(req, await readBody(req));

  switch (parts[0]) {
    case 'initial-data':
      allow('GET');
      return sendJson(res, 200, { version: { ...VERSION }, user_initialized: true, banner: '' });
    case 'cluster': {
      if (parts[1] === 'status' || parts[1] === 'runtime') {
        allow('GET');
        const rt = cluster.runtime();
        return sendJson(res, 200, parts[1] === 'runtime' ? rt : { cluster_state: rt.cluster_state, node_states: rt.node_states });
      }
      if (parts.length > 2 || (parts[1] !== undefined && parts[1] !== config.cluster.uuid)) throw new HttpError(404, `Cluster object ${parts.slice(1).join('/')} not found`);
      allow('GET', 'PUT');
      if (method === 'PUT') {
        const change = checkClusterPut(await body(), cluster, cluster.nodePassword);
        sendJson(res, 200, withRefs(change.next, 'cluster', ctx));
        return applyMembership(cluster, change); // answered first: a re-formation takes the API down right after
      }
      return sendJson(res, 200, withRefs(config.cluster, 'cluster', ctx));
    }
    case 'configuration': {
      if (parts[1] === 'export' && parts.length === 2) {
        allow('GET', 'POST');
        const passphrase = method === 'POST' ? (await body()).passphrase : url.searchParams.get('passphrase');
        if (typeof passphrase !== 'string' || passphrase === '') throw new HttpError(400, 'passphrase is required to export a configuration');
        return sendJson(res, 200, exportConfiguration(config, passphrase));
      }
      if (parts[1] === 'import' && parts.length === 2) {
        allow('POST');
        const b = await body();
        if (!cluster.single) throw new HttpError(400, 'Configuration import is only supported on a 1-node Controller; restore the leader, then add followers');
        if (config.hasConfig) throw new HttpError(400, 'Controller already has a configuration: restore requires a factory-fresh (clean) Controller');
        const restored = importConfiguration(b.configuration, b.passphrase);
        sendJson(res, 200, { status: 'Configuration restored; the Controller restarts its services' });
        cluster.restored(restored); // answered first: the restart takes the API down right after
        return;
      }
      break;
    }
  }
  if (FLEET_COLLECTIONS.has(parts[0] ?? '')) return routeFleet(ctx, parts);
  throw new HttpError(404, `Resource ${path} not found`);
}

/** Adds the computed `url`/`*_ref` fields; with include_name=true refs end in `#name`. */
function withRefs(obj: Record<string, any>, type: string, ctx: ApiContext): Record<string, unknown> {
  const named = ctx.url.searchParams.get('include_name') === 'true';
  const ref = (t: string, uuid: string, name?: string) => `${ctx.origin}/api/${t}/${uuid}${named && name ? `#${name}` : ''}`;
  const { cloud_uuid, tenant_uuid, ...rest } = obj;
  const tenant = ctx.cluster.config.tenants.find((t) => t.uuid === tenantOf(obj));
  const out: Record<string, unknown> = { url: ref(type, obj.uuid, obj.name), ...rest, tenant_ref: ref('tenant', tenantOf(obj), tenant?.name) };
  if (cloud_uuid) out.cloud_ref = ref('cloud', cloud_uuid, ctx.cluster.config.clouds.find((c) => c.uuid === cloud_uuid)?.name);
  return out;
}
