// The SE runbooks' own settings from their three sources: --cloud, --se-group (repeatable),
// --concurrency and --rekey as flags, as keys of the strategy's config section, and as
// environment variables; each refusal is one line with exit 2.
import { describe, expect, it } from '@jest/globals';
import { EXIT } from '../../src/engine/exit-codes.js';
import { expectOneLine, parse, settingsOf } from './helpers.js';

const BASE = ['plan', '--strategy', 'se-scale-out', '--controller', 'https://10.0.0.10', '--region', 'eu-west-1'];

describe('SE runbook settings', () => {
  it('take --cloud, a repeated --se-group, --concurrency and --rekey; default to every group, one at a time, no re-key', async () => {
    expect((await settingsOf([...BASE, '--cloud', 'Default-Cloud'])).runbook).toEqual({ cloud: 'Default-Cloud', seGroups: [], concurrency: 1, rekey: false });
    const s = await settingsOf([...BASE, '--cloud', 'aws', '--se-group', 'a', '--se-group', 'b', '--concurrency', '3', '--rekey']);
    expect(s.runbook).toEqual({ cloud: 'aws', seGroups: ['a', 'b'], concurrency: 3, rekey: true });
  });

  it('read the strategy section of the config file and the environment, flags first', async () => {
    const files = { 'c.yaml': 'se-relaunch:\n  cloud: from-file\n  seGroup: [x, y]\n  concurrency: 2\n' };
    const relaunch = BASE.map((a) => (a === 'se-scale-out' ? 'se-relaunch' : a));
    expect((await settingsOf([...relaunch, '--config', 'c.yaml'], {}, files)).runbook).toEqual({ cloud: 'from-file', seGroups: ['x', 'y'], concurrency: 2, rekey: false });
    const env = { AVI_ENCRYPT_CLOUD: 'from-env', AVI_ENCRYPT_SE_GROUPS: 'p, q', AVI_ENCRYPT_CONCURRENCY: '4', AVI_ENCRYPT_REKEY: 'true' };
    expect((await settingsOf(BASE, env)).runbook).toEqual({ cloud: 'from-env', seGroups: ['p', 'q'], concurrency: 4, rekey: true });
    expect((await settingsOf([...BASE, '--cloud', 'flag'], env)).runbook).toMatchObject({ cloud: 'flag' });
  });

  it('refuse a missing cloud, a concurrency that is not 1-32, a bad rekey, naming the source', async () => {
    await expectOneLine(parse(BASE), EXIT.usage, /se-scale-out needs the Avi cloud .*--cloud .*AVI_ENCRYPT_CLOUD/);
    await expectOneLine(parse([...BASE, '--cloud', 'c', '--concurrency', '0']), EXIT.usage, /^--concurrency must be a whole number of SE groups from 1 to 32 \(got 0\)/);
    await expectOneLine(parse([...BASE, '--cloud', 'c', '--concurrency', '1.5']), EXIT.usage, /--concurrency must be a whole number/);
    await expectOneLine(parse([...BASE, '--cloud', 'c'], { AVI_ENCRYPT_CONCURRENCY: 'many' }), EXIT.usage, /^AVI_ENCRYPT_CONCURRENCY must be a whole number .*\(got "many"\)/);
    await expectOneLine(parse([...BASE, '--cloud', 'c'], { AVI_ENCRYPT_REKEY: 'maybe' }), EXIT.usage, /^AVI_ENCRYPT_REKEY must be true or false/);
  });
});
