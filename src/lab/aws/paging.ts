// Paging as EC2 (MaxResults/NextToken) and KMS (Limit/Marker) document it, plus the lab's
// `--page-size N`, which caps every page at N items even when the caller asks for none, so a tool
// that reads only the first page fails in the lab as it would against a large account.

import { createHash } from 'node:crypto';
import { AwsFault } from './fault.js';
import type { QueryParams } from './query.js';

export interface Ec2PageRule {
  /** AWS refuses a smaller MaxResults, and caps a larger one at max (API reference of each action). */
  min: number;
  max: number;
  /** The request's id-list element; when set, ids exclude MaxResults/NextToken and are answered in one page. */
  idsSet?: string;
}

interface Cursor { a: string; o: number; s: string }

const encode = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

function decode(token: string, action: string, selection: string): number {
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (c.a === action && c.s === selection && Number.isInteger(c.o) && c.o! > 0) return c.o!;
  } catch {
    // not ours: refused below
  }
  throw new AwsFault('InvalidParameterValue', 'Unable to parse pagination token');
}

/** A digest of everything that selects the items except the paging itself, so a token only continues its own listing. */
function selectionOf(q: QueryParams): string {
  const hash = createHash('sha256');
  for (const [k, v] of q.entries()) if (!['MaxResults', 'NextToken', 'DryRun', 'Version'].includes(k)) hash.update(`${k}=${v}\n`);
  return hash.digest('base64url').slice(0, 16);
}

/**
 * One EC2 page of `items` (already the listing's full, ordered candidate set). Filters apply to the
 * page after it is cut, as on EC2, where "the results can include fewer than MaxResults items".
 */
export function ec2Page<T>(
  items: T[],
  q: QueryParams,
  opts: { action: string; rule: Ec2PageRule; byIds: boolean; forcedPageSize: number | undefined; filter: (page: T[]) => T[] },
): { items: T[]; nextToken?: string } {
  const { action, rule, byIds } = opts;
  const maxResults = q.int('MaxResults');
  const token = q.get('NextToken');
  if (byIds && rule.idsSet && (maxResults !== undefined || token !== undefined)) {
    const other = maxResults !== undefined ? 'maxResults' : 'nextToken';
    throw new AwsFault('InvalidParameterCombination', `The parameter ${rule.idsSet} cannot be used with the parameter ${other}`);
  }
  if (maxResults !== undefined && maxResults < rule.min) {
    throw new AwsFault('InvalidParameterValue', `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value greater than ${rule.min}.`);
  }
  if (byIds && rule.idsSet) return { items: opts.filter(items) };
  const selection = selectionOf(q);
  const start = token === undefined || token === '' ? 0 : decode(token, action, selection);
  const limits = [maxResults === undefined ? undefined : Math.min(maxResults, rule.max), opts.forcedPageSize]
    .filter((n): n is number => n !== undefined);
  const size = limits.length ? Math.min(...limits) : items.length;
  const end = start + size;
  return {
    items: opts.filter(items.slice(start, end)),
    ...(end < items.length ? { nextToken: encode({ a: action, o: end, s: selection }) } : {}),
  };
}

/** One KMS page: Limit between 1 and max (default `byDefault`), Marker from NextMarker, Truncated. */
export function kmsPage<T>(
  items: T[],
  input: Record<string, unknown>,
  opts: { action: string; max: number; byDefault: number; forcedPageSize: number | undefined },
): { page: T[]; Truncated: boolean; NextMarker?: string } {
  const limit = input['Limit'];
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > opts.max)) {
    const bound = typeof limit === 'number' && limit > opts.max ? `less than or equal to ${opts.max}` : 'greater than or equal to 1';
    throw new AwsFault('ValidationException',
      `1 validation error detected: Value '${String(limit)}' at 'limit' failed to satisfy constraint: Member must have value ${bound}`);
  }
  const marker = input['Marker'];
  let start = 0;
  if (marker !== undefined) {
    const c = typeof marker === 'string' ? safeJson(Buffer.from(marker, 'base64url').toString('utf8')) : undefined;
    if (!c || c.a !== opts.action || !Number.isInteger(c.o) || c.o <= 0) {
      throw new AwsFault('InvalidMarkerException', 'The request was rejected because the marker that specifies where pagination should next begin is not valid.');
    }
    start = c.o;
  }
  const size = Math.min(typeof limit === 'number' ? limit : opts.byDefault, opts.forcedPageSize ?? Infinity);
  const end = start + size;
  const truncated = end < items.length;
  return { page: items.slice(start, end), Truncated: truncated, ...(truncated ? { NextMarker: encode({ a: opts.action, o: end, s: '' }) } : {}) };
}

function safeJson(text: string): Cursor | undefined {
  try {
    return JSON.parse(text) as Cursor;
  } catch {
    return undefined;
  }
}
