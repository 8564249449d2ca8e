// AviGateway over the Controller REST API: session login with re-login on 401/419, retries with
// backoff until a deadline, `next` paging, and error messages scrubbed of every secret.

import { AviError, type AviGateway, type AviRole, type ClusterConfig, type ClusterRuntime } from './types.js';
import { fleetApi } from './fleet-client.js';
import { redact, oneLine } from './errors.js';
import { checkStatus, controllerOrigin, makeExchanger, readCaBundle } from './exchange.js';
import { withRetry } from './retry.js';
import { AviSession } from './session.js';
import type { HttpRequest, HttpResponse } from './transport.js';

export interface AviClientOptions {
  /** https://host[:port] */
  controller: string;
  username: string;
  password: string;
  tenant: string;
  /** X-Avi-Version to send; default: the version the Controller reports at login. */
  apiVersion?: string;
  /** PEM file of CAs to trust for the Controller certificate. */
  caBundle?: string;
  /** How long transient failures (5xx, refused/reset connections) are retried. Default 120 s. */
  retryDeadlineMs?: number;
  /** The longest gap between two retries. Default 15 s. */
  retryMaxGapMs?: number;
  /** Idle timeout of one request. Default 30 s. */
  requestTimeoutMs?: number;
  onRetry?: (info: { attempt: number; reason: string }) => void;
  /**
   * A plan: only GET (and the login) may leave. Writes have their own recorder in a plan; this
   * is the second net that makes a write that slipped past it fail instead of reach the Controller.
   */
  readOnly?: boolean;
}

type Method = HttpRequest['method'];

interface CallOptions {
  body?: unknown;
  timeoutMs?: number;
  idempotent?: boolean;
}

/** Exports and imports of a large Controller take minutes; the reference saw a 7200 s client timeout. */
const BULK_TIMEOUT_MS = 30 * 60_000;
const PROBE_TIMEOUT_MS = 5_000;
const MAX_PAGES = 1_000;

