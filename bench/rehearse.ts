// One rehearsal for the bench: a fresh lab in this process (its servers share this event loop, the
// CLI runs as its own process), `avi-encrypt migrate --yes` against it, and everything the
// measures are computed from: the run's journal, the lab's timeline and request log, CPU and RSS.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JournalEntry } from '../src/engine/journal.js';
import type { FleetOptions } from '../src/lab/avi/fleet/options.js';
import { startLab, type RunningLab } from '../src/lab/server.js';
import type { LabRequest, TimelineEntry } from '../src/lab/world/types.js';
import { measureProcess } from './proc.js';

export const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

export interface RehearsalSpec {
  strategy: string;
  nodes: 1 | 3;
  timeScale: number;
  fleet?: FleetOptions | false;
  /** More CLI arguments (--cloud, --concurrency). */
  args?: string[];
  /** Variables of the lab's env the CLI must not see. */
  dropEnv?: string[];
  /** Hard stop for the CLI, real ms. */
  timeoutMs?: number;
}

export interface Rehearsal {
  spec: RehearsalSpec;
  journal: JournalEntry[];
  timeline: TimelineEntry[];
  requests: LabRequest[];
  /** Controller nodes as seeded (ip, instance). */
  nodes: { ip: string; instanceId: string }[];
  /** SE name -> SE group name, for every SE the lab ever had. */
  groupOfSe: Map<string, string>;
  /** The seeded SE groups: name and SE count. */
  groups: { name: string; ses: number }[];
  /** The --poll-interval upper bound the lab's env gave the CLI, real ms. */
  pollMaxMs: number;
  wallMs: number;
  cpuMs: number;
  peakKiB: number;
}

/** The environment a user gets from `lab up`: the lab's env, no ambient AVI_/AWS_ settings, a backup passphrase. */
export function cliEnv(lab: Pick<RunningLab, 'env'>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AVI_|AWS_)/.test(k)));
  return { ...base, ...lab.env, AVI_BACKUP_PASSPHRASE: 'bench-backup-passphrase' };
}

export function pollBounds(env: Record<string, string>): { minMs: number; maxMs: number } {
  const raw = env['AVI_ENCRYPT_POLL_INTERVAL'] ?? '10000';
  const [min, max = min] = raw.split('-').map(Number);
  return { minMs: min!, maxMs: max! };
}

export async function rehearse(spec: RehearsalSpec): Promise<Rehearsal> {
  const tmp = await mkdtemp(join(tmpdir(), 'avi-encrypt-bench-run-'));
  const lab = await startLab({ nodes: spec.nodes, timeScale: spec.timeScale, dir: join(tmp, 'lab'), ...(spec.fleet === undefined ? {} : { fleet: spec.fleet }) });
  try {
    const groupOfSe = new Map<string, string>();
    const noteSes = () => {
      const groups = new Map((lab.fleet?.seed.groups ?? []).map((g) => [g.uuid, g.name]));
      for (const se of lab.fleet?.ses.values() ?? []) groupOfSe.set(se.name, groups.get(se.groupUuid) ?? se.groupUuid);
    };
    noteSes();
    const stateDir = join(tmp, 'state');
    const args = ['migrate', '--strategy', spec.strategy, '--yes', '--state-dir', stateDir, ...(spec.args ?? [])];
    const env = cliEnv(lab);
    for (const k of spec.dropEnv ?? []) delete env[k];
    const run = await measureProcess(process.execPath, [CLI, ...args], env, spec.timeoutMs ?? 300_000);
    noteSes();
    if (run.code !== 0) {
      const tail = run.output.trim().split('\n').slice(-3).join(' | ');
      throw new Error(`${spec.strategy} exited ${run.code}: ${tail}`);
    }
    const runs = await readdir(join(stateDir, 'runs'));
    const text = await readFile(join(stateDir, 'runs', runs[0]!, 'journal.jsonl'), 'utf8');
    const journal = text.trim().split('\n').map((l) => JSON.parse(l) as JournalEntry);
    return {
      spec, journal, timeline: lab.timeline.list(), requests: lab.requests.list(),
      nodes: lab.seed.nodes.map((n) => ({ ip: n.ip, instanceId: n.instanceId })), groupOfSe,
      groups: (lab.fleet?.seed.groups ?? []).map((g) => ({ name: g.name, ses: g.serviceEngines })),
      pollMaxMs: pollBounds(lab.env).maxMs, wallMs: run.wallMs, cpuMs: run.cpuMs, peakKiB: run.peakKiB,
    };
  } finally {
    await lab.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}
