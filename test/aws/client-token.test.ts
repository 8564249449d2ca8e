import { describe, expect, it } from '@jest/globals';
import { clientToken } from '../../src/aws/client-token.js';

describe('clientToken', () => {
  it('is deterministic, ASCII and at most 64 characters', () => {
    const token = clientToken('run-2026-11-03T10:00:00Z-abc', 'create-volume:10.0.0.10');
    expect(token).toBe(clientToken('run-2026-11-03T10:00:00Z-abc', 'create-volume:10.0.0.10'));
    expect(token.length).toBeLessThanOrEqual(64);
    expect(token).toMatch(/^[\x21-\x7e]+$/);
  });

  it('differs per run and per step, and the separator prevents shifted collisions', () => {
    const tokens = new Set([clientToken('r1', 's1'), clientToken('r2', 's1'), clientToken('r1', 's2'), clientToken('r', '1s1')]);
    expect(tokens.size).toBe(4);
    expect(clientToken('ab', 'c')).not.toBe(clientToken('a', 'bc'));
  });

  it('rejects empty inputs', () => {
    expect(() => clientToken('', 'step')).toThrow();
    expect(() => clientToken('run', '')).toThrow();
  });
});
