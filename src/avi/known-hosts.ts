// The Controller's SSH host key against an OpenSSH known_hosts file (sshd(8), "SSH_KNOWN_HOSTS
// FILE FORMAT"): one key per line, "<host patterns> <key type> <base64 key> [comment]", the
// patterns comma-separated, a port other than 22 written "[host]:port", a hashed name written
// "|1|<base64 salt>|<base64 HMAC-SHA1 of the name>". Simplified: wildcard patterns and
// @cert-authority lines are skipped (never trusted); a @revoked key is always refused.

import { createHash, createHmac } from 'node:crypto';

export interface KnownKey {
  type: string;
  key: Buffer;
  /** 1-based line in the file, for the message that names it. */
  line: number;
}

export interface KnownHost {
  keys: KnownKey[];
  revoked: Buffer[];
}

export type HostKeyVerdict = 'match' | 'unknown' | 'mismatch' | 'revoked';

/** How OpenSSH names a host in known_hosts. */
export const knownHostName = (host: string, port: number): string => (port === 22 ? host : `[${host}]:${port}`);

function namedBy(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return pattern === name;
}

/** The keys known_hosts lists for `name` (negated and wildcard patterns never match). */
export function knownKeysFor(text: string, name: string): KnownHost {
  const found: KnownHost = { keys: [], revoked: [] };
  text.split('\n').forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === '' || fields[0]!.startsWith('#')) return;
    const marker = fields[0]!.startsWith('@') ? fields.shift() : undefined;
    const [patterns, type, base64] = fields;
    if (!patterns || !type || !base64 || marker === '@cert-authority') return;
    if (!patterns.split(',').some((p) => namedBy(p, name))) return;
    const key = Buffer.from(base64, 'base64');
    if (marker === '@revoked') found.revoked.push(key);
    else if (marker === undefined) found.keys.push({ type, key, line: i + 1 });
  });
  return found;
}

export function judgeHostKey(known: KnownHost, presented: Buffer): HostKeyVerdict {
  if (known.revoked.some((k) => k.equals(presented))) return 'revoked';
  if (known.keys.some((k) => k.key.equals(presented))) return 'match';
  return known.keys.length === 0 ? 'unknown' : 'mismatch';
}

/** The key type named inside an SSH public key blob (its first string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('ascii');
}

/** OpenSSH's fingerprint form: SHA256:<base64 without padding>. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The line OpenSSH's accept-new would add. */
export function knownHostsLine(name: string, blob: Buffer): string {
  return `${name} ${keyTypeOf(blob)} ${blob.toString('base64')}\n`;
}

/** Host key algorithms to offer for the key types known_hosts has, so the server presents one of those. */
export function hostKeyAlgorithmsFor(types: string[]): string[] {
  const out = types.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]));
  return [...new Set(out)];
}
