// Key material for the lab's Controller SSH: a host key, and the admin's key pair (on AWS, the
// EC2 key pair the Controller was launched with). The private key and known_hosts are written
// into DIR/ssh so the tool can connect as it would to <node-ip>:22.

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';

export interface LabSshKeys {
  hostPrivate: string;
  hostPublic: string;
  adminPrivate: string;
  adminPublic: string;
}

export function generateLabSshKeys(): LabSshKeys {
  const host = keyPair('avi-lab-controller-host');
  const admin = keyPair('avi-lab-admin');
  return { hostPrivate: host.private, hostPublic: host.public, adminPrivate: admin.private, adminPublic: admin.public };
}

/**
 * ssh2 1.17's generateKeyPairSync drops a leading zero byte of an ed25519 public key (about 1 key
 * in 300 comes out 31 bytes long), and its own parser then refuses the pair ("Malformed OpenSSH
 * private key"): such a pair is thrown away.
 */
function keyPair(comment: string): { private: string; public: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error) && !(ssh2.utils.parseKey(pair.public) instanceof Error)) return pair;
  }
}

/** Writes DIR/ssh/id_ed25519 (0600) and DIR/ssh/known_hosts for [127.0.0.1]:port; returns their paths. */
export function writeLabSshFiles(dir: string, keys: LabSshKeys, port: number): { keyPath: string; knownHostsPath: string } {
  const sshDir = join(dir, 'ssh');
  mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  const keyPath = join(sshDir, 'id_ed25519');
  writeFileSync(keyPath, keys.adminPrivate.endsWith('\n') ? keys.adminPrivate : `${keys.adminPrivate}\n`, { mode: 0o600 });
  chmodSync(keyPath, 0o600); // mode only applies when the file is created
  const knownHostsPath = join(sshDir, 'known_hosts');
  // OpenSSH writes a non-22 port as [host]:port; the comment is not part of the entry.
  const [type, blob] = keys.hostPublic.split(' ');
  writeFileSync(knownHostsPath, `[127.0.0.1]:${port} ${type} ${blob}\n`, { mode: 0o644 });
  return { keyPath, knownHostsPath };
}
