// The new Controller VMs' initial admin password (ClusterNode `password`): AVI_NODE_PASSWORD when
// set, otherwise the Avi password (asked for as usual), never a flag.
import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { commandIo } from '../../src/cli/execute.js';

const io = (env: NodeJS.ProcessEnv) =>
  commandIo({ out: new PassThrough(), err: new PassThrough(), env, stdin: new PassThrough() }, new AbortController().signal);

describe('node password', () => {
  it('comes from AVI_NODE_PASSWORD when set', async () => {
    expect(await io({ AVI_NODE_PASSWORD: 'initial', AVI_PASSWORD: 'admin-pw' }).nodePassword()).toBe('initial');
  });

  it('defaults to the Avi password (an empty variable counts as unset)', async () => {
    expect(await io({ AVI_NODE_PASSWORD: ' ', AVI_PASSWORD: 'admin-pw' }).nodePassword()).toBe('admin-pw');
    expect(await io({ AVI_PASSWORD: 'admin-pw' }).nodePassword()).toBe('admin-pw');
  });

  it('without either and without a terminal, the usual one line about AVI_PASSWORD', async () => {
    await expect(io({}).nodePassword()).rejects.toThrow(/AVI_PASSWORD is not set and stdin is not a terminal/);
  });
});
