import { EC2Client } from '@aws-sdk/client-ec2';
import { KMSClient } from '@aws-sdk/client-kms';

export interface AwsClientOptions {
  region: string;
  /** Named profile from ~/.aws/config; without it the SDK falls back to AWS_PROFILE / default. */
  profile?: string;
  /** Where the SDK's own warnings go (e.g. "multiple credential sources"); never the console. */
  onWarning?: (message: string) => void;
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
 * - retries: standard mode with the default 3 attempts (still overridable by AWS_RETRY_MODE /
 *   AWS_MAX_ATTEMPTS); callers must not add their own retry loop around SDK calls.
 */
export function createAwsClients({ region, profile, onWarning }: AwsClientOptions): AwsClients {
  const warn = (...parts: unknown[]) => onWarning?.(parts.map(String).join(' ').replace(/\s+/g, ' ').trim());
  // A logger without info/debug output: the SDK's warnings reach onWarning instead of eight lines on stderr.
  const logger = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn, error: warn };
  const config = { region, logger, ...(profile ? { profile } : {}) };
  return { ec2: new EC2Client(config), kms: new KMSClient(config) };
}
