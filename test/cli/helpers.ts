// Shared helpers for CLI tests: an in-memory file system and a one-line usage-error assertion.

import { expect } from '@jest/globals';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { UserFacingError } from '../../src/engine/exit-codes.js';
import { parseCommand } from '../../src/cli/parse.js';
import type { Command } from '../../src/cli/command.js';

export function memFs(files: Record<string, string>): (p: string) => string {
  return (p) => {
    const text = files[p];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return text;
  };
}

/** controller-swap's own settings when only an AMI is given: restore over SSH, the default known_hosts. */
export const SWAP_DEFAULTS = {
  restoreVia: 'ssh',
  ssh: { knownHosts: resolve(homedir(), '.ssh', 'known_hosts'), acceptNewHostKey: false, user: 'admin' },
} as const;

export const VALID = ['--strategy', 'controller-swap', '--controller', 'https://10.0.0.10', '--region', 'us-east-1', '--encrypted-ami', 'ami-0abc1234'];

export function parse(argv: string[], env: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}): Promise<Command> {
  return parseCommand(argv, env, { readFile: memFs(files) });
}

/** Asserts a UserFacingError with the given exit code, a single line, containing every fragment. */
export async function expectOneLine(p: Promise<unknown>, code: number, ...fragments: Array<string | RegExp>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserFacingError);
  const { message, exitCode } = err as UserFacingError;
  expect(exitCode).toBe(code);
  expect(message).not.toContain('\n');
  for (const f of fragments) expect(message).toMatch(f);
  return message;
}

export async function settingsOf(argv: string[], env: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}) {
  const cmd = await parse(argv, env, files);
  if (cmd.kind !== 'plan' && cmd.kind !== 'migrate') throw new Error(`expected plan/migrate, got ${cmd.kind}`);
  return cmd.settings;
}
