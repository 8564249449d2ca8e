// The lab's control endpoint for faults: GET /_lab/faults lists the active ones, POST applies one
// ({"kind": "throttle", "rate": 0.2}), DELETE clears them all. `avi-encrypt lab fault` uses it.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { FAULT_KINDS, FaultError, type FaultRequest, type Faults } from './faults.js';

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export function serveFaults(faults: Faults, req: IncomingMessage, res: ServerResponse): void {
  if (req.method === 'GET') return reply(res, 200, faults.list());
  if (req.method === 'DELETE') {
    faults.clear();
    return reply(res, 200, []);
  }
  if (req.method !== 'POST') return reply(res, 405, { error: `no lab endpoint ${req.method} /_lab/faults` });
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let asked: FaultRequest;
    try {
      asked = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FaultRequest;
    } catch {
      return reply(res, 400, { error: 'the body must be JSON: {"kind": "throttle", "rate": 0.2}' });
    }
    if (!(FAULT_KINDS as readonly string[]).includes(asked.kind)) {
      return reply(res, 400, { error: `unknown fault "${String(asked.kind)}": one of ${FAULT_KINDS.join(', ')}` });
    }
    try {
      return reply(res, 200, faults.apply(asked));
    } catch (e) {
      if (e instanceof FaultError) return reply(res, 400, { error: e.message });
      throw e;
    }
  });
}
