// Builds the two gateways for a run from settings and the Avi password, and logs in once so
// an unreachable Controller, a wrong password or a TLS failure is one clear line up front.

import { createAviClient } from '../avi/client.js';
import { AviError, type AviGateway } from '../avi/types.js';
import { createAwsClients } from '../aws/clients.js';
import { createAwsGateway } from '../aws/gateway.js';
import type { AwsGateway } from '../aws/types.js';
import { EXIT, UserFacingError } from './exit-codes.js';
import type { Settings } from './settings.js';

export interface Gateways {
  aws: AwsGateway;
  avi: AviGateway;
  /** The Controller's version, from the login. */
  aviVersion: string;
  /** Warnings the AWS SDK raised (e.g. several credential sources); logged, never printed. */
  awsWarnings: string[];
}

export interface ConnectOptions {
  onRetry?: (reason: string) => void;
  /**
   * Resume of a 1-node run: the only Controller may be the node the run left stopped, so an
   * unreachable Controller is reported and the run goes on (steps log in when it is back).
   */
  onUnreachable?: (message: string) => void;
}

export async function connect(settings: Settings, aviPassword: string, opts: ConnectOptions = {}): Promise<Gateways> {
  const client = (retryDeadlineMs: number) =>
    createAviClient({
      controller: settings.avi.controller,
      username: settings.avi.username,
      password: aviPassword,
      tenant: settings.avi.tenant,
      ...(settings.avi.apiVersion ? { apiVersion: settings.avi.apiVersion } : {}),
      ...(settings.avi.caBundle ? { caBundle: settings.avi.caBundle } : {}),
      retryDeadlineMs,
      ...(opts.onRetry ? { onRetry: ({ reason }: { reason: string }) => opts.onRetry!(reason) } : {}),
    });
  const poll = settings.pollIntervalMs;
  let avi: AviGateway;
  let login: AviGateway;
  try {
    // Short at start-up: an unreachable Controller is reported, not waited for.
    login = client(clamp(poll * 6, 2_000, 60_000));
    // Long during the run: a Controller answers 503 for the documented 2-3 minutes after a reboot.
    avi = client(clamp(poll * 18, 2_000, 180_000));
  } catch (e) {
    throw asUserFacing(e);
  }
  const aviVersion = await login.login().catch((e: unknown) => {
    if (opts.onUnreachable && e instanceof AviError && (e.kind === 'unreachable' || e.kind === 'timeout')) {
      opts.onUnreachable(e.message);
      return 'unknown (Controller not answering)';
    }
    throw asUserFacing(e);
  });
  const awsWarnings: string[] = [];
  const { ec2, kms } = createAwsClients({
    region: settings.aws.region,
    ...(settings.aws.profile ? { profile: settings.aws.profile } : {}),
    onWarning: (m) => awsWarnings.push(m),
  });
  return { aws: createAwsGateway({ ec2, kms }), avi, aviVersion, awsWarnings };
}

const clamp = (n: number, min: number, max: number) => Math.min(max, Math.max(min, n));

function asUserFacing(e: unknown): unknown {
  if (!(e instanceof AviError)) return e;
  if (e.kind === 'tenant') return new UserFacingError(e.message, EXIT.usage);
  const hint = e.kind === 'unreachable' || e.kind === 'timeout' ? '; check --controller (AVI_CONTROLLER) and that the Controller is up and reachable from here' : '';
  return new UserFacingError(`${e.message}${hint}`, EXIT.preflight);
}
