import type { EC2Client } from '@aws-sdk/client-ec2';
import type { KMSClient } from '@aws-sdk/client-kms';
import { createCleanupReads, createCleanupWrites } from './cleanup-calls.js';
import { createAwsReads } from './gateway-reads.js';
import { createAwsWrites } from './gateway-writes.js';
import { createLaunchReads } from './launch-reads.js';
import { createLaunchWrites } from './launch-writes.js';
import type { AwsGateway } from './types.js';

/**
 * The real AwsGateway: one typed SDK command per method, responses mapped to plain data, failures
 * rethrown as AwsError. No waiting and no retry loops here — the SDK retries transient errors and
 * steps decide how to poll.
 */
export function createAwsGateway(clients: { ec2: EC2Client; kms: KMSClient }): AwsGateway {
  return {
    ...createAwsReads(clients), ...createLaunchReads(clients), ...createCleanupReads(clients),
    ...createAwsWrites(clients), ...createLaunchWrites(clients), ...createCleanupWrites(clients),
  };
}
