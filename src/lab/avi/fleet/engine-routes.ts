// /api/serviceengine (GET, PUT/PATCH enable_state, DELETE, /runtime, /forcedelete),
// /api/serviceengine-inventory and /api/virtualservice (GET, /runtime). All in the admin tenant.
// Without a fleet (a Controller sim built on a bare world) the collections are empty.

import { HttpError, sendJson } from '../http.js';
import type { ApiContext } from '../routes.js';
import type { Fleet } from './fleet.js';
import type { SeRecord, VsRecord } from './model.js';
import { list, named, present, type RefKey, type Row } from './query.js';
import { allow, must, written } from './request.js';
import { validateSe } from './rules.js';
import { hostIndex, seInventory, seJson, seRuntime, vsJson, vsRuntime } from './shapes.js';

export async function routeEngines(ctx: ApiContext, collection: string, uuid: string | undefined, sub: string | undefined): Promise<void> {
  const fleet = ctx.fleet;
  if (collection === 'virtualservice') return virtualService(ctx, fleet, uuid, sub);
  const ses = fleet?.visibleSes() ?? [];
  const on = fleet ? hostIndex(fleet) : () => [];
  const inventory = collection === 'serviceengine-inventory';
  const row = (se: SeRecord): Row => ({
    uuid: se.uuid, name: se.name, refs: placedRefs(fleet!, se.cloudUuid, se.groupUuid),
    render: () => (inventory ? seInventory(fleet!, ctx.origin, se, on(se)) : seJson(fleet!, ctx.origin, se, on(se))),
    ...(inventory ? {} : { runtime: () => seRuntime(fleet!, se) }),
  });
  if (uuid === undefined) {
    allow(ctx, 'GET');
    return sendJson(ctx.res, 200, list(ses.map(row), ctx.url, ctx.origin));
  }
  const se = must(ses.find((s) => s.uuid === uuid), collection, uuid);
  if (inventory || sub === 'runtime') {
    allow(ctx, 'GET');
    if (sub !== undefined && inventory) throw new HttpError(404, `Resource ${ctx.url.pathname} not found`);
    return sendJson(ctx.res, 200, sub === 'runtime' ? seRuntime(fleet!, se) : present(row(se), ctx.url, ctx.origin));
  }
  if (sub === 'forcedelete') {
    allow(ctx, 'POST');
    fleet!.deleteSe(se, true);
    return sendJson(ctx.res, 200, {});
  }
  if (sub !== undefined) throw new HttpError(404, `Resource ${ctx.url.pathname} not found`);
  const method = allow(ctx, 'GET', 'PUT', 'PATCH', 'DELETE');
  if (method === 'DELETE') {
    fleet!.deleteSe(se, false);
    ctx.res.writeHead(204).end();
    return;
  }
  if (method !== 'GET') {
    const body = await written(ctx, method, () => seJson(fleet!, ctx.origin, se, on(se)));
    if (!fleet!.ses.has(se.uuid)) throw new HttpError(404, `serviceengine object with uuid ${uuid} not found`);
    const group = { uuid: se.groupUuid, name: fleet!.config().seGroups.find((g) => g.uuid === se.groupUuid)?.name ?? '' };
    fleet!.setEnableState(se, validateSe(body, { uuid: se.uuid, group }));
  }
  return sendJson(ctx.res, 200, present(row(se), ctx.url, ctx.origin));
}

async function virtualService(ctx: ApiContext, fleet: Fleet | undefined, uuid: string | undefined, sub: string | undefined): Promise<void> {
  allow(ctx, 'GET');
  const vss = fleet?.visibleVss() ?? [];
  const row = (vs: VsRecord): Row => ({
    uuid: vs.uuid, name: vs.name, refs: placedRefs(fleet!, vs.cloudUuid, vs.groupUuid),
    render: () => vsJson(fleet!, ctx.origin, vs), runtime: () => vsRuntime(fleet!, ctx.origin, vs),
  });
  if (uuid === undefined) return sendJson(ctx.res, 200, list(vss.map(row), ctx.url, ctx.origin));
  const vs = must(vss.find((v) => v.uuid === uuid), 'virtualservice', uuid);
  if (sub === 'runtime') return sendJson(ctx.res, 200, named(vsRuntime(fleet!, ctx.origin, vs), ctx.url, ctx.origin));
  if (sub !== undefined) throw new HttpError(404, `Resource ${ctx.url.pathname} not found`);
  return sendJson(ctx.res, 200, present(row(vs), ctx.url, ctx.origin));
}

function placedRefs(fleet: Fleet, cloudUuid: string, groupUuid: string): Record<string, RefKey> {
  const config = fleet.config();
  return {
    cloud_ref: { type: 'cloud', uuid: cloudUuid, name: config.clouds.find((c) => c.uuid === cloudUuid)?.name },
    se_group_ref: { type: 'serviceenginegroup', uuid: groupUuid, name: config.seGroups.find((g) => g.uuid === groupUuid)?.name },
    tenant_ref: { type: 'tenant', uuid: 'admin', name: 'admin' },
  };
}
