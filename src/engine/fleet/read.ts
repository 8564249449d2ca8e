// Reads the fleet report of one runbook or of every runbook: each module says what it covers and
// how (the engine knows no Controller or SE); runbooks that share their report code are asked once,
// and an instance two reports cover is listed once.

import type { AnyRunbookModule, FleetReport } from '../../runbook/module.js';
import type { Settings } from '../../runbook/settings.js';
import { mergeReports } from '../../steps/fleet/report.js';
import type { Reads } from '../../steps/gateways.js';
import { REGISTRY, STRATEGIES } from '../../../runbooks/index.js';
import { runbookFor } from '../registry.js';
import { renderFleet } from './render.js';

/** The modules a report is about: the settings' strategy, or every one when it is ''. */
export function modulesFor(settings: Pick<Settings, 'strategy'>): AnyRunbookModule[] {
  if (settings.strategy) return [runbookFor(settings.strategy)];
  return STRATEGIES.map((s) => REGISTRY[s]);
}

export async function readFleet(modules: AnyRunbookModule[], reads: Reads, settings: Settings): Promise<FleetReport> {
  const asked = new Set<AnyRunbookModule['verify']>();
  const reports: FleetReport[] = [];
  for (const m of modules) {
    if (asked.has(m.verify)) continue;
    asked.add(m.verify);
    // Another runbook's own settings do not apply: it reports on everything it covers.
    reports.push(await m.verify(reads, m.strategy === settings.strategy ? settings : { ...settings, runbook: {} }));
  }
  return mergeReports(reports);
}

/** The check every finished run ends with: its runbook's report, scoped by the run's settings. A report that cannot be read is not verified. */
export async function verifyAtEnd(module: AnyRunbookModule, reads: Reads, settings: Settings): Promise<{ ok: boolean; lines: string[] }> {
  try {
    const report = await readFleet([module], reads, settings);
    return { ok: report.ok, lines: renderFleet(report) };
  } catch (e) {
    return { ok: false, lines: [`NOT verified: the end state could not be read (${(e as Error).message.split('\n')[0]}); check it with avi-encrypt verify`] };
  }
}
