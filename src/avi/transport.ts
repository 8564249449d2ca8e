// One HTTP exchange with the Controller over node:https, TLS verification always on.
// No retries, cookies or Avi semantics here: those live in session.ts and client.ts.

import type http from 'node:http';
import https from 'node:https';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute https:// URL; anything else is refused before a connection is opened. */
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** Idle timeout: no byte for this long (connect included) aborts the exchange. */
  timeoutMs: number;
  /** PEM text of extra CAs to trust; undefined = Node's default store. */
  ca?: string;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Raised when we gave up waiting on the Controller (not an OS-level ETIMEDOUT). */
export class RequestTimeout extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${Math.round(timeoutMs / 1000)} s`);
    this.name = 'RequestTimeout';
  }
}

export function sendHttp(req: HttpRequest): Promise<HttpResponse> {
  if (req.url.protocol !== 'https:') {
    return Promise.reject(new Error(`refusing ${req.url.protocol}// to ${req.url.host}: the Controller is only spoken to over https`));
  }
  const headers: Record<string, string | number> = { ...req.headers };
  if (req.body !== undefined) headers['Content-Length'] = Buffer.byteLength(req.body);
  const options: https.RequestOptions = {
    method: req.method,
    headers,
    // A fresh connection per exchange: nothing lingers to keep the CLI (or jest) alive.
    agent: false,
  };
  if (req.ca !== undefined) options.ca = req.ca;

  return new Promise<HttpResponse>((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    };
    const request = https.request(req.url, options, onResponse);
    request.setTimeout(req.timeoutMs, () => request.destroy(new RequestTimeout(req.timeoutMs)));
    request.on('error', reject);
    if (req.body !== undefined) request.write(req.body);
    request.end();
  });
}
