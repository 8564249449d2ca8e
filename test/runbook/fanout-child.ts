// A process that runs the fixture runbook with concurrency 3, saving its snapshot after every
// transition, so a test can SIGKILL it in the middle of the fan-out and resume it in another.
// Usage: node fanout-child.js <dir> start|resume
// The "world" is dir/world.log: `started <key>` when a provision begins, `created <key>` when it
// creates (only if not created yet: the step is idempotent, like a tagged EC2 create).

import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSnapshotWriter } from '../../src/engine/persist.js';
import { silentProgress } from '../../src/engine/progress-silent.js';
import { runMachine, type StepRun } from '../../src/engine/run.js';
import { buildMachine } from '../../src/runbook/machine.js';
import { definition, each, key, step, type FixtureData } from './fixture.js';

const [dir, mode] = process.argv.slice(2) as [string, 'start' | 'resume'];
const log = join(dir, 'world.log');
const lines = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);

const provision: StepRun<FixtureData> = async (s) => {
  appendFileSync(log, `started ${s.key}\n`);
  await new Promise((r) => setTimeout(r, 300));
  if (!lines().includes(`created ${s.key}`)) appendFileSync(log, `created ${s.key}\n`);
  return { provisioned: true };
};

const def = definition([each('servers', 'servers', [step('provision', 'provision'), step('check', 'check')], { key, concurrency: 3 })]);
const built = buildMachine(def);
const snapshot = join(dir, 'snapshot.json');
const data: FixtureData = { racks: [], servers: Array.from({ length: 6 }, (_, i) => ({ name: `s${i}` })) };
const outcome = await runMachine({
  runId: 'fanout-kill', built, signal: new AbortController().signal, timeoutMs: () => 60_000,
  steps: { provision, check: async () => undefined },
  start: mode === 'start' ? { input: built.initialContext(data) } : { snapshot: JSON.parse(readFileSync(snapshot, 'utf8')) as unknown, events: [{ type: 'RESUME' }] },
  services: { progress: silentProgress, snapshots: createSnapshotWriter(snapshot), gate: async () => ({ approved: true, by: 'test' }) },
});
process.stdout.write(`${outcome.status} ${outcome.context.data.servers.filter((x) => x.provisioned).length}\n`);
