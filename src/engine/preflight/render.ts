// The checklist as an SRE reads it: one line per check.

import type { PreflightReport } from './run.js';

const MARK = { pass: '✓', fail: '✗', skip: '–' } as const;

export function renderChecklist(report: PreflightReport): string {
  const lines = [`Preflight for ${report.strategy}: ${report.target}, region ${report.region}`];
  for (const c of report.checks) {
    const caveat = c.unproven ? ` (not proven before the run: ${c.unproven})` : '';
    lines.push(`  ${MARK[c.status]} ${c.title}: ${c.detail}${caveat}`);
  }
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const passed = report.checks.filter((c) => c.status === 'pass').length;
  lines.push(failed === 0
    ? `${passed} checks passed.`
    : `${failed} of ${report.checks.length} checks failed: migrate refuses to start until they pass. Nothing was changed.`);
  return lines.join('\n');
}
