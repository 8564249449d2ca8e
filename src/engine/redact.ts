// Scrubs secrets from anything that reaches disk: the journal, the log, the snapshot.
// Two nets: keys whose names say "secret" (catches values we were never told about),
// and registered values (the Avi password, the backup passphrase) wherever they appear
// inside a string, e.g. an error message that echoes a request body.

import { errorFields } from '../steps/run-error.js';

export const REDACTED = '[REDACTED]';

const SECRET_KEY =
  /password|passphrase|secret|token|authorization|cookie|session|credential|api[-_]?key|private[-_]?key/i;

// EC2's ClientToken is an idempotency key, not a credential, and we need it in the
// journal to prove a resumed call reuses the same token.
const NOT_SECRET_KEYS = new Set(['clientToken', 'ClientToken']);

/** Registered values shorter than this are ignored: redacting "abc" would mangle everything. */
const MIN_SECRET_LENGTH = 4;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !NOT_SECRET_KEYS.has(key);
}

export class Redactor {
  private secrets: string[] = [];

  constructor(secretValues: string[] = []) {
    for (const s of secretValues) this.add(s);
  }

  add(secret: string): void {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) return;
    // Also the forms a secret takes inside a JSON body or a URL query.
    const forms = [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)];
    for (const f of forms) if (!this.secrets.includes(f)) this.secrets.push(f);
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets.sort((a, b) => b.length - a.length);
  }

  /** A deep copy of `value` with secrets replaced by "[REDACTED]". Errors become plain data (RunError's fields). */
  redact<T>(value: T): T {
    return this.walk(value, new Set()) as T;
  }

  private redactString(s: string): string {
    let out = s;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }

  private walk(value: unknown, ancestors: Set<object>): unknown {
    if (typeof value === 'string') return this.redactString(value);
    if (value === null || typeof value !== 'object') return value;
    if (ancestors.has(value)) return '[Circular]';
    ancestors.add(value);
    try {
      // RunError's fields, and the cause (a wrapped SDK error) for the log.
      if (value instanceof Error) return this.walk({ ...errorFields(value), ...(value.cause !== undefined ? { cause: value.cause } : {}) }, ancestors);
      if (Array.isArray(value)) return value.map((v) => this.walk(v, ancestors));
      if (value instanceof Date) return new Date(value.getTime());
      if (value instanceof Map) return this.walk(Object.fromEntries(value), ancestors);
      if (value instanceof Set) return this.walk([...value], ancestors);
      if (ArrayBuffer.isView(value)) return `[binary ${value.byteLength} bytes]`;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        out[k] = isSecretKey(k) && v !== undefined && v !== null ? REDACTED : this.walk(v, ancestors);
      }
      return out;
    } finally {
      // Only true cycles are cut; the same object reached twice by two paths is copied twice.
      ancestors.delete(value);
    }
  }
}
