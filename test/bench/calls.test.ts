// The bench's minimal API call count, from hand-built step windows and requests.

import { describe, expect, it } from '@jest/globals';
import { callCounts, readKind } from '../../bench/calc/calls.js';
import type { Invocation } from '../../bench/calc/windows.js';
import type { LabRequest } from '../../src/lab/world/types.js';

let seq = 0;
const req = (ms: number, operation: string, service: LabRequest['service'] = 'ec2'): LabRequest => ({
  seq: ++seq, at: new Date(1_000_000 + ms).toISOString(), service, operation, mutating: !/^(Describe|GET )/.test(operation), status: 200,
});
const inv = (start: number, end: number, polled: boolean): Invocation => ({ step: 's', start: 1_000_000 + start, end: 1_000_000 + end, polled });

describe('minimal API calls', () => {
  it('reads one Avi collection whatever the object, keeps sub-resources apart', () => {
    expect(readKind(req(0, 'GET /api/virtualservice/virtualservice-0b1c2d3e-aaaa-bbbb-cccc-123456789012', 'avi'))).toBe('GET /api/virtualservice');
    expect(readKind(req(0, 'GET /api/cloud/cloud-0b1c2d3e-aaaa-bbbb-cccc-123456789012/status', 'avi'))).toBe('GET /api/cloud/*/status');
    expect(readKind(req(0, 'GET /api/cluster/runtime', 'avi'))).toBe('GET /api/cluster/runtime');
    expect(readKind(req(0, 'DescribeVolumes'))).toBe('ec2 DescribeVolumes');
  });

  it('counts every write, one read per kind per step, a polling step once per poll-interval upper bound, and calls outside steps as they are', () => {
    const requests = [
      req(0, 'GET /api/initial-data', 'avi'), // before any step
      req(10, 'DescribeVolumes'), req(11, 'DescribeVolumes'), req(12, 'DescribeVolumes'), req(13, 'CreateVolume'), req(14, 'CreateVolume'),
      ...[100, 200, 300, 400, 500, 600, 700].map((t) => req(t, 'DescribeVolumes')),
    ];
    const steps = [inv(5, 20, false), inv(50, 750, true)];
    // Step 1: 2 writes + 1 read kind; step 2: 1 kind x ceil(700 / 250) = 3 looks; 1 outside.
    expect(callCounts(steps, requests, 250)).toEqual({ actual: 13, minimal: 7 });
    expect(callCounts(steps, requests, 10_000).minimal).toBe(5);
  });
});
