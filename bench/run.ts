// `npm run bench`: speed and memory targets, checked here and never by timed tests. Prints one row
// per measurement (value, lower bound and ratio, target, PASS/MISS/INFO), saves them as JSON in
// bench/results/latest.json, and exits 1 if any target is missed. Targets and why: bench/README.md.
//
//   node dist/bench/run.js [engine|redact|plan|startup|runbooks|fleet-plan|fleet ...]   (default: all)

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchEngine } from './engine.js';
import { benchFleetConcurrency, benchFleetPlan } from './fleet.js';
import { benchPlan } from './lab.js';
import { benchRedact } from './redact.js';
import { benchRunbooks } from './rehearsals.js';
import { benchStartup } from './startup.js';
import { guarded, HEADER, line, markdown, passed, type Measurement } from './report.js';

const BENCHES: Record<string, { names: string[]; run: () => Promise<Measurement[]> }> = {
  engine: { names: ['engine.*', 'snapshot.*'], run: benchEngine },
  redact: { names: ['redact.*'], run: benchRedact },
  plan: { names: ['plan.*'], run: benchPlan },
  startup: { names: ['startup.*'], run: benchStartup },
  runbooks: { names: ['runbooks.*'], run: benchRunbooks },
  'fleet-plan': { names: ['plan.*-ses.*'], run: benchFleetPlan },
  fleet: { names: ['fleet.*'], run: benchFleetConcurrency },
};

/** Where the JSON goes: bench/results/ of the checkout (this file runs from dist/bench/). */
const RESULTS = fileURLToPath(new URL('../../bench/results/', import.meta.url));

export function machine(): Record<string, unknown> {
  return { nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, memGiB: Math.round(totalmem() / 2 ** 30), loadavg: loadavg().map((l) => Number(l.toFixed(2))) };
}

async function main(): Promise<number> {
  const picked = process.argv.slice(2);
  const unknown = picked.filter((p) => !(p in BENCHES));
  if (unknown.length) {
    process.stderr.write(`unknown bench ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}\n`);
    return 2;
  }
  const started = new Date();
  const host = machine();
  process.stdout.write(`avi-encrypt bench  ${started.toISOString()}  ${host.nproc} x ${host.cpu}, node ${host.node}, load ${(host.loadavg as number[]).join(' ')}\n${HEADER}\n`);
  const rows: Measurement[] = [];
  // One at a time, in this order: a rehearsal's CLI must not share the CPU with another bench.
  for (const name of picked.length ? picked : Object.keys(BENCHES)) {
    const bench = BENCHES[name]!;
    for (const m of await guarded(bench.names, bench.run)) {
      process.stdout.write(`${line(m)}\n`);
      rows.push(m);
    }
  }
  const missed = rows.filter((m) => passed(m) === false).length;
  const seconds = Math.round((Date.now() - started.getTime()) / 1000);
  process.stdout.write(`${missed ? `${missed} target(s) missed` : 'all targets met'} in ${seconds} s\n`);
  mkdirSync(RESULTS, { recursive: true });
  const json = { startedAt: started.toISOString(), seconds, machine: host, benches: picked.length ? picked : Object.keys(BENCHES), rows, markdown: markdown(rows) };
  writeFileSync(`${RESULTS}latest.json`, `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(`saved ${RESULTS}latest.json\n`);
  return missed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench crashed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
