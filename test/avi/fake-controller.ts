// A tiny Avi Controller for client tests: real TLS on 127.0.0.1 with a self-signed certificate,
// login/cookies/CSRF as in reference §1, and scripted replies per route. Not the lab simulator.

import https from 'node:https';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LabCertificate } from '../../src/lab/tls.js';

export interface Recorded {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string | string[]>;
  /** Drop the connection without answering (ECONNRESET / socket hang up on the client). */
  destroy?: boolean;
  /** Never answer (client request timeout). */
  hang?: boolean;
}

/** Answers an authenticated /api call; undefined = 404. */
export type Route = (req: Recorded) => Reply | undefined;

export const USERNAME = 'admin';
export const PASSWORD = 'Sup3r-S3cret-Pw!';

export class FakeController {
  readonly requests: Recorded[] = [];
  readonly routes = new Map<string, Route>();
  version = '22.1.3';
  csrf = 'csrf-token-1';
  logins = 0;
  /** Tenant names the login response lists for the user; undefined = the field is absent. */
  tenants: string[] | undefined;
  /** The login response's `user`; undefined = the field is absent. */
  user: Record<string, unknown> | undefined;
  private readonly sessions = new Set<string>();
  /** Scripted replies served (before any auth check) ahead of the normal behaviour. */
  private readonly scripted = new Map<string, Reply[]>();
  private server!: https.Server;
  url = '';

  static async start(cert: LabCertificate): Promise<FakeController> {
    const fake = new FakeController();
    fake.server = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rec: Recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        fake.requests.push(rec);
        fake.answer(rec, res);
      });
    });
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `https://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Queue replies for "METHOD /path" (query ignored), served in order before normal handling. */
  script(key: string, ...replies: Reply[]): void {
    this.scripted.set(key, [...(this.scripted.get(key) ?? []), ...replies]);
  }

  /** Simulates idle expiry or a node reboot: every session cookie becomes invalid. */
  expireSessions(): void {
    this.sessions.clear();
  }

  requestsTo(key: string): Recorded[] {
    return this.requests.filter((r) => `${r.method} ${r.url.split('?')[0]}` === key);
  }

  private answer(rec: Recorded, res: ServerResponse): void {
    const key = `${rec.method} ${rec.url.split('?')[0]}`;
    const reply = this.scripted.get(key)?.shift() ?? this.handle(key, rec);
    if (reply.destroy) {
      res.socket?.destroy();
      return;
    }
    if (reply.hang) return;
    const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
    res.end(text);
  }

  private handle(key: string, rec: Recorded): Reply {
    if (key === 'POST /login') return this.login(rec);
    if (key === 'GET /api/initial-data') return { status: 200, body: { version: { Version: this.version } } };
    const cookies = parseCookies(rec.headers.cookie);
    const sid = cookies['avi-sessionid'];
    if (sid === undefined || !this.sessions.has(sid)) {
      return { status: 401, body: { detail: 'Authentication credentials were not provided.' } };
    }
    if (rec.method !== 'GET') {
      const token = rec.headers['x-csrftoken'];
      if (token === undefined || token !== cookies.csrftoken || token !== this.csrf || rec.headers.referer === undefined) {
        return { status: 401, body: 'CSRF token missing or incorrect.' };
      }
    }
    return this.routes.get(key)?.(rec) ?? { status: 404, body: { error: `no route ${key}` } };
  }

  private login(rec: Recorded): Reply {
    const creds = JSON.parse(rec.body || '{}') as { username?: string; password?: string };
    if (creds.username !== USERNAME || creds.password !== PASSWORD) {
      return { status: 401, body: { error: 'Invalid credentials' } };
    }
    this.logins++;
    const sid = `sid-${this.logins}`;
    this.sessions.add(sid);
    return {
      status: 200,
      headers: {
        'Set-Cookie': [
          `csrftoken=${this.csrf}; Max-Age=31449600; Path=/; SameSite=Lax`,
          `avi-sessionid=${sid}; HttpOnly; Max-Age=86400; Path=/`,
          `sessionid=${sid}; HttpOnly; Max-Age=86400; Path=/`,
        ],
      },
      body: {
        user_initialized: true, version: { Version: this.version, build: 9001 }, session_cookie_name: 'avi-sessionid',
        ...(this.tenants ? { tenants: this.tenants.map((name) => ({ name, uuid: name === 'admin' ? 'admin' : `tenant-${name}` })) } : {}),
        ...(this.user ? { user: this.user } : {}),
      },
    };
  }
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}
