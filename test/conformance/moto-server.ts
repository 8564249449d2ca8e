// moto_server for the conformance suites: a free loopback port, the server started (a missing
// binary is a hard failure, never a skip) and answering before the suite goes on.

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';

export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts moto_server; a missing binary is a hard failure, never a skip. */
export async function startMoto(port: number): Promise<ChildProcess> {
  // The fixture registers its own AMI; skipping moto's ~40 default AMIs keeps start-up short.
  const env = { ...process.env, MOTO_EC2_LOAD_DEFAULT_AMIS: 'false' };
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { env, stdio: 'ignore' });
  let exit: Error | undefined;
  child.once('error', (e: NodeJS.ErrnoException) => {
    const missing = 'moto_server is not on PATH: install moto[server] 5.2.1 to run the AWS conformance test';
    exit = e.code === 'ENOENT' ? new Error(missing) : e;
  });
  child.once('exit', (code) => (exit ??= new Error(`moto_server exited early with code ${code}`)));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exit) throw exit;
    try {
      if ((await fetch(`http://127.0.0.1:${port}/moto-api/data.json`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill();
  throw new Error(`moto_server did not answer on 127.0.0.1:${port} within 30s`);
}
