// Turning transport failures and Avi error bodies into one-line AviErrors, with secrets removed.

import { AviError } from './types.js';

/** Certificate verification failures: a CA bundle is the usual fix, so we never retry them. */
const CERT_TRUST_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
]);
const CERT_VALIDITY_CODES = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const CERT_NAME_CODES = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);

/** Connection-level failures worth retrying until the deadline (Controller rebooting, LB flapping). */
const TRANSIENT_NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

// Duck-typed on purpose: errors from node core may come from another realm (jest's vm), so
// `instanceof Error` is not reliable for them.
function messageOf(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : '';
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isTlsError(err: unknown): boolean {
  const code = codeOf(err);
  if (code === undefined) return false;
  return (
    CERT_TRUST_CODES.has(code) ||
    CERT_VALIDITY_CODES.has(code) ||
    CERT_NAME_CODES.has(code) ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_') ||
    // TLS spoken to a non-TLS port: OpenSSL reports it as a protocol error.
    (code === 'EPROTO' && /ssl|tls/i.test(messageOf(err)))
  );
}

export function isTransientNetworkError(err: unknown): boolean {
  const code = codeOf(err);
  if (code !== undefined && TRANSIENT_NET_CODES.has(code)) return true;
  return /socket hang up/i.test(messageOf(err));
}

/** Short cause for messages: Node's own text ("connect ECONNREFUSED 10.0.0.1:443"). */
export function networkCause(err: unknown): string {
  if (messageOf(err)) return oneLine(messageOf(err));
  // Node's happy-eyeballs connect fails with an AggregateError whose own message is empty.
  const inner = (err as { errors?: unknown[] } | null)?.errors?.map(messageOf).find((m) => m !== '');
  if (inner !== undefined) return oneLine(inner);
  return codeOf(err) ?? String(err);
}

export function tlsError(controller: string, err: unknown): AviError {
  const code = codeOf(err) ?? 'TLS';
  const fix = '--ca-bundle <pem> with the CA that signed the Controller certificate';
  let message: string;
  if (CERT_VALIDITY_CODES.has(code)) {
    message = `TLS: the certificate of Avi Controller ${controller} is outside its validity period (${code}); renew it (${fix} does not help with dates)`;
  } else if (CERT_NAME_CODES.has(code)) {
    message = `TLS: the certificate of Avi Controller ${controller} does not name that host (${code}); use a host name the certificate lists, and pass ${fix}`;
  } else if (CERT_TRUST_CODES.has(code)) {
    message = `TLS: cannot verify the certificate of Avi Controller ${controller} (${code}); pass ${fix}`;
  } else {
    message = `TLS handshake with Avi Controller ${controller} failed (${code}: ${networkCause(err)}); check the URL and port, and pass ${fix} if it is not publicly trusted`;
  }
  return new AviError(0, message, 'tls');
}

/** Avi answers `{"error": "..."}` on 4xx; CSRF failures are plain text. Keep the first line, bounded. */
export function errorBodyMessage(body: string): string {
  const text = body.trim();
  if (text === '') return '';
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object') {
      const e = (parsed as { error?: unknown; detail?: unknown }).error ?? (parsed as { detail?: unknown }).detail;
      if (typeof e === 'string') return clip(oneLine(e));
      if (e !== undefined) return clip(oneLine(JSON.stringify(e)));
    }
  } catch {
    // not JSON: plain text or an HTML error page
  }
  if (/^<(!doctype|html)/i.test(text)) return '';
  return clip(oneLine(text));
}

export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function clip(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Replaces every secret (password, passphrase, cookie values) by *** in a message. */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) {
    if (s === '') continue;
    // A very short secret would blank out parts of ordinary words: match it only as a whole token.
    if (s.length >= 4) out = out.split(s).join('***');
    else out = out.replace(new RegExp(`(?<![\\w])${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w])`, 'g'), '***');
  }
  return out;
}
