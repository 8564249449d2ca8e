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
  let avi: AviGateway;
  try {
    avi = createAviClient({
      controller: settings.avi.controller,
      username: settings.avi.username,
      password: aviPassword,
      tenant: settings.avi.tenant,
      ...(settings.avi.apiVersion ? { apiVersion: settings.avi.apiVersion } : {}),
      ...(settings.avi.caBundle ? { caBundle: settings.avi.caBundle } : {}),
      // Short at start-up: an unreachable Controller should be reported, not waited for.
      retryDeadlineMs: Math.min(120_000, Math.max(2_000, settings.pollIntervalMs * 6)),
      ...(opts.onRetry ? { onRetry: ({ reason }: { reason: string }) => opts.onRetry!(reason) } : {}),
    });
  } catch (e) {
    throw asUserFacing(e);
  }
  const aviVersion = await avi.login().catch((e: unknown) => {
    if (opts.onUnreachable && e instanceof AviError && (e.kind === 'unreachable' || e.kind === 'timeout')) {
      opts.onUnreachable(e.message);
      return 'unknown (Controller not answering)';
    }
    throw asUserFacing(e);
  });
  const { ec2, kms } = createAwsClients({ region: settings.aws.region, ...(settings.aws.profile ? { profile: settings.aws.profile } : {}) });
  return { aws: createAwsGateway({ ec2, kms }), avi, aviVersion };
}

function asUserFacing(e: unknown): unknown {
  if (!(e instanceof AviError)) return e;
  const hint = e.kind === 'unreachable' || e.kind === 'timeout' ? '; check --controller (AVI_CONTROLLER) and that the Controller is up and reachable from here' : '';
  return new UserFacingError(`${e.message}${hint}`, EXIT.preflight);
}
