import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunFolder, listRuns, newRunId, runFolder } from '../../src/engine/run-folder.js';

let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'avi-state-'));
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('run folders', () => {
  it('newRunId is UTC, sortable, with the strategy and a random suffix', () => {
    const at = new Date('2026-11-27T09:30:12.345Z');
    const id = newRunId('controller-swap', at);
    expect(id).toMatch(/^20261127-093012-controller-swap-[0-9a-f]{4}$/);
    const ids = new Set(Array.from({ length: 50 }, () => newRunId('controller-swap', at)));
    expect(ids.size).toBeGreaterThan(40);
    expect(newRunId('se-relaunch', new Date('2026-11-27T10:00:00Z')) > id).toBe(true);
  });

  it('lays out the run files', () => {
    const f = runFolder('/var/lib/avi-encrypt', '20261127-093012-controller-swap-a1b2');
    const dir = '/var/lib/avi-encrypt/runs/20261127-093012-controller-swap-a1b2';
    expect(f).toEqual({
      dir,
      meta: `${dir}/run.json`,
      snapshot: `${dir}/snapshot.json`,
      journal: `${dir}/journal.jsonl`,
      log: `${dir}/log.jsonl`,
      backups: `${dir}/backups`,
    });
    expect(() => runFolder('/x', '../../etc')).toThrow(/not a run id/);
  });

  it('creates folders 0700 and refuses to reuse an existing run id', async () => {
    const id = newRunId('controller-swap');
    const f = await createRunFolder(stateDir, id);
    expect((await stat(f.dir)).mode & 0o777).toBe(0o700);
    expect((await stat(f.backups)).mode & 0o777).toBe(0o700);
    await expect(createRunFolder(stateDir, id)).rejects.toThrow(/EEXIST/);
  });

  it('lists runs newest first', async () => {
    expect(await listRuns(stateDir)).toEqual([]);
    const ids = ['2026-11-01T08:00:00Z', '2026-11-27T09:30:12Z', '2026-11-03T23:59:59Z'].map((t) =>
      newRunId('controller-swap', new Date(t)),
    );
    for (const id of ids) await createRunFolder(stateDir, id);
    await mkdir(join(stateDir, 'runs', 'not-a-run'));
    expect(await listRuns(stateDir)).toEqual([ids[1], ids[2], ids[0]]);
  });
});
