// The deployment every runbook works on: its Avi Controller and its AWS account. Builds the
// gateways from settings and the Avi password, and logs in once, so an unreachable Controller,
// a wrong password or a TLS failure is one clear line up front.

import { createAviClient } from '../avi/client.js';
import { createControllerShell } from '../avi/shell.js';
import { AviError, type AviGateway } from '../avi/types.js';
import { createAwsClients } from '../aws/clients.js';
import { createEc2DryRun, createKmsDryRun } from '../aws/dry-run.js';
import { createAwsGateway } from '../aws/gateway.js';
import type { Settings } from '../runbook/settings.js';
import { UsageError } from './errors.js';
import type { Probes, Reads, Writes } from './gateways.js';

export interface Target {
  reads: Reads;
  writes: Writes;
  /** The EC2 writes and KMS CreateGrant as DryRun requests (they pass a plan's read-only clients). */
  probes: Probes;
  /** The Controller's version, from the login. */
  version: string;
  /** Warnings the AWS SDK raised (e.g. several credential sources); logged, never printed. */
  warnings: string[];
}

/** The target could not be reached or refused us before anything started (exit 3). */
export class TargetUnreachableError extends Error {
  override readonly name = 'TargetUnreachableError';
}

export interface ConnectOptions {
  /** A plan: the clients refuse any write before it is sent (the second net under the recorder). */
  readOnly?: boolean;
  /**
   * Resume of a 1-node run: the only Controller may be the node the run left stopped, so an
   * unreachable Controller is reported and the run goes on (steps log in when it is back).
   */
  onUnreachable?: (message: string) => void;
}

export async function connectTarget(settings: Settings, aviPassword: string, opts: ConnectOptions = {}): Promise<Target> {
  const poll = settings.pollIntervalMs;
  const client = (retryDeadlineMs: number) =>
    createAviClient({
      controller: settings.avi.controller,
      username: settings.avi.username,
      password: aviPassword,
      tenant: settings.avi.tenant,
      ...(settings.avi.apiVersion ? { apiVersion: settings.avi.apiVersion } : {}),
      ...(settings.avi.caBundle ? { caBundle: settings.avi.caBundle } : {}),
      retryDeadlineMs,
      // A look retried inside the client (503 while a Controller boots or re-forms) must not lag the
      // wait's own schedule: at most 8 of its shortest gaps apart (8 s by default; scaled in a lab).
      retryMaxGapMs: clamp(8 * (settings.pollMinMs ?? poll), 20, 15_000),
      ...(opts.readOnly ? { readOnly: true } : {}),
    });
  let avi: AviGateway;
  let login: AviGateway;
  try {
    // Short at start-up: an unreachable Controller is reported, not waited for.
    login = client(clamp(poll * 6, 2_000, 60_000));
    // Long during the run: a Controller answers 503 for the documented 2-3 minutes after a reboot.
    avi = client(clamp(poll * 18, 2_000, 180_000));
  } catch (e) {
    throw asTargetError(e);
  }
  const version = await login.login().catch((e: unknown) => {
    if (opts.onUnreachable && e instanceof AviError && (e.kind === 'unreachable' || e.kind === 'timeout')) {
      opts.onUnreachable(e.message);
      return 'unknown (Controller not answering)';
    }
    throw asTargetError(e);
  });
  const warnings: string[] = [];
  const { ec2, kms } = createAwsClients({
    region: settings.aws.region,
    ...(settings.aws.profile ? { profile: settings.aws.profile } : {}),
    onWarning: (m) => warnings.push(m),
    ...(opts.readOnly ? { readOnly: true } : {}),
  });
  const aws = createAwsGateway({ ec2, kms });
  const shell = createControllerShell({ ...(opts.readOnly ? { readOnly: true } : {}) });
  return {
    reads: { ec2: aws, kms: aws, cluster: avi, cloud: avi, engines: avi, shell, access: avi },
    writes: { ec2: aws, cluster: avi, cloud: avi, engines: avi, shell },
    probes: { ec2: createEc2DryRun({ ec2 }), kms: createKmsDryRun({ kms }) },
    version,
    warnings,
  };
}

const clamp = (n: number, min: number, max: number) => Math.min(max, Math.max(min, n));

function asTargetError(e: unknown): unknown {
  if (!(e instanceof AviError)) return e;
  if (e.kind === 'tenant') return new UsageError(e.message);
  const hint = e.kind === 'unreachable' || e.kind === 'timeout' ? '; check --controller (AVI_CONTROLLER) and that the Controller is up and reachable from here' : '';
  return new TargetUnreachableError(`${e.message}${hint}`);
}
