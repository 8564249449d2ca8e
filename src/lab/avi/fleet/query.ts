// Collection queries the way the Avi API takes them (reference §2): filters name, name.in,
// name.contains, uuid, uuid.in, refers_to=<type>:<uuid>, <field>_ref.uuid|name, cloud_uuid; then
// paging (page, page_size, `next`), then the projection: fields=..., join_subresources=runtime and
// include_name. Rows are filtered and paged before they are rendered, so 1,000 SEs page cheaply.

import { paginate } from '../http.js';
import type { Json } from './shapes.js';

export interface RefKey { type: string; uuid: string; name?: string | undefined }

export interface Row {
  uuid: string;
  name: string;
  /** The object's *_ref fields, for refers_to and <field>.uuid / <field>.name filters. */
  refs: Record<string, RefKey>;
  render(): Json;
  runtime?: () => Json;
}

function matches(row: Row, params: URLSearchParams): boolean {
  for (const [key, value] of params) {
    const list = value.split(',');
    const field = /^(\w+_ref)\.(uuid|name)$/.exec(key);
    const ok = key === 'name' ? row.name === value
      : key === 'uuid' ? row.uuid === value
      : key === 'name.in' ? list.includes(row.name)
      : key === 'uuid.in' ? list.includes(row.uuid)
      : key === 'name.contains' ? row.name.includes(value)
      : key === 'name.icontains' ? row.name.toLowerCase().includes(value.toLowerCase())
      : key === 'cloud_uuid' ? row.refs.cloud_ref?.uuid === value
      : key === 'refers_to' ? Object.values(row.refs).some((r) => `${r.type}:${r.uuid}` === value)
      : field ? row.refs[field[1]!]?.[field[2] as 'uuid' | 'name'] === value
      : true; // paging and projection parameters
    if (!ok) return false;
  }
  return true;
}

/** One object as the query asks for it. */
export function present(row: Row, url: URL, origin: string): Json {
  let obj = row.render();
  const joined = (url.searchParams.get('join_subresources') ?? '').split(',').includes('runtime');
  if (joined && row.runtime) obj.runtime = row.runtime();
  const fields = url.searchParams.get('fields');
  if (fields) {
    // name, url and uuid are always returned [SW-*].
    const keep = new Set(['url', 'uuid', 'name', ...fields.split(','), ...(joined ? ['runtime'] : [])]);
    obj = Object.fromEntries(Object.entries(obj).filter(([k]) => keep.has(k)));
  }
  return named(obj, url, origin);
}

/** Refs carry `#name` only with include_name=true. */
export function named(obj: Json, url: URL, origin: string): Json {
  return url.searchParams.get('include_name') === 'true' ? obj : (unnamed(obj, `${origin}/api/`) as Json);
}

export function list(rows: Row[], url: URL, origin: string): { count: number; results: Json[]; next?: string } {
  const page = paginate(rows.filter((r) => matches(r, url.searchParams)), url, origin);
  return { ...page, results: page.results.map((r) => present(r, url, origin)) };
}

function unnamed(value: unknown, prefix: string): unknown {
  if (typeof value === 'string') return value.startsWith(prefix) ? value.split('#')[0] : value;
  if (Array.isArray(value)) return value.map((v) => unnamed(v, prefix));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unnamed(v, prefix)]));
  return value;
}

