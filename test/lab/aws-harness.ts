// Shared set-up for the aws-*.test.ts files: a seeded lab world served on 127.0.0.1:0 and the
// real SDK clients pointed at it, plus small polling and error-catching helpers.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EC2Client } from '@aws-sdk/client-ec2';
import { KMSClient } from '@aws-sdk/client-kms';
import { createClock } from '../../src/lab/clock.js';
import { createWorld, type LabWorld } from '../../src/lab/world/world.js';
import { seedWorld, type LabSeed } from '../../src/lab/world/seed.js';
import { RequestLog } from '../../src/lab/request-log.js';
import { createAwsHandler } from '../../src/lab/aws/server.js';
import type { IamPolicy } from '../../src/lab/aws/iam-policy.js';
import type { RunningLab } from '../../src/lab/server.js';

export const REGION = 'us-west-2';
export const ACCOUNT = '123456789012';

export interface Lab {
  world: LabWorld;
  seed: LabSeed;
  log: RequestLog;
  ec2: EC2Client;
  kms: KMSClient;
  endpoint: string;
  close(): Promise<void>;
}

export interface LabRules {
  nodes?: 1 | 3;
  scale?: number;
  pageSize?: number;
  policy?: IamPolicy;
  consistencyDelayMs?: number;
}

export async function startLab(opts: LabRules = {}): Promise<Lab> {
  const world = createWorld({ region: REGION, accountId: ACCOUNT, clock: createClock(opts.scale ?? 0.001) });
  const seed = seedWorld(world, { nodes: opts.nodes ?? 3 });
  world.consistencyDelayMs = opts.consistencyDelayMs ?? 0;
  const log = new RequestLog();
  const handlerOpts = { ...(opts.policy ? { policy: opts.policy } : {}), ...(opts.pageSize ? { pageSize: opts.pageSize } : {}) };
  const server: Server = createServer(createAwsHandler(world, log, handlerOpts));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // One attempt: errors are what many tests are about, and retries would only slow them down.
  const config = { region: REGION, endpoint, credentials: { accessKeyId: 'AKIDLAB', secretAccessKey: 'lab' }, maxAttempts: 1 };
  const ec2 = new EC2Client(config);
  const kms = new KMSClient(config);
  return {
    world, seed, log, ec2, kms, endpoint,
    async close() {
      ec2.destroy();
      kms.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An EC2 client on a full `startLab` (src/lab/server.ts) lab, with its credentials; one attempt. */
export function labEc2(lab: Pick<RunningLab, 'profile' | 'env'>): EC2Client {
  return new EC2Client({
    region: lab.profile.region, endpoint: lab.profile.awsEndpoint, maxAttempts: 1,
    credentials: { accessKeyId: lab.env['AWS_ACCESS_KEY_ID']!, secretAccessKey: lab.env['AWS_SECRET_ACCESS_KEY']! },
  });
}

/** Polls until the condition holds; fails after timeoutMs of wall time. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

export interface CaughtAwsError {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number };
}

/** The SDK error a call failed with; fails the test if the call succeeded. */
export async function failure(call: Promise<unknown>): Promise<CaughtAwsError> {
  try {
    await call;
  } catch (err) {
    return err as CaughtAwsError;
  }
  throw new Error('expected the call to fail');
}
