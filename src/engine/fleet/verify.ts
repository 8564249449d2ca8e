// `avi-encrypt verify`: every Controller and SE instance with its volumes against the key each
// should use, read live and read only. Exit 0 when all are right, 8 when not (CI gates on it).
// `--run ID` takes that run's strategy and settings (its key, its cloud and SE groups).

import type { Settings } from '../../runbook/settings.js';
import { connectTarget } from '../../steps/target.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CommandIo } from '../migrate.js';
import { loadRun } from '../run-load.js';
import { modulesFor, readFleet } from './read.js';
import { renderFleet } from './render.js';

export type VerifyCommand = { json: boolean } & ({ settings: Settings } | { stateDir: string; runId: string });

export async function verify(cmd: VerifyCommand, io: CommandIo): Promise<ExitCode> {
  const settings = 'settings' in cmd ? cmd.settings : (await loadRun(cmd.stateDir, cmd.runId)).meta.settings;
  const modules = modulesFor(settings);
  const target = await connectTarget(settings, await io.aviPassword(), { readOnly: true });
  const report = await readFleet(modules, target.reads, settings);
  const code = report.ok ? EXIT.ok : EXIT.unverified;
  io.out.write(cmd.json ? `${JSON.stringify({ ...report, exitCode: code }, null, 2)}\n` : `${renderFleet(report).join('\n')}\n`);
  return code;
}
