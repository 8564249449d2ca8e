// The plan as an SRE reads it before saying yes.

import type { Plan, PlannedCall } from './types.js';

export function renderPlan(plan: Plan): string {
  const lines: string[] = [];
  lines.push(`Plan for ${plan.strategy} (runbook shape ${plan.fingerprint}): "${plan.document}"`);
  lines.push(`${plan.target}, region ${plan.region}`);
  lines.push('');
  lines.push('Targets (in order):');
  for (const t of plan.targets) lines.push(`  ${t.line}`);
  lines.push('');
  lines.push('Steps:');
  for (const s of plan.steps) {
    const where = s.item ? ` [${s.item}]` : '';
    const doc = s.doc ? ` (doc step ${s.doc})` : '';
    const down = s.takesDown ? `  << takes ${s.takesDown} DOWN` : s.down.length ? `  (down: ${s.down.join(', ')})` : '';
    lines.push(`  ${String(s.n).padStart(2)}. ${s.kind === 'gate' ? 'APPROVAL: ' : ''}${s.title}${where}${doc}${down}`);
    for (const c of s.calls) lines.push(`        ${describeCall(c)}`);
    if (s.kind === 'gate') lines.push(`        ${s.impact}`);
    if (s.kind === 'wait') lines.push(`        waits for ${s.awaits}`);
  }
  for (const r of plan.rollback) {
    lines.push('');
    lines.push(`If a step of "${r.block}" fails, that item is rolled back: ${r.steps.join('; ')}.`);
  }
  const changing = plan.steps.reduce((n, s) => n + s.calls.length, 0);
  lines.push('');
  lines.push(`${plan.steps.length} steps, ${changing} changing calls, ${plan.gates.length} approval gate${plan.gates.length === 1 ? '' : 's'}. Nothing was changed.`);
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
    case 'DeleteTags':
      return `ec2 DeleteTags ${c.target} ${((d['keys'] as string[]) ?? []).join(' ')}`;
    default: {
      // Other calls show their plain details (enable_state=SE_STATE_DISABLED, ebs_encryption={...}).
      const shown = Object.entries(d).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
      return `${c.service} ${c.operation} ${c.target}${shown.length ? ` ${shown.join(' ')}` : ''}`;
    }
  }
}
