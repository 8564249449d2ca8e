// The Controller's SSH (port 22 of the node; the lab listens on loopback instead). Public-key
// login as `admin` only, with the key the lab generated; SFTP to upload an export; exec of
// restore_config.py (with or without sudo) and `rm`. The endpoint stands for the leader's address,
// which for a 1-node Controller is its only node: nobody answers while that node is down.

import { timingSafeEqual } from 'node:crypto';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import ssh2, { type Connection, type ServerChannel } from 'ssh2';
import type { ClusterSim } from './cluster.js';
import type { RequestRecorder } from './controller.js';
import { restoreConfig, RESTORE_SCRIPT, type ScriptIo } from './restore-script.js';
import { NodeFiles } from './sftp-files.js';

export interface ControllerSshOptions {
  /** OpenSSH private host key. */
  hostKey: string;
  /** The one public key allowed to log in as admin ("ssh-ed25519 AAAA..."). */
  adminKey: string;
  cluster: ClusterSim;
  log: RequestRecorder;
}

export interface ControllerSsh {
  listen(): Promise<number>;
  close(): Promise<void>;
}

export function createControllerSsh(opts: ControllerSshOptions): ControllerSsh {
  const allowed = ssh2.utils.parseKey(opts.adminKey);
  if (allowed instanceof Error) throw allowed;
  const files = new NodeFiles();
  const record = (operation: string, mutating: boolean, status: number) =>
    opts.log.record({ service: 'avi', operation, mutating, status, ...(status === 0 ? {} : { error: `exit ${status}` }) });

  const open = new Set<Connection>();
  const ssh = new ssh2.Server({ hostKeys: [opts.hostKey], ident: 'OpenSSH_8.9p1' }, (client: Connection) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || ctx.username !== 'admin') return ctx.reject(['publickey']);
      const same = ctx.key.algo === allowed.type && ctx.key.data.length === allowed.getPublicSSH().length && timingSafeEqual(ctx.key.data, allowed.getPublicSSH());
      if (!same) return ctx.reject(['publickey']);
      if (ctx.signature && ctx.blob && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey']);
      ctx.accept();
    });
    client.on('error', () => undefined); // a client that goes away mid-handshake
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('sftp', (acceptSftp) => {
          record('SSH sftp', false, 0);
          files.serve(acceptSftp());
        });
        session.on('exec', (acceptExec, _reject, info) => {
          const channel = acceptExec();
          run(info.command, channel).then(
            (code) => channel.exit(code),
            (e: unknown) => (channel.stderr.write(`internal error: ${e instanceof Error ? e.message : String(e)}\n`), channel.exit(1)),
          ).finally(() => channel.end());
        });
      });
    });
  });

  // A powered-off or booting node: no sshd answers, the connection drops.
  const server = createNetServer((socket) => {
    if (opts.cluster.nodeAt(opts.cluster.leader).power !== 'up') return void socket.destroy();
    ssh.injectSocket(socket);
  });

  async function run(command: string, channel: ServerChannel): Promise<number> {
    const words = splitWords(command);
    if (words[0] === 'sudo') words.shift(); // lab simplification: admin's sudo asks for no password
    const program = words.shift() ?? '';
    if (program === RESTORE_SCRIPT) {
      // Never log the arguments: they carry the passphrase.
      const io = scriptIo(channel);
      const code = await restoreConfig(words, io, opts.cluster, files);
      record(`SSH ${RESTORE_SCRIPT}`, io.changed === true, code);
      return code;
    }
    if (program === 'rm') {
      const paths = words.filter((w) => !w.startsWith('-'));
      const missing = paths.filter((p) => !files.remove(p));
      const force = words.includes('-f');
      for (const p of force ? [] : missing) channel.stderr.write(`rm: cannot remove '${p}': No such file or directory\n`);
      record('SSH rm', true, force || missing.length === 0 ? 0 : 1);
      return force || missing.length === 0 ? 0 : 1;
    }
    channel.stderr.write(`bash: ${program}: command not found\n`);
    record(`SSH ${program}`, false, 127);
    return 127;
  }

  return {
    listen: () => new Promise((ok, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => ok((server.address() as AddressInfo).port));
    }),
    close: () => new Promise((ok) => {
      for (const c of open) c.end();
      server.close(() => ok());
    }),
  };
}

/** stdout/stderr/stdin lines of an exec channel, for the script. */
function scriptIo(channel: ServerChannel): ScriptIo {
  let buffered = '';
  let ended = false;
  const waiting: Array<() => void> = [];
  channel.on('data', (chunk: Buffer) => ((buffered += chunk.toString('utf8')), waiting.splice(0).forEach((w) => w())));
  channel.on('end', () => ((ended = true), waiting.splice(0).forEach((w) => w())));
  return {
    out: (t) => void channel.write(t),
    err: (t) => void channel.stderr.write(t),
    async line() {
      for (;;) {
        const nl = buffered.indexOf('\n');
        if (nl >= 0) {
          const l = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          return l;
        }
        if (ended) {
          const rest = buffered;
          buffered = '';
          return rest === '' ? undefined : rest;
        }
        await new Promise<void>((r) => waiting.push(r));
      }
    },
  };
}

/** Words of a shell command line, with '...' and "..." quoting (no expansion). */
export function splitWords(command: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(command); m; m = re.exec(command)) words.push(m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3]!);
  return words;
}
