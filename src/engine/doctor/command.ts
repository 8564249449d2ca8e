// `avi-encrypt doctor`: every KMS key the Controllers, the SEs, their AMIs and the clouds'
// encryption depend on, and the ones EBS cannot use (Disabled, PendingDeletion, gone) with their
// consequences and remedy. Reads only; exit 9 when it finds a case. The fleet comes from the
// runbooks' reports, the cases from src/steps/doctor: the engine prints.

import type { Settings } from '../../runbook/settings.js';
import { findKeyCases, type DoctorReport } from '../../steps/doctor/cases.js';
import { connectTarget } from '../../steps/target.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { modulesFor, readFleet } from '../fleet/read.js';
import type { CommandIo } from '../migrate.js';

export async function doctor(cmd: { settings: Settings; json: boolean }, io: CommandIo): Promise<ExitCode> {
  const target = await connectTarget(cmd.settings, await io.aviPassword(), { readOnly: true });
  const fleet = await readFleet(modulesFor(cmd.settings), target.reads, cmd.settings);
  const found = await findKeyCases(target.reads, fleet);
  const code = found.ok ? EXIT.ok : EXIT.keyCases;
  io.out.write(cmd.json ? `${JSON.stringify({ ...found, covers: fleet.subjects, exitCode: code }, null, 2)}\n` : render(found, fleet.subjects));
  return code;
}

function render(found: DoctorReport, subjects: string[]): string {
  const lines = subjects.map((s) => `doctor: ${s}`);
  for (const k of found.keys) lines.push(`  key ${k.key}: ${k.state}${k.deletionDate ? ` (KMS deletes it on ${k.deletionDate})` : ''}${k.awsManaged ? ' (AWS managed)' : ''}`);
  for (const c of found.cases) {
    lines.push('', `KMS key ${c.key} is ${c.state === 'gone' ? 'gone (deleted, or not in this account and region)' : c.state}${c.deletionDate ? `: KMS deletes it on ${c.deletionDate}` : ''}`);
    lines.push('  used by:', ...c.uses.map((u) => `    ${u.what}`));
    lines.push('  consequences:', ...c.consequences.map((x) => `    ${x}`));
    lines.push('  remedy:', ...c.remedy.map((x) => `    ${x}`));
  }
  lines.push(found.ok
    ? `doctor: every key in use is Enabled (${found.keys.length} key${found.keys.length === 1 ? '' : 's'})`
    : `doctor: ${found.cases.length} key${found.cases.length === 1 ? '' : 's'} EBS cannot use`);
  return `${lines.join('\n')}\n`;
}
