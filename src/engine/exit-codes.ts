// Exit codes, documented in README.md ("Exit codes"). Scripts may rely on them.

export const EXIT = {
  ok: 0,
  /** A bug or an error we did not classify; the message says where the log is. */
  internal: 1,
  /** Bad input: a flag, a config file or an environment variable. Nothing was changed. */
  usage: 2,
  /** Preflight refused: the Controller, the key, the AMI or the topology is not fit. Nothing was changed. */
  preflight: 3,
  /** Another live run holds the lock for this Controller cluster. Nothing was changed. */
  locked: 4,
  /** A step failed mid-run; the run is saved and `avi-encrypt resume` continues it. */
  stepFailed: 5,
  /** A step failed and its target was put back as it was; fix the cause, then `avi-encrypt resume`. */
  rolledBack: 6,
  /** The run waits at a gate for a person's approval (no terminal, no --yes); `avi-encrypt approve` continues it. */
  waitingApproval: 7,
  /**
   * `verify` (and a `migrate` or `resume` that finished): a volume is not encrypted with the
   * expected key, or an instance could not be read; `cleanup` refuses a run that does not verify.
   */
  unverified: 8,
  /** `doctor` found a key that is Disabled, PendingDeletion or gone (the CMK-deletion cases). */
  keyCases: 9,
  /** Interrupted (SIGINT/SIGTERM); the run is saved and `avi-encrypt resume` continues it. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends the command with one clear line and a given exit code. */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'UserFacingError';
  }
}
