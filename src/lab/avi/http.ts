// Small HTTP helpers for the simulated Controller: bodies, cookies, Avi-style errors,
// collection paging and version comparison. Plain node:http, no framework.

import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request failure the router turns into Avi's `{"error": "..."}` body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY = 16 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** JSON or form-encoded object body (the python SDK logs in with a form, the Go SDK with JSON). */
export function parseObjectBody(req: IncomingMessage, text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'JSON parse error - request body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HttpError(400, 'Request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

export function parseCookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    out.set(part.slice(0, eq).trim(), decodeURIComponent(part.slice(eq + 1).trim()));
  }
  return out;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: message });
}

/** `/api/<collection>` answers: `{count, results, next?}`; page is 1-based, page_size defaults to 25 (max 200). */
export function paginate<T>(items: T[], url: URL, origin: string): { count: number; results: T[]; next?: string } {
  const size = intParam(url, 'page_size', 25);
  const page = intParam(url, 'page', 1);
  if (size < 1 || size > 200) throw new HttpError(400, `page_size must be between 1 and 200, got ${size}`);
  if (page < 1) throw new HttpError(400, `page must be at least 1, got ${page}`);
  const start = (page - 1) * size;
  if (page > 1 && start >= items.length) throw new HttpError(404, 'Invalid page.');
  const out: { count: number; results: T[]; next?: string } = { count: items.length, results: items.slice(start, start + size) };
  if (start + size < items.length) {
    const next = new URL(url.pathname + url.search, origin);
    next.searchParams.set('page', String(page + 1));
    next.searchParams.set('page_size', String(size));
    out.next = next.toString();
  }
  return out;
}

function intParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw)) throw new HttpError(400, `${name} must be an integer, got "${raw}"`);
  return Number(raw);
}

/** Compares dotted release strings ("22.1.3" vs "18.2.6"); undefined when not a release string. */
export function compareVersions(a: string, b: string): number | undefined {
  const re = /^\d+(\.\d+){0,3}$/;
  if (!re.test(a) || !re.test(b)) return undefined;
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}
