// Failures a step reports in words an SRE can act on.

/** The environment is not fit to start (key, AMI, topology). Raised before any change is made. */
export class PreflightError extends Error {
  override readonly name = 'PreflightError';
}

/** A wait ran past its deadline. Resuming starts the wait again with a fresh deadline. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

/** A wait saw a state it can never leave on its own (an instance that fell back to stopped). */
export class WaitFailedError extends Error {
  override readonly name = 'WaitFailedError';
}

/** Another run holds the cluster (its marker or its volumes are on the same instances). Nothing was changed. */
export class ClaimConflictError extends Error {
  override readonly name = 'ClaimConflictError';
}
