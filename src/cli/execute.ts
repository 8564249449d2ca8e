// Runs a parsed Command: secrets are asked for here (env first, then a no-echo prompt),
// SIGINT/SIGTERM become an abort that leaves the run resumable. Each command loads only what it
// needs, when it runs: the AWS SDK and the engine are not loaded for --help, status or lab.

import { createInterface } from 'node:readline/promises';
import { EXIT, UserFacingError, type ExitCode } from '../engine/exit-codes.js';
import type { CommandIo } from '../engine/migrate.js';
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
      return (await import('../engine/status.js')).status(command, io.out);
    case 'describe':
      return (await import('../engine/describe.js')).describe(command.strategy, command.format, io.out);
    case 'lab-up': {
      const { labUp } = await import('../lab/control.js');
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
      if (profile.fleet) io.out.write(`or, for the SEs: avi-encrypt migrate --strategy se-scale-out --cloud ${profile.fleet.cloud.name} --yes (or se-relaunch)\n`);
      return EXIT.ok;
    }
    case 'lab-down':
      await (await import('../lab/control.js')).labDown(command).catch(asUsage);
      io.out.write(`lab in ${command.dir} stopped\n`);
      return EXIT.ok;
    case 'lab-status': {
      const s = await (await import('../lab/remote.js')).labStatus(command.dir).catch(asUsage);
      io.out.write(command.json ? `${JSON.stringify(s, null, 2)}\n` : labStatusText(s));
      return EXIT.ok;
    }
    case 'lab-fault': {
      const active = await (await import('../lab/remote.js')).labFault(command.dir, command.fault).catch(asUsage);
      io.out.write(active.length ? active.map((f) => `fault ${f.kind}: ${f.detail}${f.until ? ` (until ${f.until})` : ''}\n`).join('') : 'no fault in force\n');
      return EXIT.ok;
    }
    default:
      return withAbort(async (signal) => {
        const cio = commandIo(io, signal);
        if (command.kind === 'verify') return (await import('../engine/fleet/verify.js')).verify(command, cio);
        if (command.kind === 'cleanup') return (await import('../engine/cleanup/command.js')).cleanup(command, cio);
        if (command.kind === 'doctor') return (await import('../engine/doctor/command.js')).doctor(command, cio);
        if (command.kind === 'preflight') return (await import('../engine/preflight/command.js')).preflight(command.settings, command.json, cio);
        if (command.kind === 'plan' || (command.kind === 'migrate' && command.dryRun)) {
          const out = command.kind === 'plan' && command.out !== undefined ? { out: command.out } : {};
          return (await import('../engine/plan/command.js')).plan(command.settings, { json: command.json, ...out }, cio);
        }
        if (command.kind === 'migrate') {
          const { migrate } = await import('../engine/migrate.js');
          return migrate(command.settings, { yes: command.yes, ...(command.plan ? { plan: command.plan } : {}) }, cio);
        }
        const { resume } = await import('../engine/resume.js');
        if (command.kind === 'approve') return resume({ stateDir: command.stateDir, runId: command.runId, approve: true }, cio);
        return resume(command, cio);
      });
  }
}

function labStatusText(s: import('../lab/remote.js').LabStatus): string {
  const p = s.profile;
  const lines = [
    `lab (pid ${p.pid}, time scale ${p.timeScale}) since ${p.startedAt}`,
    `  Controller ${p.controller}   AWS ${p.awsEndpoint} (${p.region})`,
    `  nodes: ${p.nodes.map((n) => `${n.ip} ${n.instanceId}`).join(', ')}`,
    ...(p.fleet ? [`  fleet: ${p.fleet.groups.map((g) => `${g.name} ${g.serviceEngines} SEs`).join(', ')}`] : []),
    ...(s.faults.length ? s.faults.map((f) => `  fault ${f.kind}: ${f.detail}${f.until ? ` (until ${f.until})` : ''}`) : ['  no fault in force']),
  ];
  return `${lines.join('\n')}\n`;
}

/** The lab's "cannot do that here" is bad input to the CLI: one line, exit 2. */
function asUsage(e: unknown): never {
  if ((e as { name?: unknown })?.name === 'LabUsageError') throw new UserFacingError((e as Error).message, EXIT.usage);
  throw e;
}

export function commandIo(io: ExecuteIo, signal: AbortSignal): CommandIo {
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
    // The same test secretFromEnvOrPrompt makes when the passphrase is asked for.
    secrets: { backupPassphrase: io.env[PASSPHRASE_ENV] ? 'environment' : isInteractive(io.stdin) ? 'prompt' : 'missing' },
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
