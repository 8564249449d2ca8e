// /api/cloud (and its /status) and /api/serviceenginegroup, read from and written to the
// Controller's configuration; the SE and VS collections are in engine-routes.ts.

import type { Cloud } from '../../../avi/types.js';
import { tenantOf, type SeGroup } from '../config.js';
import { HttpError, sendJson } from '../http.js';
import type { ApiContext } from '../routes.js';
import { routeEngines } from './engine-routes.js';
import { list, present, type Row } from './query.js';
import { allow, must, written } from './request.js';
import { validateCloud, validateGroup } from './rules.js';
import { cloudStatus } from './se-image.js';
import { cloudJson, groupJson } from './shapes.js';
import { sesOf } from './state.js';

export const FLEET_COLLECTIONS = new Set(['cloud', 'serviceenginegroup', 'serviceengine', 'serviceengine-inventory', 'virtualservice']);

export async function routeFleet(ctx: ApiContext, parts: string[]): Promise<void> {
  const [collection, uuid, sub, extra] = parts;
  if (extra !== undefined) throw new HttpError(404, `Resource ${ctx.url.pathname} not found`);
  if (collection === 'cloud') return cloud(ctx, uuid, sub);
  if (collection === 'serviceenginegroup') return seGroup(ctx, uuid, sub);
  // SEs and virtual services all live in the admin tenant: another tenant sees none of them.
  if (ctx.tenant.uuid !== 'admin') {
    if (uuid !== undefined || ctx.req.method !== 'GET') throw new HttpError(404, `${collection} object with uuid ${uuid ?? ''} not found`);
    return sendJson(ctx.res, 200, { count: 0, results: [] });
  }
  return routeEngines(ctx, collection!, uuid, sub);
}

/** Clouds and SE groups are tenant-scoped: another tenant's do not exist for this request. */
const inTenant = (ctx: ApiContext) => (o: Record<string, unknown>) => tenantOf(o) === ctx.tenant.uuid;

const cloudRow = (ctx: ApiContext, c: Cloud): Row => ({ uuid: c.uuid, name: c.name, refs: {}, render: () => cloudJson(ctx.origin, c) });

async function cloud(ctx: ApiContext, uuid: string | undefined, sub: string | undefined): Promise<void> {
  const clouds = () => ctx.cluster.config.clouds;
  if (uuid === undefined) {
    allow(ctx, 'GET');
    return sendJson(ctx.res, 200, list(clouds().filter(inTenant(ctx)).map((c) => cloudRow(ctx, c)), ctx.url, ctx.origin));
  }
  const found = () => must(clouds().find((c) => c.uuid === uuid && inTenant(ctx)(c)), 'cloud', uuid);
  if (sub === 'status') {
    allow(ctx, 'GET');
    found();
    return sendJson(ctx.res, 200, cloudStatus(ctx.fleet?.images.get(uuid)));
  }
  if (sub !== undefined) throw new HttpError(404, `Resource ${ctx.url.pathname} not found`);
  const method = allow(ctx, 'GET', 'PUT', 'PATCH');
  if (method !== 'GET') {
    const body = await written(ctx, method, found);
    const old = found();
    const next = validateCloud(body, old);
    clouds()[clouds().indexOf(old)] = next;
    ctx.fleet?.cloudWritten(old, next);
  }
  return sendJson(ctx.res, 200, present(cloudRow(ctx, found()), ctx.url, ctx.origin));
}

async function seGroup(ctx: ApiContext, uuid: string | undefined, sub: string | undefined): Promise<void> {
  const config = () => ctx.cluster.config;
  const row = (g: SeGroup): Row => ({
    uuid: g.uuid, name: g.name,
    refs: { cloud_ref: { type: 'cloud', uuid: g.cloud_uuid, name: config().clouds.find((c) => c.uuid === g.cloud_uuid)?.name } },
    render: () => groupJson(ctx.origin, g, config().clouds),
  });
  if (uuid === undefined) {
    allow(ctx, 'GET');
    return sendJson(ctx.res, 200, list(config().seGroups.filter(inTenant(ctx)).map(row), ctx.url, ctx.origin));
  }
  if (sub !== undefined) throw new HttpError(404, `Resource ${ctx.url.pathname} not found`);
  const found = () => must(config().seGroups.find((g) => g.uuid === uuid && inTenant(ctx)(g)), 'serviceenginegroup', uuid);
  const method = allow(ctx, 'GET', 'PUT', 'PATCH');
  if (method !== 'GET') {
    const body = await written(ctx, method, () => groupJson(ctx.origin, found(), config().clouds));
    const old = found();
    const next = validateGroup(body, old, ctx.fleet ? sesOf(ctx.fleet, uuid).length : 0);
    config().seGroups[config().seGroups.indexOf(old)] = next;
    ctx.fleet?.groupWritten(uuid);
  }
  return sendJson(ctx.res, 200, present(row(found()), ctx.url, ctx.origin));
}
