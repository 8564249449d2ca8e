// One request to the Controller, with its failure classified: retry (Transient) or stop (AviError).
// Non-idempotent calls (configuration import) are only retried when the Controller surely did not act.

import { readFileSync } from 'node:fs';
import { AviError } from './types.js';
import { sendHttp, RequestTimeout, type HttpRequest, type HttpResponse } from './transport.js';
import { errorBodyMessage, isTlsError, isTransientNetworkError, networkCause, tlsError } from './errors.js';
import { Transient } from './retry.js';

export interface ExchangeOptions {
  timeoutMs: number;
  /** false: a reset or timeout after sending may have applied the change, so do not resend. */
  idempotent: boolean;
}

/** https://host[:port] with no path; http:// only for tests. Credentials in the URL are refused. */
export function controllerOrigin(controller: string): string {
  let url: URL;
  try {
    url = new URL(controller);
  } catch {
    throw new AviError(0, `Avi Controller URL "${controller}" is not a URL; expected https://host[:port]`, 'unreachable');
  }
  if (url.username || url.password) {
    throw new AviError(0, 'Avi Controller URL must not carry credentials; use AVI_USERNAME/AVI_PASSWORD', 'auth');
  }
  // The login body carries the password: plain HTTP is refused here too, not only by the CLI.
  if (url.protocol !== 'https:') {
    throw new AviError(0, `Avi Controller URL ${url.origin} must start with https://`, 'unreachable');
  }
  return url.origin;
}

export function readCaBundle(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unreadable';
    throw new AviError(0, `cannot read CA bundle ${path} (${code}); pass --ca-bundle <pem> with a readable PEM file`, 'tls');
  }
}

export function makeExchanger(controller: string, ca: string | undefined) {
  return async function exchange(req: Omit<HttpRequest, 'timeoutMs' | 'ca'>, opts: ExchangeOptions): Promise<HttpResponse> {
    const what = `${req.method} ${req.url.pathname}`;
    try {
      return await sendHttp({ ...req, timeoutMs: opts.timeoutMs, ...(ca !== undefined ? { ca } : {}) });
    } catch (err) {
      if (isTlsError(err)) throw tlsError(controller, err);
      if (err instanceof RequestTimeout) {
        const final = new AviError(0, `Avi Controller ${controller} did not answer ${what} within ${Math.round(err.timeoutMs / 1000)} s`, 'timeout');
        if (opts.idempotent) throw new Transient(`${what}: ${err.message}`, final);
        throw outcomeUnknown(final);
      }
      const cause = networkCause(err);
      const final = new AviError(0, `cannot reach Avi Controller ${controller}: ${cause}`, 'unreachable');
      if (!isTransientNetworkError(err)) throw final;
      // A refused connection never reached the Controller: safe to resend even a non-idempotent call.
      const code = (err as { code?: string }).code;
      if (opts.idempotent || code === 'ECONNREFUSED') throw new Transient(`${what}: ${cause}`, final);
      throw outcomeUnknown(final);
    }
  };
}

function outcomeUnknown(err: AviError): AviError {
  return new AviError(err.status, `${err.message}; the request may have been applied, check the Controller before retrying`, err.kind);
}

/** 2xx passes; 5xx is Transient (503 = still initializing); other statuses become AviError 'http'. */
export function checkStatus(controller: string, method: string, path: string, res: HttpResponse, idempotent: boolean): void {
  const { status } = res;
  if (status >= 200 && status < 300) return;
  const detail = errorBodyMessage(res.body);
  const suffix = detail ? `: ${detail}` : '';
  if (status >= 500) {
    const notReady = status === 502 || status === 503 || status === 504;
    const final = notReady
      ? new AviError(status, `Avi Controller ${controller} is not ready: HTTP ${status} on ${method} ${path}${suffix}`, 'unreachable')
      : new AviError(status, `Avi Controller ${controller} failed ${method} ${path}: HTTP ${status}${suffix}`, 'http');
    // 502/503 mean the request never reached the API; any other 5xx may have half-applied an import.
    if (idempotent || status === 502 || status === 503) throw new Transient(`HTTP ${status} on ${method} ${path}`, final);
    throw final;
  }
  throw new AviError(status, `Avi Controller ${controller} rejected ${method} ${path}: HTTP ${status}${suffix}`, 'http');
}
