// Runs a parsed Command: secrets are asked for here (env first, then a no-echo prompt),
// SIGINT/SIGTERM become an abort that leaves the run resumable.

import { createInterface } from 'node:readline/promises';
import { EXIT, UserFacingError, type ExitCode } from '../engine/exit-codes.js';
import { migrate, plan, type CommandIo } from '../engine/migrate.js';
import { describe } from '../engine/describe.js';
import { resume } from '../engine/resume.js';
import { status } from '../engine/status.js';
import { LabUsageError, labDown, labUp } from '../lab/control.js';
import type { Command } from './command.js';
import { envValue, NODE_PASSWORD_ENV, PASSPHRASE_ENV, PASSWORD_ENV } from './env.js';
import { isInteractive, readSecret, secretFromEnvOrPrompt } from './prompt.js';

export interface ExecuteIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream;
}

export async function execute(command: Command, io: ExecuteIo): Promise<ExitCode> {
  switch (command.kind) {
    case 'status':
      return status(command, io.out);
    case 'describe':
      return describe(command.strategy, command.format, io.out);
    case 'lab-up': {
      const profile = await labUp(command).catch(asUsage);
      const groups = profile.fleet?.groups ?? [];
      const count = (k: 'serviceEngines' | 'virtualServices') => groups.reduce((n, g) => n + g[k], 0);
      const fleet = `${count('serviceEngines')} SEs in ${groups.length} SE groups, ${count('virtualServices')} virtual services`;
      const rules = [
        command.pageSize === undefined ? '' : `, page size ${command.pageSize}`,
        command.consistencyDelayMs ? `, consistency delay ${command.consistencyDelayMs} ms` : '',
        command.iamPolicy === undefined ? '' : `, IAM policy ${command.iamPolicy}`,
      ].join('');
      io.out.write(`lab up (${command.nodes} nodes, ${fleet}, time scale ${command.timeScale}${rules}): Controller ${profile.controller}\n`);
      io.out.write(`use it with:  . ${command.dir}/env && avi-encrypt migrate --strategy controller-swap --yes\n`);
      return EXIT.ok;
    }
    case 'lab-down':
      await labDown(command).catch(asUsage);
      io.out.write(`lab in ${command.dir} stopped\n`);
      return EXIT.ok;
    default:
      return withAbort((signal) => {
        const cio = commandIo(io, signal);
        if (command.kind === 'plan') return plan(command.settings, command.json, cio);
        if (command.kind === 'migrate') {
          return command.dryRun ? plan(command.settings, command.json, cio) : migrate(command.settings, { yes: command.yes }, cio);
        }
        if (command.kind === 'approve') return resume({ stateDir: command.stateDir, runId: command.runId, approve: true }, cio);
        return resume(command, cio);
      });
  }
}

/** The lab's "cannot do that here" is bad input to the CLI: one line, exit 2. */
function asUsage(e: unknown): never {
  if (e instanceof LabUsageError) throw new UserFacingError(e.message, EXIT.usage);
  throw e;
}

function commandIo(io: ExecuteIo, signal: AbortSignal): CommandIo {
  const prompt = { input: io.stdin, output: io.err };
  const aviPassword = () => secretFromEnvOrPrompt(PASSWORD_ENV, 'Avi password: ', io.env, prompt);
  return {
    out: io.out,
    err: io.err,
    tty: (io.out as { isTTY?: boolean }).isTTY === true,
    interactive: isInteractive(io.stdin),
    signal,
    aviPassword,
    // New Controller VMs start with an initial admin password; by default the one the cluster's admin uses.
    async nodePassword() {
      const fromEnv = envValue(io.env, NODE_PASSWORD_ENV);
      if (fromEnv !== undefined) return fromEnv;
      if (!isInteractive(io.stdin)) return aviPassword();
      return (await readSecret(`Initial admin password of the new Controller VMs (${NODE_PASSWORD_ENV}; Enter: the Avi password): `, prompt)) || aviPassword();
    },
    backupPassphrase: () => secretFromEnvOrPrompt(PASSPHRASE_ENV, 'Backup passphrase (to encrypt the configuration export): ', io.env, prompt),
    async confirm(question) {
      const rl = createInterface({ input: io.stdin, output: io.err });
      try {
        return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
      } finally {
        rl.close();
      }
    },
  };
}

async function withAbort(run: (signal: AbortSignal) => Promise<ExitCode>): Promise<ExitCode> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
