#!/usr/bin/env node
// Bin entry: parse argv into a Command, execute it, map every failure to one line and an exit code.

import { hideBin } from 'yargs/helpers';
import { execute } from './execute.js';
import { EXIT, UserFacingError } from '../engine/exit-codes.js';
import { HelpOutput, parseCommand } from './parse.js';

// Node 20 is this project's runtime by decision and the SDK version is pinned for it; the SDK's
// notice about future releases needing Node 22 would otherwise open every command's output.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

async function main(): Promise<number> {
  const io = { out: process.stdout, err: process.stderr, env: process.env, stdin: process.stdin };
  try {
    const command = await parseCommand(hideBin(process.argv), process.env);
    return await execute(command, io);
  } catch (err) {
    if (err instanceof HelpOutput) {
      io.out.write(err.text.endsWith('\n') ? err.text : `${err.text}\n`);
      return EXIT.ok;
    }
    if (err instanceof UserFacingError) {
      io.err.write(`avi-encrypt: ${err.message}\n`);
      return err.exitCode;
    }
    // The steps' own one-line refusals before a run: bad input, or a target that is not reachable.
    // Told apart by name: importing their modules here would load the AWS SDK for every --help.
    const name = (err as { name?: unknown })?.name;
    if (name === 'UsageError' || name === 'TargetUnreachableError') {
      io.err.write(`avi-encrypt: ${(err as Error).message}\n`);
      return name === 'UsageError' ? EXIT.usage : EXIT.preflight;
    }
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    const debug = process.env['AVI_ENCRYPT_DEBUG'] === '1';
    io.err.write(`avi-encrypt: internal error: ${message}${debug ? '' : ' (set AVI_ENCRYPT_DEBUG=1 for the stack)'}\n`);
    if (debug && err instanceof Error && err.stack) io.err.write(`${err.stack}\n`);
    return EXIT.internal;
  }
}

// exitCode instead of process.exit(): stdout/stderr get to flush (piped output would be cut otherwise).
process.exitCode = await main();
// Interrupted: the run is saved; a step still in flight must not go on making calls after we said so.
if (process.exitCode === EXIT.interrupted) process.stdout.write('', () => process.exit(EXIT.interrupted));
