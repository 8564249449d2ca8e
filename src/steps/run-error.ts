// The one shape a failure is kept in: the journal, the saved run, status, the log and the
// rollback report all use it. Plain JSON (an Error object would persist as {}), no secrets
// (the engine redacts it), and enough for a support case: operation, HTTP status, request id.

export interface RunError {
  /** The step that failed, and the item it worked on ("10.10.1.12", "group-a/se-3"); no item for the run. */
  step: string;
  item?: string;
  /** The error's class (WaitTimeoutError, AwsError, ClaimConflictError, ...). */
  name: string;
  /** AWS error code (IncorrectInstanceState) or another machine-readable code. */
  code?: string;
  message: string;
  /** The API call that failed (StopInstances, PUT /api/cluster). */
  operation?: string;
  httpStatus?: number;
  requestId?: string;
}

/** The error part of a RunError, for an error met outside a step (the log's nested errors). */
export type ErrorFields = Omit<RunError, 'step' | 'item'>;

export function errorFields(error: unknown): ErrorFields {
  const e = (error ?? {}) as {
    name?: unknown; message?: unknown; code?: unknown; operation?: unknown; httpStatus?: unknown; status?: unknown; requestId?: unknown;
    $metadata?: { requestId?: unknown; httpStatusCode?: unknown };
  };
  const out: ErrorFields = {
    name: typeof e.name === 'string' ? e.name : 'Error',
    message: typeof e.message === 'string' ? e.message : String(error),
  };
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = String(e.code);
  if (typeof e.operation === 'string') out.operation = e.operation;
  // AwsError carries httpStatus, a raw SDK error $metadata; AviError calls it status (0 = no answer at all).
  const status = typeof e.httpStatus === 'number' ? e.httpStatus
    : typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode
      : typeof e.status === 'number' && e.status > 0 ? e.status : undefined;
  if (status !== undefined) out.httpStatus = status;
  const requestId = typeof e.requestId === 'string' ? e.requestId : e.$metadata?.requestId;
  if (typeof requestId === 'string') out.requestId = requestId;
  return out;
}

export function toRunError(error: unknown, step: string, item?: string): RunError {
  return { step, ...(item ? { item } : {}), ...errorFields(error) };
}
