// --state-dir is checked offline: a file, a path under a file, a system tree, or a directory we
// cannot write is one usage line (exit 2), before anything runs.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../src/engine/exit-codes.js';
import { expectOneLine, parse, VALID } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'avi-statedir-'));
  writeFileSync(join(dir, 'a-file'), 'x');
  mkdirSync(join(dir, 'locked'));
  chmodSync(join(dir, 'locked'), 0o500);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const migrate = (stateDir: string) => parse(['migrate', ...VALID, '--yes', '--state-dir', stateDir]);

describe('--state-dir', () => {
  it('a file is refused for migrate, resume and status', async () => {
    const file = join(dir, 'a-file');
    await expectOneLine(migrate(file), EXIT.usage, /--state-dir/, /is a file, not a directory/, /e\.g\. \.\/\.avi-encrypt/);
    await expectOneLine(parse(['resume', '--state-dir', file]), EXIT.usage, /is a file, not a directory/);
    await expectOneLine(parse(['status', '--state-dir', file]), EXIT.usage, /is a file, not a directory/);
  });

  it('a path under a file, or under /dev/null, cannot be created', async () => {
    await expectOneLine(migrate(join(dir, 'a-file', 'state')), EXIT.usage, /cannot be created: .*a-file is a file/);
    await expectOneLine(migrate('/dev/null/state'), EXIT.usage, /is inside a system tree/);
  });

  it('/sys and /proc are system trees', async () => {
    await expectOneLine(migrate('/sys/kernel/avi'), EXIT.usage, /is inside a system tree/);
    await expectOneLine(parse(['status', '--state-dir', '/proc/avi']), EXIT.usage, /is inside a system tree/);
  });

  it('an unwritable parent is refused (unless we are root, who may write anywhere)', async () => {
    const p = migrate(join(dir, 'locked', 'state'));
    if (process.getuid?.() === 0) await expect(p).resolves.toMatchObject({ kind: 'migrate' });
    else await expectOneLine(p, EXIT.usage, /cannot be created: .*locked is not writable/);
  });

  it('a missing directory under a writable one is fine, and plan never looks at it', async () => {
    await expect(migrate(join(dir, 'new', 'state'))).resolves.toMatchObject({ kind: 'migrate' });
    await expect(parse(['plan', ...VALID, '--state-dir', join(dir, 'a-file')])).resolves.toMatchObject({ kind: 'plan' });
  });
});
