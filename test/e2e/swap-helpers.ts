// Shared by the controller-swap e2e suites for the AMI copy and the SSH restore: the CLI's env
// without an encrypted AMI, one-line refusals, what the lab saw, and the secrets a run handles.

import { expect } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import type { LabRequest } from '../../src/lab/world/types.js';
import { TEST_PASSPHRASE, type CliResult, type TestLab } from './lab-harness.js';

/** The lab's env with overrides; undefined removes a variable. Default: no encrypted AMI (the run copies one). */
export function envWith(lab: TestLab, overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...lab.cliEnv };
  for (const [k, v] of Object.entries({ AVI_ENCRYPT_ENCRYPTED_AMI: undefined, ...overrides })) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

const shown = (r: CliResult) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

export function expectExit(r: CliResult, code: number): void {
  if (r.code !== code) throw new Error(`expected exit ${code}, got ${shown(r)}`);
}

/** Usage error: exit 2, one `avi-encrypt: ...` line on stderr, nothing on stdout. */
export function usageLine(r: CliResult): string {
  expectExit(r, 2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^avi-encrypt: \S/);
  return lines[0]!.slice('avi-encrypt: '.length);
}

/** Preflight refusal: exit 3, the last stdout line is `refused before any change: ...`, nothing on stderr. */
/** Refused by preflight before any run started: exit 3, nothing on stdout, one line on stderr. */
export function refusalLine(r: CliResult): string {
  expectExit(r, 3);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^avi-encrypt: \S/);
  return lines[0]!.slice('avi-encrypt: '.length);
}

export const requestsSince = (lab: TestLab, seq: number): LabRequest[] => lab.requests.list().filter((r) => r.seq > seq);
export const lastSeq = (lab: TestLab): number => lab.requests.list().at(-1)?.seq ?? 0;
export const mutationsSince = (lab: TestLab, seq: number): string[] => requestsSince(lab, seq).filter((r) => r.mutating).map((r) => r.operation);
export const count = (lab: TestLab, operation: string): number => lab.requests.list().filter((r) => r.operation === operation && r.status < 400).length;

export function kmsFor(lab: TestLab): KMSClient {
  return new KMSClient({
    region: lab.profile.region, endpoint: lab.env['AWS_ENDPOINT_URL_KMS']!, maxAttempts: 1,
    credentials: { accessKeyId: lab.env['AWS_ACCESS_KEY_ID']!, secretAccessKey: lab.env['AWS_SECRET_ACCESS_KEY']! },
  });
}

/** The secrets a run handles: Avi password, node password, backup passphrase, and the SSH private key's body. */
export function secretsOf(lab: TestLab): Record<string, string> {
  const key = readFileSync(lab.env['AVI_ENCRYPT_SSH_KEY']!, 'utf8');
  const body = key.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
  return {
    AVI_PASSWORD: lab.env['AVI_PASSWORD']!, AVI_NODE_PASSWORD: lab.env['AVI_NODE_PASSWORD']!, passphrase: TEST_PASSPHRASE,
    'ssh key': body.slice(0, 40), 'ssh key line': key.split('\n')[1]!,
  };
}

/** Every file under dir, recursively, as text. */
export function allText(dir: string): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

/** No secret in the CLI's output or anywhere in the state dir (logs, journal, snapshot, run.json). */
export function expectNoSecrets(lab: TestLab, outputs: CliResult[], stateDir: string): void {
  const texts = { output: outputs.map((r) => `${r.stdout}\n${r.stderr}`).join('\n'), files: allText(stateDir) };
  expect(texts.files.length).toBeGreaterThan(0); // the run folder was there to read
  for (const [name, secret] of Object.entries(secretsOf(lab))) {
    for (const [where, text] of Object.entries(texts)) expect({ name, where, found: text.includes(secret) }).toEqual({ name, where, found: false });
  }
}
