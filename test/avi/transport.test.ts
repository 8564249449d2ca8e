// The password travels in the login body: nothing may reach a Controller address over plain HTTP.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createAviClient } from '../../src/avi/client.js';
import { sendHttp } from '../../src/avi/transport.js';

let server: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('plain HTTP is refused before any connection', () => {
  it('the transport rejects an http:// URL without opening a socket', async () => {
    const req = { method: 'POST' as const, url: new URL(`http://127.0.0.1:${port}/login`), headers: {}, body: '{"password":"x"}', timeoutMs: 1000 };
    await expect(sendHttp(req)).rejects.toThrow(/only spoken to over https/);
    expect(connections).toBe(0);
  });

  it('the client refuses an http:// Controller at construction, loopback included', () => {
    expect(() => createAviClient({ controller: `http://127.0.0.1:${port}`, username: 'admin', password: 'pw', tenant: 'admin' })).toThrow(/must start with https:\/\//);
    expect(connections).toBe(0);
  });
});
