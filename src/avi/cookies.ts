// The Controller session lives in cookies: `csrftoken` plus the session cookie
// (`avi-sessionid` and/or `sessionid`, or whatever `session_cookie_name` says). One host,
// so domain/path attributes are irrelevant; we only track name=value and deletions.

export const CSRF_COOKIE = 'csrftoken';
/** Older Controllers only set `sessionid`; newer ones name theirs in the login response. */
export const SESSION_COOKIE_NAMES = ['avi-sessionid', 'sessionid'] as const;

export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Absorbs Set-Cookie headers; an empty value or Max-Age<=0 deletes the cookie. */
  absorb(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a));
      if (value === '' || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  set(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  /** Value of the `Cookie` request header, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([n, v]) => `${n}=${v}`).join('; ');
  }

  /** Every value held: callers redact these from anything they show. */
  values(): string[] {
    return [...this.cookies.values()];
  }

  clear(): void {
    this.cookies.clear();
  }
}
