// The Controller's SSH over the ssh2 client: log in as the Controller's admin with a key, the host
// key checked against known_hosts (accepted on first use only when asked), SFTP to upload the
// export, and exec of restore_config.py, whose confirmation and passphrase prompts are answered on
// stdin so the passphrase never appears on the remote command line (reference §4).

import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import ssh2, { type Client } from 'ssh2';
import {
  fingerprintOf, hostKeyAlgorithmsFor, judgeHostKey, keyTypeOf, knownHostName, knownHostsLine, knownKeysFor, type HostKeyVerdict,
} from './known-hosts.js';
import { runScript, removeFile, upload, type ScriptRun } from './shell-exec.js';
import { RESTORE_SCRIPT, ShellError, type ShellReads, type ShellWrites, type SshAccess, type SshTarget } from './shell-types.js';

const READY_TIMEOUT_MS = 30_000;
const RESTORED = /Configuration Restored/i;

/** Why a private key file cannot be used, or undefined when it can (ssh2 parses it). */
export function privateKeyProblem(text: string): string | undefined {
  const parsed = ssh2.utils.parseKey(text);
  if (parsed instanceof Error) {
    return /passphrase/i.test(parsed.message)
      ? 'it is protected by a passphrase, which avi-encrypt does not ask for: use a key without one (kept mode 0600)'
      : `it is not a private key ssh2 can read (${parsed.message})`;
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  return key?.isPrivateKey() ? undefined : 'it holds a public key, not a private one';
}

export function createControllerShell(opts: { readOnly?: boolean } = {}): ShellReads & ShellWrites {
  return {
    async checkAccess(target) {
      const session = await open(target, opts.readOnly === true);
      session.client.end();
      return session.access;
    },
    async restoreConfig(req) {
      if (opts.readOnly) throw new ShellError(`refused ${RESTORE_SCRIPT} on ${req.target.host}: this is a plan, nothing may change`, 'read-only');
      if (!/^[\w./-]+$/.test(req.remotePath)) throw new ShellError(`remote path ${req.remotePath} needs quoting; use letters, digits, . _ / -`, 'script');
      const { client } = await open(req.target, false);
      const name = knownHostName(req.target.host, req.target.port);
      try {
        await upload(client, req.remotePath, req.configuration);
        const command = [RESTORE_SCRIPT, '--config', req.remotePath, ...req.flags].join(' ');
        const run: ScriptRun | Error = await runScript(client, command, req.passphrase, req.timeoutMs).catch((e: Error) => e);
        // The export carries the configuration's secrets (encrypted with the passphrase): never left behind.
        const removed = await removeFile(client, req.remotePath);
        if (run instanceof Error) throw run;
        const tail = run.output.split(req.passphrase).join('***').trim().split('\n').slice(-4).join(' | ');
        if (run.code !== 0 || !RESTORED.test(run.output)) {
          throw new ShellError(`${RESTORE_SCRIPT} on ${name} did not restore the configuration (exit ${run.code ?? 'none'}): ${tail}`, 'script');
        }
        return { tail, removed };
      } finally {
        client.end();
      }
    },
  };
}

interface Session {
  client: Client;
  access: SshAccess;
}

async function open(target: SshTarget, readOnly: boolean): Promise<Session> {
  const name = knownHostName(target.host, target.port);
  const privateKey = await readFile(target.privateKeyPath, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new ShellError(`cannot read the SSH key ${target.privateKeyPath} (${e.code ?? e.message}); set --ssh-key or AVI_ENCRYPT_SSH_KEY to a readable private key`, 'key-file');
  });
  const knownText = await readFile(target.knownHostsPath, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '';
    throw new ShellError(`cannot read known_hosts ${target.knownHostsPath} (${e.code ?? e.message}); set --known-hosts or AVI_ENCRYPT_KNOWN_HOSTS`, 'key-file');
  });
  const known = knownKeysFor(knownText, name);
  let presented: Buffer | undefined;
  let verdict: HostKeyVerdict | undefined;
  const client = new ssh2.Client();
  const trusted = await new Promise<boolean>((resolve, reject) => {
    let settled = false;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(e);
    };
    client.once('ready', () => {
      settled = true;
      resolve(verdict === 'match');
    });
    client.on('error', (e: Error & { level?: string; code?: string }) => fail(translate(e, target, name, verdict, presented, known.keys.map((k) => k.line))));
    client.once('close', () => fail(new ShellError(`the SSH connection to ${name} closed before the login ended`, 'unreachable')));
    client.connect({
      host: target.host, port: target.port, username: target.username, privateKey, readyTimeout: READY_TIMEOUT_MS,
      hostVerifier: (key: Buffer) => {
        presented = key;
        verdict = judgeHostKey(known, key);
        return verdict === 'match' || (verdict === 'unknown' && target.acceptNewHostKey);
      },
      // Offer the key types known_hosts has, so a server with several keys presents a known one.
      ...(known.keys.length ? { algorithms: { serverHostKey: hostKeyAlgorithmsFor(known.keys.map((k) => k.type)) as never } } : {}),
    });
  });
  const accepted = !trusted;
  if (accepted && !readOnly) {
    // OpenSSH's accept-new: remember the key, so the next connection is checked against it.
    await mkdir(dirname(target.knownHostsPath), { recursive: true, mode: 0o700 });
    await appendFile(target.knownHostsPath, knownHostsLine(name, presented!), { mode: 0o600 });
  }
  return { client, access: { fingerprint: fingerprintOf(presented!), accepted } };
}

function translate(
  e: Error & { level?: string; code?: string }, target: SshTarget, name: string, verdict: HostKeyVerdict | undefined, presented: Buffer | undefined, lines: number[],
): ShellError {
  const key = presented ? `${keyTypeOf(presented)} ${fingerprintOf(presented)}` : 'unknown key';
  const file = target.knownHostsPath;
  if (verdict === 'mismatch') {
    return new ShellError(`the SSH host key of ${name} (${key}) does not match ${file} (line ${lines.join(', ')}); if the Controller was re-imaged, check the new key, then remove the old entry (ssh-keygen -R '${name}' -f ${file})`, 'host-key');
  }
  if (verdict === 'revoked') return new ShellError(`the SSH host key of ${name} (${key}) is marked @revoked in ${file}; refusing to connect`, 'host-key');
  if (verdict === 'unknown' && !target.acceptNewHostKey) {
    return new ShellError(`the SSH host key of ${name} (${key}) is not in ${file}; check it, then pass --accept-new-host-key to trust it on first use`, 'host-key');
  }
  if (e.level === 'client-authentication') {
    return new ShellError(`SSH login as ${target.username} to ${name} with the key ${target.privateKeyPath} was refused; use the key pair the Controller was launched with`, 'login');
  }
  const why = e.code ?? (e.level === 'client-timeout' ? `no SSH answer within ${READY_TIMEOUT_MS / 1000} s` : e.message);
  return new ShellError(`cannot reach the Controller's SSH at ${name}: ${why}; it must be reachable from here on port 22 (or set AVI_ENCRYPT_SSH_ENDPOINT to a forwarded host:port)`, 'unreachable');
}
