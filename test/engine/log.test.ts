import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeLogger, createRunLogger } from '../../src/engine/log.js';
import { Redactor } from '../../src/engine/redact.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'avi-log-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('createRunLogger', () => {
  it('writes redacted JSON lines (0600) and closeLogger flushes them', async () => {
    const file = join(dir, 'log.jsonl');
    const logger = createRunLogger(file, new Redactor(['Pa55word!']), 'run-1');
    logger.info('logging in with Pa55word!', { avi: { username: 'admin', password: 'Pa55word!' }, ClientToken: 'ct-1' });
    logger.child({ step: 'login' }).warn('retry', { headers: { Authorization: 'Basic abcd' }, attempt: 2 });
    const nested = Object.assign(new Error('HTTP 401 for Pa55word!'), { code: 'E401' });
    logger.error('login failed', { err: nested });
    logger.error(new Error('top-level Pa55word! failure'));
    await closeLogger(logger);

    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('Pa55word!');
    expect(text).not.toContain('Basic abcd');
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(4);
    for (const l of lines) {
      expect(l.runId).toBe('run-1');
      expect(typeof l.timestamp).toBe('string');
    }
    expect(lines[0]).toMatchObject({
      level: 'info',
      message: 'logging in with [REDACTED]',
      avi: { username: 'admin', password: '[REDACTED]' },
      ClientToken: 'ct-1',
    });
    expect(lines[1]).toMatchObject({ level: 'warn', step: 'login', headers: { Authorization: '[REDACTED]' }, attempt: 2 });
    // A nested Error is kept as data, not serialised to {}.
    expect(lines[2]).toMatchObject({ err: { name: 'Error', message: 'HTTP 401 for [REDACTED]', code: 'E401' } });
    expect(lines[3]).toMatchObject({ level: 'error', message: 'top-level [REDACTED] failure' });
    expect(String(lines[3]!.stack)).toContain('top-level [REDACTED] failure');
  });

  it('appends to an existing log (resume) and closeLogger is safe to call twice', async () => {
    const file = join(dir, 'log.jsonl');
    const first = createRunLogger(file, new Redactor(), 'run-1');
    first.info('run started');
    await closeLogger(first);
    const second = createRunLogger(file, new Redactor(), 'run-1');
    second.info('run resumed');
    await closeLogger(second);
    await closeLogger(second);
    const messages = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l).message);
    expect(messages).toEqual(['run started', 'run resumed']);
  });
});
