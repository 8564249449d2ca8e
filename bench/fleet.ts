// Bench 7: fleets. A plan against 10, 100 and 1,000 SEs (what `plan` costs a user, start-up
// included), and 20 SE groups x 5 SEs at --concurrency 5 against four times one such group.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_FLEET } from '../src/lab/avi/fleet/options.js';
import { startLab } from '../src/lab/server.js';
import { measureProcess } from './proc.js';
import { CLI, cliEnv, rehearse } from './rehearse.js';
import type { Measurement } from './report.js';
import { groupPhaseMs, seRows } from './runbooks.js';

const SES_PER_GROUP = 5;

/** `avi-encrypt plan --strategy se-scale-out` against a lab seeded with `ses` SEs, 5 per group, one VS each. */
async function planFleet(ses: number): Promise<Measurement[]> {
  const tmp = await mkdtemp(join(tmpdir(), 'avi-encrypt-bench-fleet-'));
  const fleet = { ...DEFAULT_FLEET, groups: Array<number>(ses / SES_PER_GROUP).fill(SES_PER_GROUP) };
  const lab = await startLab({ nodes: 1, timeScale: 0.01, dir: join(tmp, 'lab'), fleet });
  try {
    const args = ['plan', '--strategy', 'se-scale-out', '--cloud', 'Default-Cloud', '--state-dir', join(tmp, 'state')];
    const run = await measureProcess(process.execPath, [CLI, ...args], cliEnv(lab), 120_000);
    if (run.code !== 0) throw new Error(`plan for ${ses} SEs exited ${run.code}: ${run.output.trim().split('\n').slice(-2).join(' | ')}`);
    const calls = lab.requests.list().length;
    const big = ses === 1000;
    return [
      { name: `plan.${ses}-ses.wall`, value: run.wallMs, unit: 'ms', ...(big ? { max: 1000 } : {}), note: `whole CLI process; ${calls} API calls` },
      { name: `plan.${ses}-ses.peak-rss`, value: run.peakKiB / 1024, unit: 'MiB', ...(big ? { max: 150 } : {}) },
    ];
  } finally {
    await lab.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

export async function benchFleetPlan(): Promise<Measurement[]> {
  const rows: Measurement[] = [];
  for (const ses of [10, 100, 1000]) rows.push(...(await planFleet(ses)));
  return rows;
}

/** se-scale-out over 20 groups x 5 SEs, 5 groups at once, against 4 x the group phase of a 1-group run. */
export async function benchFleetConcurrency(): Promise<Measurement[]> {
  const timeScale = 0.01;
  const common = { strategy: 'se-scale-out', nodes: 1 as const, timeScale, timeoutMs: 300_000 };
  const one = await rehearse({ ...common, fleet: { ...DEFAULT_FLEET, groups: [SES_PER_GROUP] }, args: ['--cloud', 'Default-Cloud'] });
  const many = await rehearse({
    ...common, fleet: { ...DEFAULT_FLEET, groups: Array<number>(20).fill(SES_PER_GROUP) }, args: ['--cloud', 'Default-Cloud', '--concurrency', '5'],
  });
  const s = (ms: number) => ms / timeScale / 1000;
  const makespan = seRows(many, 5).find((m) => m.name.endsWith('.makespan'))!;
  return [
    { name: 'fleet.20x5.concurrency-5.groups-phase', value: s(groupPhaseMs(many)), bound: 4 * s(groupPhaseMs(one)), maxRatio: 1.2, unit: 's', note: 'bound: 4 x one 5-SE group alone' },
    { ...makespan, name: 'fleet.20x5.concurrency-5.makespan', maxRatio: undefined, note: `${makespan.note ?? ''}; critical path of the Controller's work (INFO)` },
    { name: 'fleet.20x5.peak-rss', value: many.peakKiB / 1024, unit: 'MiB', max: 256 },
  ];
}
