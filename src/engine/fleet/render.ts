// The fleet report as an SRE reads it: what it covers, one line per instance (ok or FAIL, each
// volume with its key, and the expected key when it is not that), the other problems, a verdict.

import type { FleetReport, InstanceRow } from '../../runbook/module.js';

function volumes(row: InstanceRow): string {
  return row.volumes.map((v) => `${v.device} ${v.volumeId}${v.root ? ' (root)' : ''} ${v.state === 'missing' ? 'gone' : v.encrypted ? `encrypted with ${v.keyArn}` : 'unencrypted'}`).join('; ') || 'no EBS volume';
}

function instanceLine(row: InstanceRow): string {
  const want = row.ok ? '' : ` -- expected ${row.expected.arn ?? 'no key'} (${row.expected.from})`;
  return `  ${row.ok ? 'ok  ' : 'FAIL'}  ${row.kind} ${row.name} [${row.group}] ${row.instanceId} ${row.state}: ${volumes(row)}${want}`;
}

export function renderFleet(report: FleetReport): string[] {
  const bad = report.instances.filter((i) => !i.ok).length;
  const total = report.instances.length;
  const verdict = report.ok
    ? `verified: the root volume${total === 1 ? ' of the instance is' : `s of all ${total} instances are`} encrypted with the expected key`
    : `NOT verified: ${bad} of ${total} instance${total === 1 ? '' : 's'} not on a root encrypted with the expected key${report.problems.length ? `, ${report.problems.length} other problem${report.problems.length === 1 ? '' : 's'}` : ''}`;
  return [
    ...report.subjects.map((s) => `verify: ${s}`),
    ...report.instances.map(instanceLine),
    ...report.problems.map((p) => `  problem: ${p}`),
    ...report.warnings.map((w) => `  warning: ${w}`),
    verdict,
  ];
}
