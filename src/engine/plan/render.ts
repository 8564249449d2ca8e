// The plan as an SRE reads it before saying yes.

import type { Plan, PlannedCall } from './types.js';

export function renderPlan(plan: Plan): string {
  const lines: string[] = [];
  lines.push(`Plan for ${plan.strategy} (runbook v${plan.runbookVersion}): "${plan.document}"`);
  lines.push(`Controller ${plan.controller}, region ${plan.region}${plan.kmsKeyArn ? `, key ${plan.kmsKeyArn}` : ''}`);
  lines.push('');
  lines.push('Nodes (in migration order):');
  for (const n of plan.nodes) {
    const note = n.alreadyEncrypted ? '  already encrypted with the key: passed over' : '';
    lines.push(
      `  ${n.ip.padEnd(15)} ${n.role.padEnd(8)} ${n.instanceId}  ${n.availabilityZone}  root ${n.rootDevice} ${n.oldVolumeId}  DeleteOnTermination=${n.deleteOnTermination}${note}`,
    );
  }
  lines.push('');
  lines.push('Steps:');
  for (const s of plan.steps) {
    const where = s.node ? ` [${s.node}]` : '';
    const doc = s.doc ? ` (doc step ${s.doc})` : '';
    const down = s.takesDown ? `  << takes ${s.takesDown} DOWN` : s.nodesDown.length ? `  (down: ${s.nodesDown.join(', ')})` : '';
    lines.push(`  ${String(s.n).padStart(2)}. ${s.title}${where}${doc}${down}`);
    for (const c of s.calls) lines.push(`        ${describeCall(c)}`);
    if (s.awaits && !s.calls.length) lines.push(`        waits for ${s.awaits}${s.waitNow ? ` (${s.waitNow})` : ''}`);
  }
  const mutating = plan.steps.reduce((n, s) => n + s.calls.filter((c) => c.service !== 'local').length, 0);
  lines.push('');
  lines.push(`${plan.steps.length} steps, ${mutating} changing calls. Nothing was changed.`);
  return lines.join('\n');
}

function describeCall(c: PlannedCall): string {
  const d = c.detail ?? {};
  switch (c.operation) {
    case 'CreateVolume':
      return `ec2 CreateVolume from ${d['snapshotId']} in ${d['availabilityZone']}, ${d['volumeType']} ${d['size']} GiB, encrypted with ${d['kmsKeyId']}`;
    case 'AttachVolume':
    case 'DetachVolume':
      return `ec2 ${c.operation} ${c.target} ${c.operation === 'AttachVolume' ? 'to' : 'from'} ${d['instanceId']} at ${d['device']}`;
    case 'ModifyInstanceAttribute':
      return `ec2 ModifyInstanceAttribute ${c.target} ${d['device']} DeleteOnTermination=${d['deleteOnTermination']}`;
    case 'CreateTags':
      return `ec2 CreateTags ${c.target} ${Object.entries((d['tags'] as Record<string, string>) ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')}`;
    default:
      return `${c.service} ${c.operation} ${c.target}`;
  }
}
