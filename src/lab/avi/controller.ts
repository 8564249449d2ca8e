// The simulated Avi Controller behind one HTTPS URL (think cluster VIP): login and session
// rules (cookies, CSRF, Referer, X-Avi-Version), availability as the cluster dictates
// (unreachable, 503 or serving), and the request log. Resources live in routes.ts, the
// cluster's reaction to the EC2 world in cluster.ts.

import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ControllerFaults } from '../faults.js';
import type { Timeline } from '../timeline.js';
import type { LabRequest, World } from '../world/types.js';
import { ClusterSim } from './cluster.js';
import { VERSION, type ControllerConfig } from './config.js';
import type { Fleet } from './fleet/fleet.js';
import { HttpError, compareVersions, parseObjectBody, readBody, sendError, sendJson, sendText } from './http.js';
import { PUBLIC_PATHS, routeApi } from './routes.js';
import { SESSION_COOKIE, Sessions } from './sessions.js';
import { ADMIN_TENANT, chooseTenant, loginTenants } from './tenants.js';

// Logging in and out opens or closes a session; it changes nothing on the Controller.
const SESSION_PATHS = new Set(['/login', '/logout']);

/** What the sim needs of the lab's RequestLog. */
export interface RequestRecorder {
  record(r: Omit<LabRequest, 'seq' | 'at'>): void;
}

export interface ControllerSimOptions {
  /** Node IPs (the instances' private IPs); the first is the initial leader. */
  nodes: string[];
  username: string;
  /** The admin password of the configured cluster (AVI_PASSWORD). */
  password: string;
  /** The initial admin password of a factory-default Controller (AVI_NODE_PASSWORD): the only one it
   *  accepts. Default: a random one nobody knows. */
  nodePassword?: string;
  version: '22.1.3';
  timeline: Timeline;
  log: RequestRecorder;
  /** Seeds the SEs and virtual services once the cluster (and its configuration) exists. */
  fleet?: (cluster: ClusterSim) => Fleet;
}

export interface ControllerSim {
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** What `lab fault` may do to the Controller (503, unreachable, sessions, a node that never converges). */
  faults?: ControllerFaults;
  cluster: ClusterSim;
  fleet?: Fleet | undefined;
  /** Stops listening to the world. */
  close(): void;
}

export function createControllerSim(world: World, opts: ControllerSimOptions): ControllerSim {
  if (opts.version !== VERSION.Version) throw new Error(`the lab Controller runs ${VERSION.Version}, not ${opts.version}`);
  const cluster = new ClusterSim(world, opts.timeline, opts.nodes, opts.nodePassword ?? randomBytes(18).toString('base64url'));
  const sessions = new Sessions(() => cluster.epoch);
  const listener = cluster.onInstance.bind(cluster);
  world.events.on('instance', listener);
  const fleet = opts.fleet?.(cluster);

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (cluster.apiMode() === 'unavailable') return sendError(res, 503, 'Controller is not ready: services are starting up. Try again later.');
    const asked = req.headers['x-avi-version'];
    if (typeof asked === 'string' && (compareVersions(asked, VERSION.Version) ?? 1) > 0) {
      return sendError(res, 400, `Invalid version ${asked}: this Controller supports versions up to ${VERSION.Version}`);
    }
    if (path === '/login') {
      if (method !== 'POST') throw new HttpError(405, `Method "${method}" not allowed.`);
      // A factory-default Controller knows only its initial admin password; a restore brings back
      // the configured admin's. (Lab simplification: the forced password change before other
      // configuration, docs "Strong Default Admin Password", is not modelled.)
      const b = parseObjectBody(req, await readBody(req));
      const password = cluster.config.hasConfig ? opts.password : cluster.nodePassword;
      if (b.username !== opts.username || b.password !== password) return sendError(res, 401, 'Invalid credentials');
      const s = sessions.create(opts.username);
      return sendJson(res, 200, loginBody(opts.username, cluster.config, origin(req)), { 'set-cookie': sessions.cookies(s) });
    }
    const isApi = path.startsWith('/api/');
    if (path !== '/logout' && !isApi) throw new HttpError(404, `Resource ${path} not found`);
    if (isApi && PUBLIC_PATHS.has(path)) return routeApi({ req, res, url, origin: origin(req), cluster, tenant: ADMIN_TENANT });
    const session = sessions.fromRequest(req);
    if (!session) return sendError(res, 401, 'Authentication credentials were not provided.');
    if (method !== 'GET' && method !== 'HEAD') {
      if (!sessions.csrfOk(req, session)) return sendText(res, 401, 'CSRF token missing or incorrect.');
      if (!req.headers.referer) return sendText(res, 401, 'CSRF Failed: Referer checking failed - no Referer.');
    }
    if (path === '/logout') {
      if (method !== 'POST') throw new HttpError(405, `Method "${method}" not allowed.`);
      sessions.drop(session);
      return sendJson(res, 200, {}, { 'set-cookie': Sessions.clearedCookies() });
    }
    const choice = chooseTenant(req, cluster.config.tenants);
    // UNVERIFIED: no public source shows a real Controller's answer to an unknown tenant. The tenant
    // is resolved with the session's authorization (its roles are per tenant), so the lab refuses
    // it as an authentication failure: 401 with Avi's {"error": ...} body.
    if ('refused' in choice) return sendError(res, 401, choice.refused);
    return routeApi({ req, res, url, origin: origin(req), cluster, fleet, tenant: choice.tenant });
  }

  function handler(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://controller.invalid');
    const method = req.method ?? 'GET';
    const entry = { service: 'avi' as const, operation: `${method} ${url.pathname}`, mutating: method !== 'GET' && !SESSION_PATHS.has(url.pathname) };
    if (cluster.apiMode() === 'unreachable') {
      // No node answers: the client sees the connection drop, as with a powered-off VM.
      opts.log.record({ ...entry, status: 0, error: 'ECONNRESET' });
      req.socket.destroy();
      return;
    }
    res.on('finish', () => {
      const r: Omit<LabRequest, 'seq' | 'at'> = { ...entry, status: res.statusCode };
      if (res.statusCode >= 400) r.error = STATUS_CODES[res.statusCode] ?? String(res.statusCode);
      opts.log.record(r);
    });
    handle(req, res, url).catch((e: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (e instanceof HttpError) sendError(res, e.status, e.message);
      else sendError(res, 500, `Internal error: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  return {
    handler, cluster, fleet, faults: cluster.faults,
    close: () => {
      world.events.off('instance', listener);
      fleet?.close();
    },
  };
}

function origin(req: IncomingMessage): string {
  return `https://${req.headers.host ?? '127.0.0.1'}`;
}

function loginBody(username: string, config: ControllerConfig, origin: string): Record<string, unknown> {
  return {
    // UNVERIFIED: false on a Controller whose admin has not been set up yet (the UI's welcome screen).
    user_initialized: config.hasConfig,
    version: { ...VERSION },
    user: { username, name: username, full_name: 'System Administrator', is_superuser: true, local: true, default_tenant_ref: '/api/tenant/admin' },
    tenants: loginTenants(config.tenants, origin),
    system_config: { url: '/api/systemconfiguration', portal_configuration: { allow_basic_authentication: false } },
    controller: { api_idle_timeout: 15 },
    session_cookie_name: SESSION_COOKIE,
  };
}
