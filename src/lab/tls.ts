// A self-signed certificate for the lab Controller on loopback, made with the openssl CLI,
// so avi-encrypt talks TLS to the lab with verification on, exactly as it does in production.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LabCertificate {
  key: string;
  cert: string;
  /** PEM file to pass as --ca-bundle. */
  caPath: string;
}

export function createSelfSignedCertificate(dir: string, commonName = 'avi-lab.local'): LabCertificate {
  mkdirSync(dir, { recursive: true });
  const keyPath = join(dir, 'controller.key');
  const caPath = join(dir, 'controller.pem');
  execFileSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '30',
      '-keyout', keyPath, '-out', caPath,
      '-subj', `/CN=${commonName}`,
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-addext', 'basicConstraints=critical,CA:TRUE',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(caPath, 'utf8'), caPath };
}
