import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../src/engine/journal.js';
import { Redactor } from '../../src/engine/redact.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'avi-journal-'));
  file = join(dir, 'journal.jsonl');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Journal', () => {
  it('appends timestamped entries in call order, file mode 0600', async () => {
    const j = new Journal(file, new Redactor(), () => new Date('2026-11-27T09:30:12.000Z'));
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => j.append({ runId: 'r1', event: 'step-started', step: `s${i}` })),
    );
    const entries = await Journal.read(file);
    expect(entries.map((e) => e.step)).toEqual(Array.from({ length: 50 }, (_, i) => `s${i}`));
    expect(entries[0]).toEqual({ at: '2026-11-27T09:30:12.000Z', runId: 'r1', event: 'step-started', step: 's0' });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('redacts entries before they reach disk', async () => {
    const j = new Journal(file, new Redactor(['Pa55word!']));
    await j.append({
      runId: 'r1',
      event: 'step-failed',
      step: 'login',
      item: '10.10.1.12',
      detail: { password: 'other', body: 'user admin / Pa55word!', ClientToken: 'tok-1' },
      error: { step: 'login', item: '10.10.1.12', name: 'AviError', message: 'rejected Pa55word!', operation: 'POST /login', httpStatus: 401 },
    });
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('Pa55word!');
    expect(text).not.toContain('other');
    const [e] = await Journal.read(file);
    expect(e!.detail).toEqual({ password: '[REDACTED]', body: 'user admin / [REDACTED]', ClientToken: 'tok-1' });
    expect(e!.item).toBe('10.10.1.12');
    expect(e!.error).toEqual({ step: 'login', item: '10.10.1.12', name: 'AviError', message: 'rejected [REDACTED]', operation: 'POST /login', httpStatus: 401 });
  });

  it('read: [] when absent; skips a torn last line after a crash', async () => {
    expect(await Journal.read(file)).toEqual([]);
    const j = new Journal(file, new Redactor());
    await j.append({ runId: 'r1', event: 'run-started' });
    await j.append({ runId: 'r1', event: 'step-started', step: 'backup' });
    await appendFile(file, '{"at":"2026-11-27T09:31:00.000Z","runId":"r1","ev'); // crash mid-write
    const entries = await Journal.read(file);
    expect(entries.map((e) => e.event)).toEqual(['run-started', 'step-started']);
  });

  it('a resumed run appends cleanly after a torn line (the fragment is cut off)', async () => {
    await writeFile(file, '{"at":"t","runId":"r1","event":"run-started"}\n{"at":"t","runId":"r1","eve');
    const j = new Journal(file, new Redactor());
    await j.append({ runId: 'r1', event: 'run-resumed' });
    expect((await Journal.read(file)).map((e) => e.event)).toEqual(['run-started', 'run-resumed']);
  });

  it('keeps a complete last entry that only lost its newline', async () => {
    await writeFile(file, '{"at":"t","runId":"r1","event":"run-started"}');
    expect(await Journal.read(file)).toHaveLength(1);
    await new Journal(file, new Redactor()).append({ runId: 'r1', event: 'run-resumed' });
    expect((await Journal.read(file)).map((e) => e.event)).toEqual(['run-started', 'run-resumed']);
  });

  it('reports damage in the middle with file and line', async () => {
    await writeFile(file, '{"at":"t","runId":"r1","event":"run-started"}\nGARBAGE\n{"at":"t","runId":"r1","event":"wait"}\n');
    await expect(Journal.read(file)).rejects.toThrow(`${file}:2: journal line is corrupt`);
  });
});
