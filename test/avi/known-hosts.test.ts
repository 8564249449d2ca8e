// known_hosts as OpenSSH writes it: plain and hashed names, [host]:port, markers, comments.
import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import ssh2 from 'ssh2';
import { generateLabSshKeys } from '../../src/lab/avi/ssh-keys.js';
import { fingerprintOf, hostKeyAlgorithmsFor, judgeHostKey, keyTypeOf, knownHostName, knownHostsLine, knownKeysFor } from '../../src/avi/known-hosts.js';

const blob = (pub: string) => (ssh2.utils.parseKey(pub) as { getPublicSSH(): Buffer }).getPublicSSH();
const ours = blob(generateLabSshKeys().hostPublic);
const other = blob(generateLabSshKeys().hostPublic);
const b64 = (b: Buffer) => b.toString('base64');
const hashed = (name: string) => {
  const salt = Buffer.from('0123456789abcdef0123');
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};

describe('known_hosts', () => {
  it('names a host as OpenSSH does: bare on port 22, [host]:port otherwise', () => {
    expect(knownHostName('10.0.0.1', 22)).toBe('10.0.0.1');
    expect(knownHostName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  it('finds plain, listed and hashed names; skips comments, other hosts, wildcards and @cert-authority', () => {
    const text = [
      '# comment',
      `10.0.0.9 ssh-ed25519 ${b64(other)}`,
      `*.example ssh-ed25519 ${b64(other)}`,
      `@cert-authority 10.0.0.1 ssh-ed25519 ${b64(other)}`,
      `ctl,10.0.0.1 ssh-ed25519 ${b64(ours)} admin@ctl`,
      `${hashed('[127.0.0.1]:2222')} ssh-ed25519 ${b64(ours)}`,
    ].join('\n');
    const plain = knownKeysFor(text, '10.0.0.1');
    expect(plain.keys.map((k) => k.line)).toEqual([5]);
    expect(judgeHostKey(plain, ours)).toBe('match');
    expect(judgeHostKey(plain, other)).toBe('mismatch');
    expect(judgeHostKey(knownKeysFor(text, '[127.0.0.1]:2222'), ours)).toBe('match');
    expect(judgeHostKey(knownKeysFor(text, '10.0.0.2'), ours)).toBe('unknown');
  });

  it('a @revoked key is refused even when another line lists it', () => {
    const text = `@revoked 10.0.0.1 ssh-ed25519 ${b64(ours)}\n10.0.0.1 ssh-ed25519 ${b64(ours)}\n`;
    expect(judgeHostKey(knownKeysFor(text, '10.0.0.1'), ours)).toBe('revoked');
  });

  it('writes the line accept-new adds, which it then finds; fingerprints in SHA256 form', () => {
    const line = knownHostsLine('[127.0.0.1]:2222', ours);
    expect(line).toBe(`[127.0.0.1]:2222 ssh-ed25519 ${b64(ours)}\n`);
    expect(judgeHostKey(knownKeysFor(line, '[127.0.0.1]:2222'), ours)).toBe('match');
    expect(keyTypeOf(ours)).toBe('ssh-ed25519');
    expect(fingerprintOf(ours)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('offers the RSA signature algorithms for an ssh-rsa entry', () => {
    expect(hostKeyAlgorithmsFor(['ssh-rsa', 'ssh-ed25519', 'ssh-ed25519'])).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
  });
});
