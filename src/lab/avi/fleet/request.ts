// Request plumbing shared by the fleet routes: allowed verbs, Avi's 404 for a missing object, and
// the object a PUT (the body) or a PATCH (the body applied to the current object) asks for.

import { HttpError, parseObjectBody, readBody } from '../http.js';
import type { ApiContext } from '../routes.js';
import { applyPatch } from './rules.js';

export function allow(ctx: ApiContext, ...methods: string[]): string {
  const method = ctx.req.method ?? 'GET';
  if (!methods.includes(method)) throw new HttpError(405, `Method "${method}" not allowed.`);
  return method;
}

/** The object, or Avi's 404 for it. */
export function must<T>(value: T | undefined, type: string, uuid: string): T {
  if (value === undefined) throw new HttpError(404, `${type} object with uuid ${uuid} not found`);
  return value;
}

/** PUT takes the body as the new object; PATCH applies it to the current one. */
export async function written(ctx: ApiContext, method: string, current: () => Record<string, unknown>): Promise<Record<string, unknown>> {
  const body = parseObjectBody(ctx.req, await readBody(ctx.req));
  return method === 'PATCH' ? applyPatch(current(), body) : body;
}
