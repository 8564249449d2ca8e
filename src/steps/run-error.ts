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

export function toRunError(error: unknown, step: string, item?: string): RunError {
  const e = (error ?? {}) as { name?: unknown; message?: unknown; code?: unknown; operation?: unknown; httpStatus?: unknown; status?: unknown; requestId?: unknown };
  const out: RunError = {
    step,
    name: typeof e.name === 'string' ? e.name : 'Error',
    message: typeof e.message === 'string' ? e.message : String(error),
  };
  if (item) out.item = item;
  if (typeof e.code === 'string') out.code = e.code;
  if (typeof e.operation === 'string') out.operation = e.operation;
  // AwsError carries httpStatus; AviError calls it status (0 = no answer at all).
  const status = typeof e.httpStatus === 'number' ? e.httpStatus : typeof e.status === 'number' && e.status > 0 ? e.status : undefined;
  if (status !== undefined) out.httpStatus = status;
  if (typeof e.requestId === 'string') out.requestId = e.requestId;
  return out;
}
