// The Controller runbooks' own settings (their section of the config file): the encrypted AMI,
// or the AMI to copy into one, and how a 1-node Controller gets its configuration back. Paths
// only: the SSH private key is read when it is used, never stored or logged.

import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { privateKeyProblem } from '../../avi/shell.js';
import type { RunbookSettings } from '../../runbook/module.js';
import { UsageError } from '../errors.js';

export type RestoreVia = 'ssh' | 'api';

export interface SshSettings {
  /** Private key of the Controller's admin (the EC2 key pair it was launched with). */
  key?: string;
  knownHosts: string;
  acceptNewHostKey: boolean;
  /** host:port to connect to instead of <node ip>:22 (a forwarded port, the lab). */
  endpoint?: string;
  user: string;
}

// A type, not an interface: it is also a Settings<Record<string, unknown>>'s runbook part.
export type ControllerSettings = {
  /** AMI whose root snapshot is encrypted with the key; without it the run makes one (CopyImage). */
  encryptedAmi?: string;
  /** The AMI to copy into the encrypted one; default the nodes' own. */
  sourceAmi?: string;
  /** 1-node restore: restore_config.py over SSH (documented), or the API import (unverified). */
  restoreVia: RestoreVia;
  ssh: SshSettings;
};

const AMI = /^ami-[0-9a-f]{8,17}$/;
const ENDPOINT = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/;

export const controllerSettings: RunbookSettings<ControllerSettings> = {
  specs: [
    { key: 'encryptedAmi', type: 'string', env: 'AVI_ENCRYPT_ENCRYPTED_AMI', describe: 'AMI whose root snapshot is encrypted with the key; without it an encrypted copy is made' },
    { key: 'sourceAmi', type: 'string', env: 'AVI_ENCRYPT_SOURCE_AMI', describe: "AMI to copy into the encrypted one (default: the nodes' own)" },
    { key: 'restoreVia', type: 'string', env: 'AVI_ENCRYPT_RESTORE_VIA', describe: '1-node restore: ssh (restore_config.py, default) or api (unverified)' },
    { key: 'sshKey', type: 'string', env: 'AVI_ENCRYPT_SSH_KEY', describe: "private key for the Controller's admin over SSH (1-node restore)" },
    { key: 'knownHosts', type: 'string', env: 'AVI_ENCRYPT_KNOWN_HOSTS', describe: 'known_hosts file the Controller host key is checked against (default ~/.ssh/known_hosts)' },
    { key: 'acceptNewHostKey', type: 'boolean', describe: 'trust and remember the host key of a Controller known_hosts does not list (first use only)' },
    { key: 'sshEndpoint', type: 'string', env: 'AVI_ENCRYPT_SSH_ENDPOINT', describe: 'host:port to reach the node\'s SSH through instead of <node ip>:22 (a jump host\'s forwarded port, the lab)' },
    { key: 'sshUser', type: 'string', env: 'AVI_ENCRYPT_SSH_USER', describe: 'SSH user on the Controller (default admin)' },
  ],
  parse(raw, sourceOf, common) {
    const ami = (key: 'encryptedAmi' | 'sourceAmi') => {
      const v = raw[key];
      if (v === undefined) return undefined;
      if (typeof v !== 'string' || !AMI.test(v)) throw new UsageError(`AMI "${String(v)}" (${sourceOf(key)}) is not an AMI id: set it to one like ami-0abc1234def567890`);
      return v;
    };
    const encryptedAmi = ami('encryptedAmi');
    const sourceAmi = ami('sourceAmi');
    if (encryptedAmi && sourceAmi) {
      throw new UsageError(`${sourceOf('sourceAmi')} names an AMI to copy, but ${sourceOf('encryptedAmi')} already gives the encrypted one: drop one of them`);
    }
    const via = raw['restoreVia'] ?? 'ssh';
    if (via !== 'ssh' && via !== 'api') throw new UsageError(`restore method "${String(via)}" (${sourceOf('restoreVia')}) is not ssh or api`);
    return {
      ...(encryptedAmi ? { encryptedAmi } : {}),
      ...(sourceAmi ? { sourceAmi } : {}),
      restoreVia: via,
      ssh: sshSettings(raw, sourceOf, common.strategy),
    };
  },
};

function sshSettings(raw: Record<string, unknown>, sourceOf: (key: string) => string, strategy: string): SshSettings {
  const text = (key: string) => (raw[key] === undefined ? undefined : String(raw[key]));
  const key = text('sshKey');
  if (key !== undefined) checkKeyFile(key, sourceOf('sshKey'));
  const knownHosts = resolve(text('knownHosts') ?? join(homedir(), '.ssh', 'known_hosts'));
  const acceptNewHostKey = flag(raw['acceptNewHostKey'], sourceOf('acceptNewHostKey'));
  // A file named on purpose must be readable; a missing one only on first use (it is created then).
  // The default is looked at only when SSH is used (1 node): a 3-node run never needs it.
  if (raw['knownHosts'] !== undefined) {
    try {
      accessSync(knownHosts, constants.R_OK);
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? 'unreadable';
      if (why !== 'ENOENT' || !acceptNewHostKey) {
        throw new UsageError(`known_hosts ${knownHosts} (${sourceOf('knownHosts')}) cannot be read (${why}); point it at the file that lists the Controller's host key, or pass --accept-new-host-key to start one`);
      }
    }
  }
  const endpoint = text('sshEndpoint');
  if (endpoint !== undefined && !ENDPOINT.test(endpoint)) {
    throw new UsageError(`SSH endpoint "${endpoint}" (${sourceOf('sshEndpoint')}) is not host:port; ${strategy} connects to <node ip>:22 without it`);
  }
  return {
    ...(key !== undefined ? { key: resolve(key) } : {}),
    knownHosts,
    acceptNewHostKey,
    ...(endpoint !== undefined ? { endpoint } : {}),
    user: text('sshUser') ?? 'admin',
  };
}

/** A key that is missing, unreadable or not a usable private key is bad input, before anything starts. */
function checkKeyFile(path: string, source: string): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`SSH key ${path} (${source}) cannot be read (${(e as NodeJS.ErrnoException).code ?? 'unreadable'}); point it at the private key of the Controller's admin`);
  }
  const problem = privateKeyProblem(text);
  if (problem) throw new UsageError(`SSH key ${path} (${source}) cannot be used: ${problem}`);
}

function flag(value: unknown, source: string): boolean {
  if (value === undefined || value === false || value === 'false' || value === '0') return false;
  if (value === true || value === 'true' || value === '1') return true;
  throw new UsageError(`${source} is "${String(value)}", not true or false`);
}

/** host and port of an endpoint override. */
export function parseEndpoint(endpoint: string): { host: string; port: number } {
  const m = ENDPOINT.exec(endpoint)!;
  return { host: m[1] ?? m[2]!, port: Number(m[3]) };
}
