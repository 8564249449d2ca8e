// Bench 8: cold start of `avi-encrypt --help` and `avi-encrypt plan --help`, the commands that
// must not load the AWS SDK or the lab. Five runs each: the median wall, the largest peak RSS.

import { measureProcess } from './proc.js';
import { CLI } from './rehearse.js';
import { median, type Measurement } from './report.js';

async function cold(args: string[]): Promise<{ wallMs: number; peakMiB: number }> {
  const walls: number[] = [];
  let peak = 0;
  for (let i = 0; i < 5; i++) {
    const run = await measureProcess(process.execPath, [CLI, ...args], process.env, 30_000);
    if (run.code !== 0) throw new Error(`avi-encrypt ${args.join(' ')} exited ${run.code}`);
    walls.push(run.wallMs);
    peak = Math.max(peak, run.peakKiB / 1024);
  }
  return { wallMs: median(walls), peakMiB: peak };
}

export async function benchStartup(): Promise<Measurement[]> {
  const rows: Measurement[] = [];
  for (const args of [['--help'], ['plan', '--help']]) {
    const r = await cold(args);
    const name = args.length === 1 ? 'startup.help' : 'startup.plan-help';
    rows.push({ name: `${name}.wall`, value: r.wallMs, unit: 'ms', max: 300, note: 'median of 5 cold starts' });
    rows.push({ name: `${name}.peak-rss`, value: r.peakMiB, unit: 'MiB', max: 80 });
  }
  return rows;
}
