// How the SE runbooks show their work: the plan's rows (the cloud, each group with the virtual
// services that move and the capacity it needs, each SE), the gates' impact, the end-of-run
// summary (relaunch: each virtual service's measured outage). The verify report is read live: fleet.ts.

import type { PlanTarget } from '../../runbook/module.js';
import { nothingToDo, type SeData, type SeGroupItem } from './context.js';

const list = (names: string[]) => names.join(', ') || 'none';
const moving = (g: SeGroupItem) => [...new Set(g.ses.flatMap((s) => s.vss.map((v) => v.name)))].sort();

function cloudLine(data: SeData): string {
  const c = data.cloud;
  if (!c) return `cloud ${data.cloudName}`;
  const done = c.ebs === 'same' && c.s3 === 'same' && !c.set;
  return `cloud ${c.name} (${c.region}): ${c.before}; ${done ? 'already SSE-KMS with the key: left as it is' : `set to SSE-KMS with ${data.keyArn}`}`;
}

function groupLine(g: SeGroupItem, scaleOut: boolean): string {
  if (nothingToDo(g)) {
    return g.encrypted.length ? `${g.name}: every SE (${list(g.encrypted)}) already runs on a root encrypted with the key: nothing to do` : `${g.name}: has no SE: nothing to do`;
  }
  const c = g.capacity;
  const room = c
    ? `; needs ${c.newSes} new SE${c.newSes === 1 ? '' : 's'} (${c.vcpus} vCPU): ${c.peak} of max_se ${c.maxSe} at the peak (${c.seCount} SEs now${scaleOut ? ', the disabled old ones count until deleted' : ', the old ones deleted first'})`
    : '';
  const verb = scaleOut ? 'move with no downtime' : 'go down until new SEs serve them';
  return `${g.name}${g.haMode === 'HA_MODE_SHARED' ? '' : ` (${g.haMode})`}: ${g.ses.length} unencrypted SE${g.ses.length === 1 ? '' : 's'}; virtual services ${list(moving(g))} ${verb}${room}`;
}

export function seTargets(scaleOut: boolean) {
  return (data: SeData): PlanTarget[] => [
    { key: data.cloudName, line: cloudLine(data), ...(data.cloud ? { detail: data.cloud } : {}) },
    ...(data.keyNote ? [{ key: 'key', line: data.keyNote }] : []),
    ...data.groups.flatMap((g) => [
      { key: g.name, line: groupLine(g, scaleOut), skipped: nothingToDo(g), detail: { ...g, ses: g.ses.map((s) => s.name) } },
      ...g.ses.map((s) => ({ key: `${g.name}/${s.name}`, line: `  ${s.name.padEnd(16)} ${s.mgmtIp.padEnd(15)} ${s.instanceId}  ${s.stateBefore}  carries ${list(s.vss.map((v) => v.name))}`, detail: s })),
    ]),
    ...(data.capacityNotes ?? []).map((n, i) => ({ key: `note-${i + 1}`, line: n })),
  ];
}

const todo = (data: SeData) => data.groups.filter((g) => !nothingToDo(g));

export function scaleOutImpact(data: SeData): string {
  const { concurrency } = data;
  const groups = todo(data);
  if (groups.length === 0) return `nothing goes down and no SE changes: every chosen SE group is already encrypted (${cloudLine(data)})`;
  return `no virtual service should go down: in ${groups.map((g) => `${g.name} (${g.ses.length} SEs)`).join(', ')}, `
    + `one SE at a time per group (${Math.min(concurrency, groups.length)} group${concurrency > 1 && groups.length > 1 ? 's' : ''} at once) is disabled and its virtual services move to new SEs launched from the encrypted image; the old SEs are then deleted`;
}

/** Documented bounds of a relaunch: an SE boots in "several minutes"; se_create_timeout is 900 s (reference §5.3). */
export function relaunchImpact(data: SeData): string {
  const groups = todo(data);
  if (groups.length === 0) return `nothing goes down: every chosen SE group is already encrypted (${cloudLine(data)})`;
  const vss = groups.flatMap((g) => moving(g).map((v) => `${v} (${g.name})`));
  return `each of these virtual services goes down when its SEs are deleted, for about 5 minutes while a new SE is launched from the encrypted image and boots (at most 15, the Controller's se_create_timeout): ${vss.join(', ')}`;
}

export function scaleOutSummary(data: SeData): string[] {
  return [
    `done: the SEs of cloud ${data.cloudName} run on roots encrypted with ${data.keyArn}`,
    `  ${cloudLine(data)}`,
    ...data.groups.map((g) => (nothingToDo(g) ? `  ${groupLine(g, true)}` : `  ${g.name}: ${list(g.ses.map((s) => s.name))} drained and deleted; ${list(moving(g))} moved with no downtime`)),
  ];
}

export function relaunchSummary(data: SeData): string[] {
  const lines = [`done: the SEs of cloud ${data.cloudName} run on roots encrypted with ${data.keyArn}`, `  ${cloudLine(data)}`];
  for (const g of data.groups) {
    if (nothingToDo(g)) {
      lines.push(`  ${groupLine(g, false)}`);
      continue;
    }
    lines.push(`  ${g.name}: ${list(g.ses.map((s) => s.name))} deleted; measured outage per virtual service:`);
    for (const v of g.vss) {
      const how = v.outageFromDelete ? ' (the down moment was not seen: measured from the delete)' : '';
      lines.push(`    ${v.name.padEnd(12)} outage ${v.outageMs ?? 0} ms (down ${v.downAt ?? '-'}, up ${v.upAt ?? '-'})${how}`);
    }
  }
  return lines;
}
