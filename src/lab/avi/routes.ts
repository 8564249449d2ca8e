// The /api resources the migration needs: cluster (config, runtime, status), configuration
// export/import; clouds, SE groups, SEs and virtual services in fleet/routes.ts. Shapes follow
// the Avi object model (reference §2-7).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterConfig } from '../../avi/types.js';
import type { ClusterSim } from './cluster.js';
import { exportConfiguration, importConfiguration, VERSION } from './config.js';
import type { Fleet } from './fleet/fleet.js';
import { FLEET_COLLECTIONS, routeFleet } from './fleet/routes.js';
import { HttpError, parseObjectBody, readBody, sendJson } from './http.js';

export interface ApiContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** https://host:port as the client addressed us: refs and `next` links use it. */
  origin: string;
  cluster: ClusterSim;
  /** SEs and virtual services; absent when the sim runs on a bare world (no EC2 to launch SEs in). */
  fleet?: Fleet | undefined;
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
        config.cluster = validateCluster(await body(), config.cluster);
        cluster.clusterSaved();
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
  const { cloud_uuid, ...rest } = obj;
  const out: Record<string, unknown> = { url: ref(type, obj.uuid, obj.name), ...rest, tenant_ref: ref('tenant', 'admin', 'admin') };
  if (cloud_uuid) out.cloud_ref = ref('cloud', cloud_uuid, ctx.cluster.config.clouds.find((c) => c.uuid === cloud_uuid)?.name);
  return out;
}

/** PUT /api/cluster on this path may edit and save, never change membership. */
function validateCluster(b: Record<string, any>, current: ClusterConfig): ClusterConfig {
  if (b.uuid !== undefined && b.uuid !== current.uuid) throw new HttpError(400, `uuid ${b.uuid} does not match cluster ${current.uuid}`);
  if (typeof b.name !== 'string' || b.name === '') throw new HttpError(400, 'name: This field is required.');
  if (!Array.isArray(b.nodes) || b.nodes.length === 0) throw new HttpError(400, 'nodes: at least one node is required');
  const ips = b.nodes.map((n: any) => n?.ip?.addr);
  if (ips.some((ip: unknown) => typeof ip !== 'string')) throw new HttpError(400, 'nodes: every node needs ip.addr');
  const have = current.nodes.map((n) => n.ip.addr);
  const same = ips.length === have.length && have.every((ip) => ips.includes(ip));
  if (!same) throw new HttpError(400, `Cluster membership change is not allowed here: nodes must stay ${have.join(', ')} (got ${ips.join(', ')})`);
  const { url, tenant_ref, ...rest } = b;
  // node passwords are used while joining and never persisted
  const nodes = b.nodes.map(({ password, ...n }: Record<string, unknown>) => ({ ...n, name: n.name ?? (n.ip as any).addr }));
  return { ...rest, uuid: current.uuid, name: b.name, nodes } as ClusterConfig;
}
