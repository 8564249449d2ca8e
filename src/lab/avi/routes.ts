// The /api resources the migration needs: cluster (config, runtime, status), configuration
// export/import, clouds and SE groups. Shapes follow the Avi object model (reference §2-4, §7).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cloud } from '../../avi/types.js';
import type { ClusterSim } from './cluster.js';
import { exportConfiguration, importConfiguration, tenantOf, VERSION, type SeGroup } from './config.js';
import { HttpError, paginate, parseObjectBody, readBody, sendJson } from './http.js';
import { applyMembership, checkClusterPut } from './membership.js';
import type { Tenant } from './tenants.js';

export interface ApiContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** https://host:port as the client addressed us: refs and `next` links use it. */
  origin: string;
  cluster: ClusterSim;
  /** The tenant the request works in (X-Avi-Tenant / X-Avi-Tenant-UUID); tenant-scoped objects are filtered by it. */
  tenant: Tenant;
}

/** Paths answered without a session. */
export const PUBLIC_PATHS = new Set(['/api/initial-data', '/api/cluster/status']);

const ENCRYPTION_MODES = new Set(['AWS_ENCRYPTION_MODE_NONE', 'AWS_ENCRYPTION_MODE_SSE_KMS']);

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
    case 'cloud':
      return collection(ctx, 'cloud', config.clouds, parts[1], (old, next) => validateCloud(next, old));
    case 'serviceenginegroup':
      return collection(ctx, 'serviceenginegroup', config.seGroups, parts[1]);
  }
  throw new HttpError(404, `Resource ${path} not found`);
}

function collection<T extends Cloud | SeGroup>(ctx: ApiContext, type: string, items: T[], uuid: string | undefined, update?: (old: T, body: Record<string, unknown>) => T): Promise<void> | void {
  const { req, res, url } = ctx;
  const method = req.method ?? 'GET';
  // Objects of another tenant do not exist for this request, as on a real Controller.
  const visible = (o: T) => tenantOf(o) === ctx.tenant.uuid;
  if (uuid === undefined) {
    if (method !== 'GET') throw new HttpError(405, `Method "${method}" not allowed.`);
    const name = url.searchParams.get('name');
    const selected = items.filter((o) => visible(o) && (name === null || o.name === name)).map((o) => withRefs(o, type, ctx));
    return sendJson(res, 200, paginate(selected, url, ctx.origin));
  }
  const index = items.findIndex((o) => o.uuid === uuid && visible(o));
  if (index < 0) throw new HttpError(404, `${type} object with uuid ${uuid} not found`);
  if (method === 'GET') return sendJson(res, 200, withRefs(items[index]!, type, ctx));
  if (method !== 'PUT' || !update) throw new HttpError(405, `Method "${method}" not allowed.`);
  return readBody(req).then((text) => {
    items[index] = update(items[index]!, parseObjectBody(req, text));
    sendJson(res, 200, withRefs(items[index]!, type, ctx));
  });
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

function validateCloud(b: Record<string, any>, old: Cloud): Cloud {
  if (b.uuid !== undefined && b.uuid !== old.uuid) throw new HttpError(400, `uuid ${b.uuid} does not match ${old.uuid}`);
  if (typeof b.name !== 'string' || b.name === '') throw new HttpError(400, 'name: This field is required.');
  if (b.vtype !== old.vtype) throw new HttpError(400, `vtype cannot change from ${old.vtype} (got ${b.vtype})`);
  for (const f of ['ebs_encryption', 's3_encryption'] as const) {
    const mode = b.aws_configuration?.[f]?.mode;
    if (mode !== undefined && !ENCRYPTION_MODES.has(mode)) throw new HttpError(400, `aws_configuration.${f}.mode: "${mode}" is not a valid choice.`);
  }
  const { url, tenant_ref, tenant_uuid, ...rest } = b;
  // An object stays in its tenant.
  return { ...rest, uuid: old.uuid, ...(old.tenant_uuid === undefined ? {} : { tenant_uuid: old.tenant_uuid }) } as Cloud;
}