export function createAviClient(opts: AviClientOptions): AviGateway {
  const controller = controllerOrigin(opts.controller);
  const ca = opts.caBundle !== undefined ? readCaBundle(opts.caBundle) : undefined;
  const deadlineMs = opts.retryDeadlineMs ?? 120_000;
  const timeoutMs = opts.requestTimeoutMs ?? 30_000;
  const exchange = makeExchanger(controller, ca);
  const extraSecrets = new Set<string>();

  const session = new AviSession(
    { controller, username: opts.username, password: opts.password, tenant: opts.tenant, ...(opts.apiVersion !== undefined ? { apiVersion: opts.apiVersion } : {}) },
    (req) => exchange(req, { timeoutMs, idempotent: true }),
    () => probe().catch(() => undefined),
  );

  const secrets = (): string[] => [...session.secrets(), ...extraSecrets];
  const policy = {
    deadlineMs,
    ...(opts.retryMaxGapMs === undefined ? {} : { maxGapMs: opts.retryMaxGapMs }),
    onRetry: (info: { attempt: number; reason: string }) => opts.onRetry?.({ attempt: info.attempt, reason: redact(oneLine(info.reason), secrets()) }),
  };

  /** Rebuilds any AviError with secrets scrubbed; nothing else (no cause, no request) is attached. */
  async function guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof AviError) throw new AviError(err.status, redact(oneLine(err.message), secrets()), err.kind, err.operation, err.notYet);
      throw err;
    }
  }

  /** One API call: login if needed, re-login once on 401/419, retry transient failures. */
  function call(method: Method, pathAndQuery: string, options: CallOptions = {}): Promise<string> {
    if (opts.readOnly && method !== 'GET') {
      return Promise.reject(Object.assign(new Error(`refused ${method} ${pathAndQuery.split('?')[0]} to the Controller: this is a plan, nothing may change`), { name: 'ReadOnlyViolation' }));
    }
    const idempotent = options.idempotent ?? true;
    const url = new URL(pathAndQuery, controller);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const send = () =>
      exchange(
        { method, url, headers: session.apiHeaders(method, body !== undefined), ...(body !== undefined ? { body } : {}) },
        { timeoutMs: options.timeoutMs ?? timeoutMs, idempotent },
      );
    let reloggedIn = false;
    return withRetry(async () => {
      const generation = await session.ensure();
      let res = await send();
      session.absorb(res);
      if (res.status === 401 || res.status === 419) {
        // The session expired (idle timeout, node reboot): one fresh login, then one resend.
        if (!reloggedIn) {
          reloggedIn = true;
          session.invalidate(generation);
          await session.ensure();
          res = await send();
          session.absorb(res);
        }
        if (res.status === 401 || res.status === 419) {
          throw new AviError(res.status, `Avi Controller ${controller} refused ${method} ${url.pathname} with HTTP ${res.status} even after a fresh login (CSRF token or permissions for tenant ${opts.tenant})`, 'auth');
        }
      }
      checkStatus(controller, method, url.pathname, res, idempotent);
      return res.body;
    }, policy);
  }

  function parseJson<T>(text: string, what: string): T {
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new AviError(200, `Avi Controller ${controller} answered ${what} with something that is not JSON`, 'http');
    }
  }

  async function getJson<T>(path: string): Promise<T> {
    return parseJson<T>(await call('GET', path), `GET ${path}`);
  }

  /** Follows `next` until absent. `next` may name another host (a NATed leader): keep only its path. */
  async function listAll<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let next: string | undefined = path;
    while (next !== undefined) {
      if (seen.has(next) || seen.size >= MAX_PAGES) {
        throw new AviError(200, `Avi Controller ${controller} paging of ${path} does not end (${next})`, 'http');
      }
      seen.add(next);
      const page: { results?: T[]; next?: unknown } = await getJson(next);
      if (!Array.isArray(page.results)) {
        throw new AviError(200, `Avi Controller ${controller} answered GET ${path} without a results list`, 'http');
      }
      items.push(...page.results);
      if (typeof page.next === 'string' && page.next !== '') {
        const u: URL = new URL(page.next, controller);
        next = u.pathname + u.search;
      } else {
        next = undefined;
      }
    }
    return items;
  }

  /** Unauthenticated, one attempt: a Controller that is down or booting yields undefined. */
  async function probe(): Promise<string | undefined> {
    const url = new URL('/api/initial-data', controller);
    let res: HttpResponse;
    try {
      res = await exchange({ method: 'GET', url, headers: { Accept: 'application/json' } }, { timeoutMs: Math.min(PROBE_TIMEOUT_MS, timeoutMs), idempotent: true });
    } catch (err) {
      if (err instanceof AviError && err.kind === 'tls') throw err;
      return undefined;
    }
    if (res.status !== 200) return undefined;
    try {
      const version = (JSON.parse(res.body) as { version?: { Version?: unknown } }).version?.Version;
      return typeof version === 'string' ? version : undefined;
    } catch {
      return undefined;
    }
  }

  return {
    login: () =>
      guarded(async () => {
        await withRetry(() => session.ensure(), policy);
        return session.version ?? '';
      }),
    probe: () => guarded(probe),
    getCluster: () => guarded(() => getJson<ClusterConfig>('/api/cluster')),
    getClusterRuntime: () => guarded(() => getJson<ClusterRuntime>('/api/cluster/runtime')),
    putCluster: (cluster) =>
      guarded(async () => {
        // A joining node's initial admin password travels in the body: scrub it from any message.
        for (const n of cluster.nodes) if (typeof n['password'] === 'string') extraSecrets.add(n['password']);
        return parseJson<ClusterConfig>(await call('PUT', '/api/cluster', { body: cluster }), 'PUT /api/cluster');
      }),
    exportConfiguration: (passphrase) =>
      guarded(async () => {
        extraSecrets.add(passphrase);
        // The passphrase travels in the JSON body (16.2+), never in the query string (reference §4).
        const text = await call('POST', '/api/configuration/export?full_system=true', { body: { passphrase }, timeoutMs: Math.max(timeoutMs, BULK_TIMEOUT_MS) });
        parseJson<unknown>(text, 'POST /api/configuration/export'); // a truncated export must not pass as a backup
        return text;
      }),
    importConfiguration: (configuration, passphrase, initialAdminPassword) =>
      guarded(async () => {
        extraSecrets.add(passphrase);
        if (initialAdminPassword !== undefined) {
          // A factory-fresh Controller knows only its initial admin password: a session of its own,
          // in the admin tenant (the only one it has). This client's session logs in again afterwards.
          extraSecrets.add(initialAdminPassword);
          const fresh = createAviClient({ ...opts, password: initialAdminPassword, tenant: 'admin' });
          return fresh.importConfiguration(configuration, passphrase);
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(configuration);
        } catch {
          throw new AviError(0, `the configuration to import into Avi Controller ${controller} is not valid JSON (${configuration.length} characters)`, 'http');
        }
        await call('POST', '/api/configuration/import', { body: { configuration: parsed, passphrase }, timeoutMs: Math.max(timeoutMs, BULK_TIMEOUT_MS), idempotent: false });
      }),
    ...fleetApi({ call: (method, path, o) => call(method, path, o), getJson, listAll, guarded }),
    currentUser: () =>
      guarded(async () => {
        await withRetry(() => session.ensure(), policy);
        return session.user;
      }),
    // A role_ref is a URL on whichever node answered: keep only its path.
    getRole: (ref) => guarded(() => getJson<AviRole>(new URL(ref, controller).pathname)),
  };
}
