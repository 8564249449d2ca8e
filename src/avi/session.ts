// The Controller session: POST /login, cookies, CSRF token and the headers every API call carries
// (reference §1.1, §1.2, §8). The password stays in this closure-held object and never in a message.

import { AviError, type AviUser } from './types.js';
import { CookieJar, CSRF_COOKIE, SESSION_COOKIE_NAMES } from './cookies.js';
import type { HttpRequest, HttpResponse } from './transport.js';
import { errorBodyMessage } from './errors.js';
import { checkStatus } from './exchange.js';

export interface SessionConfig {
  /** Origin, e.g. https://ctrl.example:443 (no trailing slash); also the Referer value. */
  controller: string;
  username: string;
  password: string;
  tenant: string;
  /** Explicit X-Avi-Version; otherwise the version the Controller reports at login. */
  apiVersion?: string;
}

/** Sends one exchange, having mapped network/TLS failures to Transient or AviError already. */
export type Exchange = (req: Omit<HttpRequest, 'timeoutMs' | 'ca'>) => Promise<HttpResponse>;

interface LoginBody {
  version?: { Version?: unknown };
  session_cookie_name?: unknown;
  /** The tenants this user may work in (reference §1.1). */
  tenants?: Array<{ name?: unknown; uuid?: unknown }>;
  /** The logged-in user (reference §1.1); `access` is UNVERIFIED beyond the Avi object model's UserRole. */
  user?: { username?: unknown; is_superuser?: unknown; access?: Array<{ role_ref?: unknown; tenant_ref?: unknown; all_tenants?: unknown }> };
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class AviSession {
  private readonly jar = new CookieJar();
  /** Bumped at each login so a stale 401 does not throw away a newer session. */
  private generation = 0;
  private active = false;
  private pending: Promise<void> | undefined;
  private controllerVersion: string | undefined;
  private loginUser: AviUser | undefined;

  constructor(
    private readonly cfg: SessionConfig,
    private readonly exchange: Exchange,
    /** Asked when login does not report a version (old or odd Controllers). */
    private readonly probeVersion: () => Promise<string | undefined>,
  ) {}

  /** The Controller's own version (after login), else the configured one. */
  get version(): string | undefined {
    return this.controllerVersion ?? this.cfg.apiVersion;
  }

  /** The user as the last login reported it; undefined before a login, or when it reported none. */
  get user(): AviUser | undefined {
    return this.loginUser;
  }

  /** Logs in unless a session exists; concurrent callers share one login. Returns the generation. */
  async ensure(): Promise<number> {
    while (!this.active) {
      this.pending ??= this.login().finally(() => (this.pending = undefined));
      await this.pending;
    }
    return this.generation;
  }

  /** Drops the session only if it is still the one the caller used (answer 401/419). */
  invalidate(generation: number): void {
    if (generation === this.generation) this.reset();
  }

  reset(): void {
    this.active = false;
    this.jar.clear();
  }

  /** Headers for an /api call; writes add the CSRF token (reference §1.2). */
  apiHeaders(method: string, withBody: boolean): Record<string, string> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      Referer: this.cfg.controller,
      'X-Avi-Tenant': this.cfg.tenant,
    };
    const version = this.cfg.apiVersion ?? this.controllerVersion;
    if (version !== undefined) headers['X-Avi-Version'] = version;
    if (withBody) headers['Content-Type'] = 'application/json';
    const cookie = this.jar.header();
    if (cookie !== undefined) headers.Cookie = cookie;
    const csrf = this.jar.get(CSRF_COOKIE);
    if (WRITE_METHODS.has(method) && csrf !== undefined) headers['X-CSRFToken'] = csrf;
    return headers;
  }

  /** Any response may rotate the CSRF token or the session cookie. */
  absorb(res: HttpResponse): void {
    this.jar.absorb(res.headers['set-cookie']);
  }

  /** Values to scrub from anything shown: password and live cookies. */
  secrets(): string[] {
    return [this.cfg.password, ...this.jar.values()];
  }

  private async login(): Promise<void> {
    this.jar.clear();
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'Content-Type': 'application/json',
      Referer: this.cfg.controller,
    };
    if (this.cfg.apiVersion !== undefined) headers['X-Avi-Version'] = this.cfg.apiVersion;
    const res = await this.exchange({
      method: 'POST',
      url: new URL('/login', this.cfg.controller),
      headers,
      body: JSON.stringify({ username: this.cfg.username, password: this.cfg.password }),
    });
    this.absorb(res);
    this.checkLoginStatus(res);

    let body: LoginBody = {};
    try {
      body = JSON.parse(res.body) as LoginBody;
    } catch {
      // Some versions answer with little or no JSON; the version probe below covers it.
    }
    const cookieName = typeof body.session_cookie_name === 'string' ? body.session_cookie_name : undefined;
    const names = cookieName ? [cookieName, ...SESSION_COOKIE_NAMES] : [...SESSION_COOKIE_NAMES];
    if (!names.some((n) => this.jar.get(n) !== undefined)) {
      throw new AviError(res.status, `Avi Controller ${this.cfg.controller} accepted the login but set no session cookie (${names.join('/')})`, 'auth');
    }
    this.checkTenant(body);
    const reported = typeof body.version?.Version === 'string' ? body.version.Version : await this.probeVersion();
    if (reported === undefined && this.cfg.apiVersion === undefined) {
      throw new AviError(res.status, `Avi Controller ${this.cfg.controller} did not report its version at login; set the API version explicitly`, 'http');
    }
    this.controllerVersion = reported;
    this.loginUser = userOf(body);
    this.generation++;
    this.active = true;
  }

  /** A tenant the user cannot use would scope every later call to nothing: refuse it at login. */
  private checkTenant(body: LoginBody): void {
    if (!Array.isArray(body.tenants) || body.tenants.length === 0) return; // not reported: the API will say
    const names = body.tenants.flatMap((t) => [t.name, t.uuid]).filter((n): n is string => typeof n === 'string');
    if (names.includes(this.cfg.tenant)) return;
    const listed = body.tenants.map((t) => t.name).filter((n) => typeof n === 'string').join(', ');
    throw new AviError(200, `tenant "${this.cfg.tenant}" is not a tenant of user ${this.cfg.username} on this Controller (tenants: ${listed}): fix --tenant or AVI_TENANT`, 'tenant');
  }

  private checkLoginStatus(res: HttpResponse): void {
    const { status } = res;
    if (status >= 200 && status < 300) return;
    const user = this.cfg.username;
    if (status === 401) {
      throw new AviError(401, `Avi login refused for user ${user}: check AVI_USERNAME/AVI_PASSWORD`, 'auth');
    }
    const detail = errorBodyMessage(res.body);
    if (status === 403) {
      // Locked account or max_concurrent_sessions reached: the Controller's reason is the useful part.
      throw new AviError(403, `Avi login forbidden for user ${user}${detail ? `: ${detail}` : ''}`, 'auth');
    }
    checkStatus(this.cfg.controller, 'POST', '/login', res, true);
  }
}

function userOf(body: LoginBody): AviUser | undefined {
  const u = body.user;
  if (!u || typeof u.username !== 'string') return undefined;
  const access = (Array.isArray(u.access) ? u.access : []).flatMap((a) => (typeof a?.role_ref === 'string'
    ? [{ roleRef: a.role_ref, ...(typeof a.tenant_ref === 'string' ? { tenantRef: a.tenant_ref } : {}), allTenants: a.all_tenants === true }]
    : []));
  return { username: u.username, superuser: u.is_superuser === true, access };
}
