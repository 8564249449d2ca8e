// Shared by the gateway tests: what the SDK throws for an AWS error, and catching our mapping of it.
import { expect } from '@jest/globals';
import { AwsError } from '../../src/aws/types.js';

export const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/0b7f3f5e-1111-4222-8333-944444444444';

/** What the SDK throws for an AWS error response: the code in `name`, plus metadata. */
export function awsFailure(name: string, message: string, requestId = 'req-1'): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400, requestId } });
}

export async function failure(promise: Promise<unknown>): Promise<AwsError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AwsError);
  return error as AwsError;
}
