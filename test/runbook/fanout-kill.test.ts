// Fan-out under SIGKILL: a process working on three items at once is killed in the middle; a new
// process resumes the saved run and every item is finished where it was: the three in flight run
// their step again (idempotent, so nothing is created twice), the finished ones are not touched.

import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../dist/test/runbook/fanout-child.js');

function run(dir: string, mode: string) {
  const child = spawn(process.execPath, [CHILD, dir, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((ok) => child.on('close', (code, signal) => ok({ code, signal, out })));
  return { child, exited };
}

const world = (dir: string) => (existsSync(join(dir, 'world.log')) ? readFileSync(join(dir, 'world.log'), 'utf8').trim().split('\n') : []);

describe('fan-out under SIGKILL', () => {
  it('concurrency 3, killed with three items in flight: resume finishes every item, each created once', async () => {
    if (!existsSync(CHILD)) throw new Error(`${CHILD} is missing: build first (npx tsc -p tsconfig.json)`);
    const dir = mkdtempSync(join(tmpdir(), 'avi-fanout-'));
    try {
      const first = run(dir, 'start');
      // Wait until the second wave is in flight: three created, three more started.
      const deadline = Date.now() + 20_000;
      for (;;) {
        const w = world(dir);
        if (w.filter((l) => l.startsWith('created')).length >= 3 && w.filter((l) => l.startsWith('started')).length >= 6) break;
        if (Date.now() > deadline) throw new Error(`never reached the second wave: ${w.join(', ')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      const atKill = world(dir);
      const createdBefore = atKill.filter((l) => l.startsWith('created')).map((l) => l.split(' ')[1]);
      expect(createdBefore.length).toBeLessThan(6);

      const second = await run(dir, 'resume').exited;
      expect({ code: second.code, out: second.out.trim() }).toEqual({ code: 0, out: 'done 6' });
      const w = world(dir);
      const created = w.filter((l) => l.startsWith('created')).map((l) => l.split(' ')[1]).sort();
      expect(created).toEqual(['s0', 's1', 's2', 's3', 's4', 's5']);
      const starts = (k: string) => w.filter((l) => l === `started ${k}`).length;
      // Finished before the kill: never started again. In flight at the kill: started once more.
      for (const k of createdBefore) expect({ k, starts: starts(k!) }).toEqual({ k, starts: 1 });
      const inFlight = ['s0', 's1', 's2', 's3', 's4', 's5'].filter((k) => !createdBefore.includes(k) && atKill.includes(`started ${k}`));
      expect(inFlight.length).toBeGreaterThanOrEqual(1);
      for (const k of inFlight) expect({ k, starts: starts(k) }).toEqual({ k, starts: 2 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
