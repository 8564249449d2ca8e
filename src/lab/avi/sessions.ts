// Login sessions of the simulated Controller. A session lives on the node that served the
// login, so it dies when that node restarts or leadership moves (the cluster's epoch changes);
// clients then get 401 and log in again, as they must against a real Controller.

import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parseCookies } from './http.js';

export interface Session {
  id: string;
  csrf: string;
  username: string;
  epoch: number;
  lastUsed: number;
}

/** controllerproperties.api_idle_timeout default, kept in wall-clock time: clients re-login on 401 anyway. */
const IDLE_MS = 15 * 60_000;

export const SESSION_COOKIE = 'avi-sessionid';

export class Sessions {
  private readonly byId = new Map<string, Session>();

  constructor(private readonly epoch: () => number) {}

  create(username: string): Session {
    const s: Session = { id: randomBytes(16).toString('hex'), csrf: randomBytes(16).toString('hex'), username, epoch: this.epoch(), lastUsed: Date.now() };
    this.byId.set(s.id, s);
    return s;
  }

  /** The live session named by the request's `avi-sessionid` (or older `sessionid`) cookie. */
  fromRequest(req: IncomingMessage): Session | undefined {
    const cookies = parseCookies(req);
    const id = cookies.get(SESSION_COOKIE) ?? cookies.get('sessionid');
    const s = id ? this.byId.get(id) : undefined;
    if (!s) return undefined;
    if (s.epoch !== this.epoch() || Date.now() - s.lastUsed > IDLE_MS) {
      this.byId.delete(s.id);
      return undefined;
    }
    s.lastUsed = Date.now();
    return s;
  }

  /** Django-style CSRF: the X-CSRFToken header must equal the csrftoken cookie and the session's token. */
  csrfOk(req: IncomingMessage, s: Session): boolean {
    const header = req.headers['x-csrftoken'];
    return typeof header === 'string' && header === s.csrf && parseCookies(req).get('csrftoken') === s.csrf;
  }

  drop(s: Session): void {
    this.byId.delete(s.id);
  }

  cookies(s: Session): string[] {
    return [
      `csrftoken=${s.csrf}; Max-Age=31449600; Path=/; SameSite=Lax; Secure`,
      `${SESSION_COOKIE}=${s.id}; HttpOnly; Max-Age=86400; Path=/; SameSite=Lax; Secure`,
      `sessionid=${s.id}; HttpOnly; Max-Age=86400; Path=/; SameSite=Lax; Secure`,
    ];
  }

  static clearedCookies(): string[] {
    return ['csrftoken', SESSION_COOKIE, 'sessionid'].map((n) => `${n}=; Max-Age=0; Path=/; Secure`);
  }
}
