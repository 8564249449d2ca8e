// The lab as a background process: `node dist/src/lab/daemon.js --nodes 3 --time-scale 0.01 --dir DIR`.
// It owns DIR/lab.pid while it runs, logs to DIR/lab.log, and on SIGTERM/SIGINT stops the
// servers and removes lab.pid, profile.json and env so a stale lab is never mistaken for a live one.

import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fleetOptions } from './avi/fleet/options.js';
import { startLab } from './server.js';

// Kept in step with control.ts, which cleans the same files after a crash.
const LAB_FILES = ['lab.pid', 'profile.json', 'env'] as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string', default: '3' }, 'time-scale': { type: 'string', default: '0.01' }, dir: { type: 'string' },
      // The SE fleet, as `lab up` passes it (see fleetArgs).
      'se-groups': { type: 'string' }, 'ses-per-group': { type: 'string' }, 'vs-per-se': { type: 'string' },
      'max-se-trap': { type: 'boolean' }, 'legacy-ha': { type: 'boolean' }, 'delete-busy-se': { type: 'string' },
    },
    strict: true,
  });
  if (!values.dir) throw new Error('--dir is required');
  const nodes = Number(values.nodes);
  if (nodes !== 1 && nodes !== 3) throw new Error(`--nodes must be 1 or 3, got ${values.nodes}`);
  const timeScale = Number(values['time-scale']);
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const fleet = fleetOptions({
    seGroups: num(values['se-groups']), sesPerGroup: num(values['ses-per-group']), vsPerSe: num(values['vs-per-se']),
    maxSeTrap: values['max-se-trap'], legacyHa: values['legacy-ha'], deleteBusySe: values['delete-busy-se'],
  });
  const dir = resolve(values.dir);
  mkdirSync(dir, { recursive: true });
  const log = (line: string) => appendFileSync(join(dir, 'lab.log'), `${new Date().toISOString()} ${line}\n`);
  const cleanup = () => LAB_FILES.forEach((f) => rmSync(join(dir, f), { force: true }));

  writeFileSync(join(dir, 'lab.pid'), `${process.pid}\n`);
  let lab: Awaited<ReturnType<typeof startLab>>;
  try {
    lab = await startLab({ nodes, timeScale, dir, fleet });
  } catch (e) {
    cleanup();
    throw e;
  }
  const ses = fleet.groups.reduce((a, b) => a + b, 0);
  log(`lab up: ${nodes} node(s), time scale ${timeScale}, ${ses} SEs in ${fleet.groups.length} SE group(s), controller ${lab.profile.controller}, aws ${lab.profile.awsEndpoint}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    lab.stop().finally(() => {
      cleanup();
      log('lab down');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e: unknown) => {
  console.error(`lab daemon failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
