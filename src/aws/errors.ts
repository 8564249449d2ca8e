import { AwsError } from './types.js';

const MAX_DETAIL = 300;

/** SDK errors carry the AWS error code in `name`; Node network errors carry it in `code`. */
function errorCode(error: unknown): string {
  if (error && typeof error === 'object') {
    const { name, code } = error as { name?: unknown; code?: unknown };
    if (typeof name === 'string' && name !== 'Error') return name;
    if (typeof code === 'string') return code;
  }
  return 'Unknown';
}

function errorDetail(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  // UnauthorizedOperation appends a long opaque blob; it is only useful via sts:DecodeAuthorizationMessage.
  const withoutBlob = raw.replace(/Encoded authorization failure message:.*$/s, '(encoded authorization message omitted)');
  const oneLine = withoutBlob.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_DETAIL ? `${oneLine.slice(0, MAX_DETAIL)}…` : oneLine;
}

function requestId(error: unknown): string | undefined {
  const metadata = (error as { $metadata?: { requestId?: unknown } } | undefined)?.$metadata;
  return typeof metadata?.requestId === 'string' ? metadata.requestId : undefined;
}

/**
 * One error type for every AWS failure: `code` is the AWS code, the message is one readable line.
 * The original error is not attached: SDK errors hold raw HTTP responses we never want in logs.
 */
export function toAwsError(error: unknown, operation: string): AwsError {
  if (error instanceof AwsError) return error;
  const code = errorCode(error);
  if (code === 'CredentialsProviderError') return noCredentials(operation);
  const detail = errorDetail(error);
  const id = requestId(error);
  const suffix = id ? ` (request ${id})` : '';
  return new AwsError(code, `${operation} failed: ${code}${detail ? `: ${detail}` : ''}${suffix}`, operation);
}

/** Runs one SDK call and rethrows anything it throws as AwsError tagged with the API operation. */
export async function awsCall<T>(operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw toAwsError(error, operation);
  }
}

/** The SDK's "Could not load credentials from any providers", with what was tried and the fix. */
function noCredentials(operation: string): AwsError {
  return new AwsError(
    'CredentialsProviderError',
    `${operation} failed: no AWS credentials found (tried: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the profile (--profile, AWS_PROFILE or default) in ~/.aws/credentials and ~/.aws/config with SSO, credential_process or role, web identity, ECS and EC2 instance metadata); set --profile or AWS_PROFILE, or run aws sso login`,
    operation,
  );
}

/** Describe* on an unknown id can also come back empty (e.g. deregistered AMIs): report it as AWS would. */
export function notFound(code: string, what: string, operation: string): AwsError {
  return new AwsError(code, `${operation} failed: ${code}: ${what} does not exist`, operation);
}
