// The bench's detection lag, from a hand-built journal, timeline and request log.

import { describe, expect, it } from '@jest/globals';
import { detectionLags, lagAllowanceMs, requestKeys, subjectKey } from '../../bench/calc/lag.js';
import { stepWindows } from '../../bench/calc/windows.js';
import type { JournalEntry } from '../../src/engine/journal.js';
import type { LabRequest, TimelineEntry } from '../../src/lab/world/types.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const j = (ms: number, event: JournalEntry['event'], step: string, item?: string): JournalEntry =>
  ({ at: iso(ms), runId: 'r', event, step, ...(item ? { item } : {}) });
let seq = 0;
const req = (ms: number, operation: string, extra: Partial<LabRequest> = {}): LabRequest => ({
  seq: ++seq, at: iso(ms), service: operation.includes(' ') ? 'avi' : 'ec2', operation, mutating: !/^(Describe|GET )/.test(operation), status: 200, ...extra,
});
const tl = (ms: number, subject: string, state: string): TimelineEntry => ({ at: iso(ms), subject, state });

describe('what a request and a timeline subject are about', () => {
  it('names EC2 resources by id, a Describe by filter every resource of its kind, Avi objects by type', () => {
    expect(requestKeys(req(0, 'DescribeInstances', { ids: ['i-1', 'i-2'] }))).toEqual(['instance:i-1', 'instance:i-2']);
    expect(requestKeys(req(0, 'DescribeVolumes'))).toEqual(['volume:*']);
    expect(requestKeys(req(0, 'StopInstances', { ids: ['i-1'] }))).toEqual([]);
    expect(requestKeys(req(0, 'GET /api/cluster/runtime'))).toEqual(['avi:cluster']);
    expect(requestKeys(req(0, 'GET /api/initial-data'))).toEqual(['avi:cluster']);
    expect(requestKeys(req(0, 'GET /api/virtualservice/virtualservice-1'))).toEqual(['avi:virtualservice']);
    expect(subjectKey('10.10.1.12')).toBe('avi:cluster');
    expect(subjectKey('vs:vs-01')).toBe('avi:virtualservice');
    expect(subjectKey('fault:throttle')).toBeUndefined();
  });
});

describe('detection lag', () => {
  const journal = [
    j(0, 'step-started', 'stop-node', 'n1'), j(10, 'step-finished', 'stop-node', 'n1'),
    j(20, 'step-started', 'node-stopped', 'n1'), j(25, 'wait', 'node-stopped', 'n1'), j(31_000, 'step-finished', 'node-stopped', 'n1'),
  ];
  it('runs from the change that satisfied the wait to the next request about that resource', () => {
    const requests = [
      req(5, 'StopInstances', { ids: ['i-1'] }),
      req(15_000, 'DescribeInstances', { ids: ['i-1'] }),
      req(30_900, 'DescribeInstances', { ids: ['i-2'] }), // another instance: not about the change
      req(30_950, 'DescribeInstances', { ids: ['i-1'] }),
    ];
    const timeline = [tl(5, 'instance:i-1', 'stopping'), tl(30_005, 'instance:i-1', 'stopped')];
    expect(detectionLags(stepWindows(journal), timeline, requests)).toEqual([{ step: 'node-stopped', item: 'n1', lagMs: 945, waitMs: 30_980, change: 'instance:i-1 stopped' }]);
  });

  it('counts from the wait\'s start when the change came before it, and ignores what the run\'s own write caused', () => {
    const requests = [req(8, 'StopInstances', { ids: ['i-1'] }), req(14, 'ModifyInstanceAttribute', { ids: ['i-2'] }), req(2_020, 'DescribeInstances')];
    // Stopped before the wait began; "stopping" is the write's own effect, 3 ms before it was logged;
    // a write to another instance right after the stop does not make the stop its effect.
    const timeline = [tl(5, 'instance:i-1', 'stopping'), tl(12, 'instance:i-1', 'stopped')];
    const quick = [j(20, 'step-started', 'node-stopped', 'n1'), j(21, 'wait', 'node-stopped', 'n1'), j(2_030, 'step-finished', 'node-stopped', 'n1')];
    expect(detectionLags(stepWindows(quick), timeline, requests)).toEqual([{ step: 'node-stopped', item: 'n1', lagMs: 2_000, waitMs: 2_010, change: 'instance:i-1 stopped' }]);
    expect(detectionLags(stepWindows(quick), [tl(5, 'instance:i-1', 'stopping')], requests)).toEqual([]);
  });

  it('a change logged after the last read arrived, before the wait ended, was seen by that read: no lag', () => {
    const requests = [req(15_000, 'DescribeInstances', { ids: ['i-1'] }), req(30_000, 'DescribeInstances', { ids: ['i-1'] })];
    const timeline = [tl(30_001, 'instance:i-1', 'stopped')];
    expect(detectionLags(stepWindows(journal), timeline, requests)).toMatchObject([{ step: 'node-stopped', lagMs: 0 }]);
  });

  it('allows max(1 s, 5% of the wait)', () => {
    expect(lagAllowanceMs(4_000)).toBe(1_000);
    expect(lagAllowanceMs(300_000)).toBe(15_000);
  });
});
