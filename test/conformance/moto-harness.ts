// moto_server for the conformance suite: started on a free loopback port (a missing binary is a
// hard failure, never a skip), with the SDK pointed at it through AWS_ENDPOINT_URL_EC2/KMS and fake
// credentials, exactly as production wires its clients; everything is put back afterwards.

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';

const ENV_SET = ['AWS_ENDPOINT_URL_EC2', 'AWS_ENDPOINT_URL_KMS', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];
// A developer's session token or profile must never reach moto.
const ENV_CLEARED = ['AWS_SESSION_TOKEN', 'AWS_PROFILE'];

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Moto {
  url: string;
  stop(): Promise<void>;
}

export async function startMoto(): Promise<Moto> {
  const port = await freeLoopbackPort();
  // The fixture registers its own AMI; skipping moto's ~40 default AMIs keeps start-up short.
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, MOTO_EC2_LOAD_DEFAULT_AMIS: 'false' }, stdio: 'ignore',
  });
  let exit: Error | undefined;
  child.once('error', (e: NodeJS.ErrnoException) => {
    exit = e.code === 'ENOENT' ? new Error('moto_server is not on PATH: install moto[server] 5.2.1 to run the AWS conformance test') : e;
  });
  child.once('exit', (code) => (exit ??= new Error(`moto_server exited early with code ${code}`)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exit) throw exit;
    try {
      if ((await fetch(`${url}/moto-api/data.json`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`moto_server did not answer on ${url} within 30s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const saved = Object.fromEntries([...ENV_SET, ...ENV_CLEARED].map((k) => [k, process.env[k]]));
  Object.assign(process.env, { AWS_ENDPOINT_URL_EC2: url, AWS_ENDPOINT_URL_KMS: url, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  for (const k of ENV_CLEARED) delete process.env[k];
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill();
        await exited;
      }
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    },
  };
}
