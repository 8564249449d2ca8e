// A simulated /opt/avi/scripts/restore_config.py, run over SSH on the Controller. Flags and output
// follow the docs and a 22.1.3 user report (reference §4):
// - `restore_config.py --config FILE --passphrase P [--flushdb]` (17.1 docs; --flushdb deletes all
//   configuration first); 17.1 also passed `--username/--password`, accepted and ignored here.
// - 22.1.3: "Restore config must be run on a clean controller. Please run with the --flushdb option
//   or do a reboot clean ...", then a yes/no confirmation, then
//   "======== Configuration Restored for 1-node cluster ========".
// - The cluster flags (--do_not_form_cluster, --vip, --followers) are not supported from 22.1.3.
// UNVERIFIED: argparse-style usage errors, the wording of the missing-file and passphrase errors,
// the passphrase prompt when --passphrase is left out, and that the script returns only once the
// Controller serves again.

import type { ClusterSim } from './cluster.js';
import { importConfiguration } from './config.js';
import { HttpError } from './http.js';
import type { NodeFiles } from './sftp-files.js';

export const RESTORE_SCRIPT = '/opt/avi/scripts/restore_config.py';

/** What the script talks through: an SSH exec channel. */
export interface ScriptIo {
  out(text: string): void;
  err(text: string): void;
  /** The next line the caller types (stdin), or undefined at end of input. */
  line(): Promise<string | undefined>;
  /** Set once the script ends: whether it changed the Controller's configuration. */
  changed?: boolean;
}

const USAGE = `usage: restore_config.py [-h] --config CONFIG [--passphrase PASSPHRASE] [--flushdb] [--username USERNAME] [--password PASSWORD]\n`;
const VALUED = new Set(['--config', '--passphrase', '--username', '--password']);

/** Runs the script with `args` (after the script's path); resolves to its exit status. */
export async function restoreConfig(args: string[], io: ScriptIo, sim: ClusterSim, files: NodeFiles): Promise<number> {
  const before = sim.config;
  const code = await run(args, io, sim, files);
  io.changed = sim.config !== before;
  return code;
}

async function run(args: string[], io: ScriptIo, sim: ClusterSim, files: NodeFiles): Promise<number> {
  const opts = new Map<string, string>();
  let flushdb = false;
  const unknown: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-h' || a === '--help') return io.out(USAGE), 0;
    if (a === '--flushdb') flushdb = true;
    else if (VALUED.has(a)) {
      if (i + 1 >= args.length) return io.err(`${USAGE}restore_config.py: error: argument ${a}: expected one argument\n`), 2;
      opts.set(a, args[++i]!);
    } else unknown.push(a);
  }
  if (unknown.length > 0) return io.err(`${USAGE}restore_config.py: error: unrecognized arguments: ${unknown.join(' ')}\n`), 2;
  const path = opts.get('--config');
  if (path === undefined) return io.err(`${USAGE}restore_config.py: error: the following arguments are required: --config\n`), 2;
  const text = files.read(path);
  if (text === undefined) return io.err(`ERROR: configuration file ${path} not found\n`), 1;
  if (!sim.single) return io.err('Restore config must be run on a 1-node Controller: it restores a 1-node cluster; add followers afterwards.\n'), 1;
  if (sim.config.hasConfig && !flushdb) {
    io.out('Restore config must be run on a clean controller.\nPlease run with the --flushdb option or do a reboot clean to clear all config before restoring.\n');
    return 1;
  }
  io.out('Restoring config will duplicate the environment of the config. If the environment is active elsewhere there will be conflicts.\n                Please confirm if you still want to continue (yes/no)');
  const answer = (await io.line())?.trim().toLowerCase();
  if (answer !== 'yes') return io.out('\nRestore aborted.\n'), 1;
  let passphrase = opts.get('--passphrase');
  if (passphrase === undefined) {
    io.out('\nPassphrase: ');
    passphrase = (await io.line()) ?? '';
  }
  let restored;
  try {
    restored = importConfiguration(text.toString('utf8'), passphrase);
  } catch (e) {
    if (!(e instanceof HttpError)) throw e;
    return io.err(`\nERROR: ${e.message}\n`), 1;
  }
  sim.restored(restored); // services restart with the restored configuration (the API answers 503)
  for (let mode = sim.apiMode(); mode !== 'up'; mode = sim.apiMode()) {
    if (mode === 'unreachable') return 255; // the node went down under the script
    await new Promise((r) => setTimeout(r, 20));
  }
  io.out('\n\n\n======== Configuration Restored for 1-node cluster ========\n\n');
  return 0;
}
