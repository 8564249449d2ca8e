import { describe, expect, it } from '@jest/globals';
import { TAG } from '../../src/aws/types.js';
import { createMachine } from 'xstate';
import pRetry from 'p-retry';

describe('toolchain', () => {
  it('loads ESM deps', async () => {
    expect(TAG.runId).toBe('avi-encrypt:run-id');
    expect(typeof createMachine).toBe('function');
    expect(await pRetry(async () => 2)).toBe(2);
  });
});
