import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSnapshotWriter, readJson, writeJsonAtomic } from '../../src/engine/persist.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'avi-persist-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeJsonAtomic / readJson', () => {
  it('writes JSON with mode 0600 and leaves no temp file behind', async () => {
    const file = join(dir, 'snapshot.json');
    await writeJsonAtomic(file, { step: 'stop-node', n: 1 });
    expect(await readJson(file)).toEqual({ step: 'stop-node', n: 1 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['snapshot.json']);
  });

  it('replaces the old content whole: every read sees old or new, never partial', async () => {
    const file = join(dir, 'snapshot.json');
    const big = (tag: string) => ({ tag, pad: tag.repeat(200_000) });
    await writeJsonAtomic(file, big('a'));
    const seen = new Set<string>();
    const writing = writeJsonAtomic(file, big('b'));
    for (let i = 0; i < 50; i++) {
      const v = await readJson<{ tag: string; pad: string }>(file); // throws if partial
      expect(v!.pad).toBe(v!.tag.repeat(200_000));
      seen.add(v!.tag);
    }
    await writing;
    expect((await readJson<{ tag: string }>(file))!.tag).toBe('b');
    expect([...seen].every((t) => t === 'a' || t === 'b')).toBe(true);
    expect(await readdir(dir)).toEqual(['snapshot.json']);
  });

  it('cleans its temp file when the write fails', async () => {
    const missingDir = join(dir, 'nope', 'snapshot.json');
    await expect(writeJsonAtomic(missingDir, { a: 1 })).rejects.toThrow();
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects data that is not JSON', async () => {
    await expect(writeJsonAtomic(join(dir, 'x.json'), undefined)).rejects.toThrow(/not JSON-serialisable/);
  });

  it('readJson: undefined when absent, a clear error naming the file when corrupt', async () => {
    expect(await readJson(join(dir, 'absent.json'))).toBeUndefined();
    const bad = join(dir, 'run.json');
    await writeFile(bad, '{"strategy": "controller-sw');
    await expect(readJson(bad)).rejects.toThrow(`${bad} is corrupt`);
  });

  it('serialises concurrent writes to one path in call order', async () => {
    const file = join(dir, 'state.json');
    await Promise.all(Array.from({ length: 40 }, (_, i) => writeJsonAtomic(file, { i })));
    expect(await readJson(file)).toEqual({ i: 39 });
    expect(await readdir(dir)).toEqual(['state.json']);
  });
});

describe('createSnapshotWriter', () => {
  it('leaves the latest data on disk after many concurrent writes', async () => {
    const file = join(dir, 'snapshot.json');
    const w = createSnapshotWriter(file);
    const writes = Array.from({ length: 200 }, (_, i) => w.write({ seq: i }));
    await Promise.all(writes);
    expect(await readJson(file)).toEqual({ seq: 199 });
    await w.flush();
    expect(await readdir(dir)).toEqual(['snapshot.json']);
  });

  it('each write resolves only once its data (or newer) is on disk', async () => {
    const file = join(dir, 'snapshot.json');
    const w = createSnapshotWriter(file);
    for (let i = 0; i < 20; i++) {
      void w.write({ seq: i });
      if (i % 5 === 4) {
        await w.write({ seq: i, checkpoint: true });
        expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ seq: i, checkpoint: true });
      }
    }
  });

  it('captures data at write() time, not at disk time', async () => {
    const file = join(dir, 'snapshot.json');
    const w = createSnapshotWriter(file);
    const ctx = { value: 'before' };
    const p = w.write(ctx);
    ctx.value = 'mutated later';
    await p;
    expect(await readJson(file)).toEqual({ value: 'before' });
  });

  it('a failed write rejects its caller and is retried by flush()', async () => {
    const sub = join(dir, 'later');
    const file = join(sub, 'snapshot.json');
    const w = createSnapshotWriter(file);
    await expect(w.write({ seq: 1 })).rejects.toThrow(/ENOENT/);
    await (await import('node:fs/promises')).mkdir(sub);
    await w.flush();
    expect(await readJson(file)).toEqual({ seq: 1 });
  });
});
