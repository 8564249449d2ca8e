import { EC2Client } from '@aws-sdk/client-ec2';
import type { InitializeMiddleware, MetadataBearer } from '@smithy/types';
import { KMSClient } from '@aws-sdk/client-kms';

export interface AwsClientOptions {
  region: string;
  /** Named profile from ~/.aws/config; without it the SDK falls back to AWS_PROFILE / default. */
  profile?: string;
  /** Where the SDK's own warnings go (e.g. "multiple credential sources"); never the console. */
  onWarning?: (message: string) => void;
  /**
   * A plan: only Describe/List/Get may be sent, and writes with DryRun=true (preflight's permission
   * probes, which change nothing). Writes have their own recorder in a plan; this is the second net
   * that makes a write that slipped past it fail instead of reach AWS.
   */
  readOnly?: boolean;
}

export interface AwsClients {
  ec2: EC2Client;
  kms: KMSClient;
}

/**
 * Everything else is the SDK's own behaviour on purpose:
 * - credentials: the default provider chain (env, SSO, shared ini, process, web identity, IMDS);
 *   the client `profile` is handed to that chain, so no direct credential-provider import is needed.
 * - endpoints: AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL and `endpoint_url` in the
 *   profile are resolved by the client from its serviceId ("EC2", "KMS") — this is how tests reach moto.
 * - retries: standard mode, up to 8 attempts with backoff (AWS_MAX_ATTEMPTS overrides): a fleet
 *   migration makes hundreds of calls, and under EC2 throttling (RequestLimitExceeded) 3 attempts
 *   fail a run about once in a hundred calls at a 20% refusal rate; 8 practically never. Callers
 *   must not add their own retry loop around SDK calls.
 */
export function createAwsClients({ region, profile, onWarning, readOnly }: AwsClientOptions): AwsClients {
  const warn = (...parts: unknown[]) => onWarning?.(parts.map(String).join(' ').replace(/\s+/g, ' ').trim());
  // A logger without info/debug output: the SDK's warnings reach onWarning instead of eight lines on stderr.
  const logger = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn, error: warn };
  const maxAttempts = Number(process.env['AWS_MAX_ATTEMPTS']) || 8;
  const config = { region, logger, maxAttempts, ...(profile ? { profile } : {}) };
  const clients = { ec2: new EC2Client(config), kms: new KMSClient(config) };
  if (readOnly) {
    makeReadOnly(clients.ec2);
    makeReadOnly(clients.kms);
  }
  return clients;
}

/** A plan's client: reads and DryRun requests go out, any other request fails before it is signed. */
export function makeReadOnly(client: EC2Client | KMSClient): void {
  (client.middlewareStack as EC2Client['middlewareStack']).add(refuseWrites, { step: 'initialize', name: 'avi-encrypt-read-only' });
}

const READ_OPERATION = /^(Describe|List|Get)[A-Z]/;

/** Before anything is signed or sent: a command that is neither a read nor a DryRun fails right here. */
const refuseWrites: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
  const command = String(context.commandName ?? '').replace(/Command$/, '');
  // AWS: with DryRun set, EC2 and KMS only check the request and answer DryRunOperation(Exception).
  const dryRun = (args.input as { DryRun?: unknown } | undefined)?.DryRun === true;
  if (!READ_OPERATION.test(command) && !dryRun) {
    throw Object.assign(new Error(`refused ${command} to AWS: this is a plan, nothing may change`), { name: 'ReadOnlyViolation' });
  }
  return next(args);
};
