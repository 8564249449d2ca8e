// Bench 6: each runbook rehearsed in the lab, measured against lower bounds computed from the
// lab's own durations and timeline. Every ratio is taken in lab time (real ms / time scale).

import { DURATIONS } from '../src/lab/avi/node.js';
import { FLEET_DURATIONS } from '../src/lab/avi/fleet/model.js';
import { DURATION_MS } from '../src/lab/world/durations.js';
import {
  launchesPerGroup, newVmsMakespanBound, nodeDowntimeBound, nodeDowntimeMs, relaunchGroupBound, scaleOutGroupBound, seMakespanBound, swapMakespanBound,
  vsOutageBound, vsOutagesMs,
} from './calc/bounds.js';
import { callCounts } from './calc/calls.js';
import { detectionLags, lagAllowanceMs } from './calc/lag.js';
import { makespanMs, stepWindows } from './calc/windows.js';
import type { Rehearsal } from './rehearse.js';
import { fmt, median, quantile, type Measurement } from './report.js';

/** Lab seconds from real ms. */
const labS = (realMs: number, scale: number) => realMs / scale / 1000;
const S = (realMs: number) => realMs / 1000;

/** Detection lag, API calls and CPU: the rows every runbook has. */
export function commonRows(name: string, reh: Rehearsal, targets: number, noun: string): Measurement[] {
  const scale = reh.spec.timeScale;
  const inv = stepWindows(reh.journal);
  const lags = detectionLags(inv, reh.timeline, reh.requests);
  const ratio = (l: { lagMs: number; waitMs: number }) => labS(l.lagMs, scale) / S(lagAllowanceMs(labS(l.waitMs, scale) * 1000));
  const worst = [...lags].sort((a, b) => ratio(b) - ratio(a))[0];
  const calls = callCounts(inv, reh.requests, reh.pollMaxMs);
  const lagRow = (q: number, label: string): Measurement => ({
    name: `${name}.detection-lag.${label}`, value: quantile(lags.map((l) => labS(l.lagMs, scale)), q), unit: 's',
    pass: quantile(lags.map(ratio), q) <= 1, target: '<= max(1 s, 5% of wait)',
    note: `${lags.length} waits${worst && label === 'p95' ? `; worst ${worst.step}${worst.item ? `@${worst.item}` : ''} ${fmt(labS(worst.lagMs, scale))} s of a ${fmt(labS(worst.waitMs, scale))} s wait` : ''}`,
  });
  return [
    lagRow(0.5, 'median'),
    lagRow(0.95, 'p95'),
    { name: `${name}.api-calls`, value: calls.actual / targets, bound: calls.minimal / targets, maxRatio: 1.2, unit: `calls/${noun}`, note: `${calls.actual} calls, ${calls.minimal} minimal` },
    { name: `${name}.cpu-per-step`, value: reh.cpuMs / inv.length, unit: 'ms', note: `CLI user+sys over ${inv.length} steps (start-up, SDK and HTTP included)` },
  ];
}

/** controller-swap: makespan, each node's downtime (the worst against its bound), the common rows. */
export function swapRows(reh: Rehearsal): Measurement[] {
  const size = reh.nodes.length === 1 ? 1 : 3;
  const name = `controller-swap.${size}-node`;
  const scale = reh.spec.timeScale;
  const inv = stepWindows(reh.journal);
  const nodeBound = nodeDowntimeBound(DURATION_MS, DURATIONS, size);
  const downtimes = reh.nodes.map((n) => {
    const ready = inv.filter((i) => i.step === 'cluster-ready' && i.item === n.ip).at(-1);
    const ms = ready ? nodeDowntimeMs(reh.timeline, n.instanceId, ready.end) : undefined;
    if (ms === undefined) throw new Error(`no downtime found for node ${n.ip}`);
    return { ip: n.ip, s: labS(ms, scale) };
  });
  const worst = downtimes.reduce((a, b) => (b.s > a.s ? b : a));
  return [
    { name: `${name}.makespan`, value: labS(makespanMs(reh.journal), scale), bound: S(swapMakespanBound(DURATION_MS, DURATIONS, size, size)), maxRatio: 1.1, unit: 's' },
    { name: `${name}.downtime.worst-node`, value: worst.s, bound: S(nodeBound), maxRatio: 1.05, unit: 's', note: `node ${worst.ip}; stop -> cluster READY` },
    ...commonRows(name, reh, size, 'node'),
  ];
}

/** controller-new-vms: makespan against the launches, the re-formations and the leader's failover; no downtime by design. */
export function newVmsRows(reh: Rehearsal): Measurement[] {
  const name = 'controller-new-vms.3-node';
  const bound = newVmsMakespanBound(DURATION_MS, DURATIONS, reh.nodes.length);
  return [
    { name: `${name}.makespan`, value: labS(makespanMs(reh.journal), reh.spec.timeScale), bound: S(bound), maxRatio: 1.1, unit: 's' },
    ...commonRows(name, reh, reh.nodes.length, 'node'),
  ];
}

/** SE runbooks: makespan against the Controller's own work, the outages, the common rows. */
export function seRows(reh: Rehearsal, concurrency = 1): Measurement[] {
  const relaunch = reh.spec.strategy === 'se-relaunch';
  const name = reh.spec.strategy;
  const scale = reh.spec.timeScale;
  const launched = launchesPerGroup(reh.timeline, reh.groupOfSe);
  const groupBounds = reh.groups.map((g) => relaunch
    ? relaunchGroupBound(DURATION_MS, FLEET_DURATIONS)
    : scaleOutGroupBound(DURATION_MS, FLEET_DURATIONS, g.ses, launched.get(g.name) ?? 0));
  const outages = [...vsOutagesMs(reh.timeline).entries()].flatMap(([vs, list]) => list.map((ms) => ({ vs, s: labS(ms, scale) })));
  const ses = reh.groups.reduce((a, g) => a + g.ses, 0);
  const rows: Measurement[] = [
    { name: `${name}.makespan`, value: labS(makespanMs(reh.journal), scale), bound: S(seMakespanBound(FLEET_DURATIONS, groupBounds, concurrency)), maxRatio: 1.1, unit: 's', note: `${reh.groups.length} groups, ${ses} SEs, ${[...launched.values()].reduce((a, b) => a + b, 0)} SEs launched` },
  ];
  if (relaunch) {
    // No outage at all is the best a relaunch can do (and says so); else the longest one.
    const worst = outages.reduce((a, b) => (b.s > a.s ? b : a), { vs: 'none', s: 0 });
    rows.push({ name: `${name}.downtime.worst-vs`, value: worst.s, bound: S(vsOutageBound(DURATION_MS, FLEET_DURATIONS)), maxRatio: 1.05, unit: 's', note: `${worst.vs}; ${outages.length} outages, median ${fmt(median(outages.map((o) => o.s)))} s` });
  } else {
    rows.push({ name: `${name}.downtime.vs-outages`, value: outages.length, max: 0, unit: 'outages', note: 'zero downtime: no virtual service ever down' });
  }
  return [...rows, ...commonRows(name, reh, ses, 'SE')];
}

/** The group phase of an SE run: first to last step of any SE group (the cloud prerequisite excluded), real ms. */
export function groupPhaseMs(reh: Rehearsal): number {
  const inGroups = stepWindows(reh.journal).filter((i) => i.item !== undefined);
  if (inGroups.length === 0) throw new Error('no SE group step in the journal');
  return Math.max(...inGroups.map((i) => i.end)) - Math.min(...inGroups.map((i) => i.start));
}
