// Runs a command and measures its wall time and peak RSS: with GNU time (`/usr/bin/time -v`,
// exact) when present, else by polling `ps -o rss=` every 100 ms (can miss a short spike).

import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ms } from './report.js';

const GNU_TIME = '/usr/bin/time';

export interface ProcResult {
  code: number | null;
  output: string;
  wallMs: number;
  peakKiB: number;
  /** User + system CPU time of the process (GNU time only; NaN with ps). */
  cpuMs: number;
  /** How the peak was measured. */
  via: 'time -v' | 'ps';
}

export async function measureProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ProcResult> {
  const useTime = existsSync(GNU_TIME);
  const dir = await mkdtemp(join(tmpdir(), 'avi-encrypt-bench-time-'));
  const timeOut = join(dir, 'time.txt');
  try {
    const [file, argv] = useTime ? [GNU_TIME, ['-v', '-o', timeOut, cmd, ...args]] : [cmd, args];
    const t0 = process.hrtime.bigint();
    const child = spawn(file, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const sampler = useTime ? undefined : sampleRss(child.pid!, 100);
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    // Hard stop well past any target, so a hung run fails the bench instead of hanging it.
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await new Promise<number | null>((ok) => child.on('close', (c) => ok(c)));
    const wallMs = ms(t0);
    clearTimeout(killer);
    let peakKiB = sampler?.stop() ?? 0;
    let cpuMs = NaN;
    if (useTime) {
      const report = await readFile(timeOut, 'utf8').catch(() => '');
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(report);
      if (!m) throw new Error(`no peak RSS in ${GNU_TIME} -v output (exit ${code})`);
      peakKiB = Number(m[1]);
      const secs = (what: string) => Number(new RegExp(`${what} time \\(seconds\\): ([\\d.]+)`).exec(report)?.[1] ?? NaN);
      cpuMs = (secs('User') + secs('System')) * 1000;
    }
    return { code, output, wallMs, peakKiB, cpuMs, via: useTime ? 'time -v' : 'ps' };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function sampleRss(pid: number, everyMs: number): { stop(): number } {
  let peak = 0;
  const poll = () =>
    execFile('ps', ['-o', 'rss=', '-p', String(pid)], (err, stdout) => {
      if (err) return; // the process has exited
      const kib = Number(stdout.trim());
      if (Number.isFinite(kib)) peak = Math.max(peak, kib);
    });
  poll();
  const timer = setInterval(poll, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}
