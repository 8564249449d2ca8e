import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { createProgress, formatElapsed } from '../../src/engine/progress.js';

function harness(tty: boolean) {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  let t = 1_000_000;
  const progress = createProgress({ out, tty, now: () => t });
  return { progress, advance: (ms: number) => (t += ms), text: () => text };
}

// eslint-disable-next-line no-control-regex
const ESC = /\x1b|\r/;

describe('formatElapsed', () => {
  it('formats ms, s, min and h', () => {
    expect(formatElapsed(0)).toBe('0 ms');
    expect(formatElapsed(850)).toBe('850 ms');
    expect(formatElapsed(999.9)).toBe('999 ms');
    expect(formatElapsed(12_400)).toBe('12 s');
    expect(formatElapsed(184_000)).toBe('3 min 4 s');
    expect(formatElapsed(3_600_000 + 5 * 60_000)).toBe('1 h 5 min');
    expect(formatElapsed(-5)).toBe('0 ms');
  });
});

describe('createProgress, not a TTY (CI)', () => {
  it('prints plain lines only, and a wait line only on change or every 30 s', async () => {
    const h = harness(false);
    h.progress.stepStarted('stop-1', 'stop node', '10.10.1.12');
    h.progress.waiting('stop-1', 'cluster READY', 'CLUSTER_UP_HA_NOT_READY'); // first: printed
    for (let i = 0; i < 10; i++) {
      h.advance(2_000);
      h.progress.waiting('stop-1', 'cluster READY', 'CLUSTER_UP_HA_NOT_READY'); // 20 s: quiet
    }
    h.advance(10_000);
    h.progress.waiting('stop-1', 'cluster READY', 'CLUSTER_UP_HA_NOT_READY'); // 30 s: printed
    h.advance(12_000);
    h.progress.waiting('stop-1', 'cluster READY', 'CLUSTER_UP_HA_READY'); // changed: printed
    h.progress.info('backup saved');
    h.progress.stepFinished('stop-1');
    h.progress.stepStarted('start-1', 'start node', '10.10.1.12');
    h.advance(850);
    h.progress.stepFailed('start-1', 'InsufficientInstanceCapacity:\n  try another AZ');
    h.progress.close();
    await new Promise((r) => setImmediate(r));
    const text = h.text();
    expect(text).not.toMatch(ESC);
    expect(text.split('\n')).toEqual([
      '… stop node 10.10.1.12',
      '  waiting for cluster READY: CLUSTER_UP_HA_NOT_READY, 0 ms',
      '  waiting for cluster READY: CLUSTER_UP_HA_NOT_READY, 30 s',
      '  waiting for cluster READY: CLUSTER_UP_HA_READY, 42 s',
      'backup saved',
      '✓ stop node 10.10.1.12 (42 s)',
      '… start node 10.10.1.12',
      '✗ start node 10.10.1.12 (850 ms): InsufficientInstanceCapacity: try another AZ',
      '',
    ]);
  });
});

describe('createProgress, TTY', () => {
  it('redraws the wait in place and leaves permanent lines for results', async () => {
    const h = harness(true);
    h.progress.stepStarted('stop-1', 'stop node', '10.10.1.12');
    h.progress.waiting('stop-1', 'cluster READY', 'CLUSTER_UP_HA_NOT_READY');
    h.advance(42_000);
    h.progress.waiting('stop-1', 'cluster READY', 'CLUSTER_UP_HA_NOT_READY');
    h.advance(184_000 - 42_000);
    h.progress.stepFinished('stop-1');
    h.progress.close();
    await new Promise((r) => setImmediate(r));
    const text = h.text();
    expect(text).toContain('\r\x1b[2K  waiting for cluster READY: CLUSTER_UP_HA_NOT_READY, 42 s');
    expect(text).toMatch(/\r\x1b\[2K✓ stop node 10\.10\.1\.12 \(3 min 4 s\)\n$/);
    // What the terminal shows at the end: only the permanent line.
    const screen = text.split('\n').map((l) => l.split('\r').pop()!.replace('\x1b[2K', ''));
    expect(screen).toEqual(['✓ stop node 10.10.1.12 (3 min 4 s)', '']);
  });

  it('keeps the live line below info lines printed during a wait', async () => {
    const h = harness(true);
    h.progress.stepStarted('w', 'wait for cluster');
    h.progress.waiting('w', 'cluster READY', 'CLUSTER_UP_NO_HA');
    h.progress.info('node 10.10.1.13 joined');
    h.progress.close();
    await new Promise((r) => setImmediate(r));
    expect(h.text()).toContain('\r\x1b[2Knode 10.10.1.13 joined\n  waiting for cluster READY: CLUSTER_UP_NO_HA, 0 ms');
    expect(h.text().endsWith('\r\x1b[2K')).toBe(true);
  });
});
