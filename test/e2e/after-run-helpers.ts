// What the after-run suites (verify, cleanup, doctor after each runbook) share: the CLI against the
// suite's lab, a check that a command made no mutating request, and a KMS client on the lab.

import { expect } from '@jest/globals';
import { KMSClient } from '@aws-sdk/client-kms';
import { mutatingCount, runCli, type CliResult, type TestLab } from './lab-harness.js';

export const LONG = 180_000;

/** The CLI on the lab's state dir (the lab and env are read when called: they exist after beforeAll). */
export function afterRunCli(lab: () => TestLab, env: () => NodeJS.ProcessEnv = () => lab().cliEnv) {
  const cli = (args: string[]) => runCli([...args, '--state-dir', lab().stateDir], env(), { timeoutMs: LONG });
  /** Runs the command and checks that the lab saw no mutating request meanwhile. */
  const readOnly = async (args: string[]): Promise<CliResult> => {
    const before = mutatingCount(lab());
    const r = await cli(args);
    expect(mutatingCount(lab())).toBe(before);
    return r;
  };
  return { cli, readOnly };
}

export function kmsFor(lab: TestLab): KMSClient {
  return new KMSClient({
    region: lab.profile.region, endpoint: lab.env['AWS_ENDPOINT_URL_KMS']!, maxAttempts: 1,
    credentials: { accessKeyId: lab.env['AWS_ACCESS_KEY_ID']!, secretAccessKey: lab.env['AWS_SECRET_ACCESS_KEY']! },
  });
}
