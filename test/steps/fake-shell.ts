// A hand-written fake of the Controller's SSH for the step tests: it records every access check
// and restore, and fails them on demand.

import type { RestoreOutcome, RestoreRequest, ShellReads, ShellWrites, SshAccess, SshTarget } from '../../src/avi/shell-types.js';

export class FakeShell implements ShellReads, ShellWrites {
  readonly checks: SshTarget[] = [];
  readonly restores: RestoreRequest[] = [];
  /** Thrown by the next checkAccess / restoreConfig while set. */
  accessError: Error | undefined;
  restoreError: Error | undefined;

  async checkAccess(target: SshTarget): Promise<SshAccess> {
    this.checks.push(target);
    if (this.accessError) throw this.accessError;
    return { fingerprint: 'SHA256:fake', accepted: false };
  }

  async restoreConfig(req: RestoreRequest): Promise<RestoreOutcome> {
    this.restores.push(req);
    if (this.restoreError) throw this.restoreError;
    return { tail: '======== Configuration Restored for 1-node cluster ========', removed: true };
  }
}
