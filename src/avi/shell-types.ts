// The Controller's SSH, as steps may use it: the documented 1-node restore runs
// /opt/avi/scripts/restore_config.py on the node (reference §4). Plain data, no ssh2 types.

/** Where and how to log in; the private key is read from its file by the gateway, never passed around. */
export interface SshTarget {
  host: string;
  port: number;
  username: string;
  privateKeyPath: string;
  knownHostsPath: string;
  /** A host known_hosts does not list is trusted (and added) on first use; a changed key is always refused. */
  acceptNewHostKey: boolean;
}

export interface SshAccess {
  /** The host key's SHA256 fingerprint. */
  fingerprint: string;
  /** The host was unknown and its key was accepted now (added to known_hosts unless this is a plan). */
  accepted: boolean;
}

export interface RestoreRequest {
  target: SshTarget;
  /** The export's text: uploaded by SFTP (mode 0600) to `remotePath`, removed afterwards. */
  configuration: string;
  remotePath: string;
  /** The script's flags after --config <remotePath> (e.g. --flushdb); never a secret. */
  flags: string[];
  /** Typed at the script's prompt on stdin, never on its command line. */
  passphrase: string;
  /** Give up on the script after this long. */
  timeoutMs: number;
}

export interface RestoreOutcome {
  /** The script's last lines (stdout and stderr), for the journal. */
  tail: string;
  /** The uploaded export was removed from the node. */
  removed: boolean;
}

/** Reads: safe in a plan (a plan never adds a host key to known_hosts). */
export interface ShellReads {
  /** Connects, checks the host key, logs in and leaves. */
  checkAccess(target: SshTarget): Promise<SshAccess>;
}

/** Writes: in a plan these reach the recorder. */
export interface ShellWrites {
  /** Uploads the export, runs restore_config.py answering its confirmation and passphrase prompts, checks its output, removes the upload. */
  restoreConfig(req: RestoreRequest): Promise<RestoreOutcome>;
}

export const RESTORE_SCRIPT = '/opt/avi/scripts/restore_config.py';

/** An SSH failure in our own words (host key, login, connection, the script). */
export class ShellError extends Error {
  override readonly name = 'ShellError';
  constructor(message: string, readonly code: 'host-key' | 'login' | 'unreachable' | 'key-file' | 'script' | 'read-only') {
    super(message);
  }
}
