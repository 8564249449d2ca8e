// `npm run bench`: speed and memory targets, checked here and never by timed tests.
// Prints one line per measurement (name, value, target, PASS/FAIL/INFO) and exits 1 if any
// target is missed. Targets and the numbers they were set from: bench/README.md.
//
//   node dist/bench/run.js [engine|redact|plan|migrate ...]   (default: all)

import { benchEngine } from './engine.js';
import { benchMigrate, benchPlan } from './lab.js';
import { benchRedact } from './redact.js';
import { guarded, line, passed, type Measurement } from './report.js';

const BENCHES: Record<string, { names: string[]; run: () => Promise<Measurement[]> }> = {
  engine: { names: ['engine.*', 'snapshot.*'], run: benchEngine },
  redact: { names: ['redact.*'], run: benchRedact },
  plan: { names: ['plan.*'], run: benchPlan },
  migrate: { names: ['migrate.*'], run: benchMigrate },
};

async function main(): Promise<number> {
  const picked = process.argv.slice(2);
  const unknown = picked.filter((p) => !(p in BENCHES));
  if (unknown.length) {
    process.stderr.write(`unknown bench ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}\n`);
    return 2;
  }
  process.stdout.write(`avi-encrypt bench  node ${process.version}  ${new Date().toISOString()}\n`);
  let failed = 0;
  // One at a time, in this order: the subprocess migration must not share the CPU with the others.
  for (const name of picked.length ? picked : Object.keys(BENCHES)) {
    const bench = BENCHES[name]!;
    for (const m of await guarded(bench.names, bench.run)) {
      process.stdout.write(`${line(m)}\n`);
      if (passed(m) === false) failed++;
    }
  }
  process.stdout.write(failed ? `${failed} target(s) missed\n` : 'all targets met\n');
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench crashed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
