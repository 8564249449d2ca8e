// The bench's lower bounds and timeline measures, from hand-built durations and timelines.

import { describe, expect, it } from '@jest/globals';
import {
  launchesPerGroup, newVmsMakespanBound, nodeDowntimeBound, nodeDowntimeMs, relaunchGroupBound, scaleOutGroupBound, seMakespanBound, swapMakespanBound, vsOutageBound, vsOutagesMs,
} from '../../bench/calc/bounds.js';
import { makespanMs, stepWindows } from '../../bench/calc/windows.js';
import type { JournalEntry } from '../../src/engine/journal.js';
import type { TimelineEntry } from '../../src/lab/world/types.js';

const ec2 = { stop: 30, start: 20, terminate: 30, volumeCreate: 40, attach: 5, detach: 6 };
const ctl = { bootMs: 150, restartMs: 100, convergeMs: 300 };
const fleet = { seBootMs: 240, scaleOutMs: 30, scaleInMs: 10, imageGenMs: 600 };
const tl = (s: number, subject: string, state: string, detail?: string): TimelineEntry =>
  ({ at: new Date(s * 1000).toISOString(), subject, state, ...(detail ? { detail } : {}) });

describe('lower bounds', () => {
  it('a swapped node: stop, detach, attach, start, boot, then convergence (3 nodes) or the restore restart (1 node)', () => {
    expect(nodeDowntimeBound(ec2, ctl, 3)).toBe(30 + 6 + 5 + 20 + 150 + 300);
    expect(nodeDowntimeBound(ec2, ctl, 1)).toBe(30 + 6 + 5 + 20 + 150 + 100);
  });

  it('new VMs: launched and booted together, a re-formation per node, one leader failover, the old VMs stopped together', () => {
    const membership = { ...ctl, reformMs: 400, failoverMs: 120, heartbeatMs: 10, missedHeartbeats: 4 };
    expect(newVmsMakespanBound(ec2, membership, 3)).toBe(20 + 150 + 3 * 400 + 40 + 120 + 30);
    expect(swapMakespanBound(ec2, ctl, 3, 2)).toBe(40 + 2 * 511);
  });

  it('SE groups: drains one at a time, a launch where the Controller made a new SE, the image first, groups in parallel', () => {
    expect(scaleOutGroupBound(ec2, fleet, 4, 1)).toBe(260 + 4 * 40 + 30);
    expect(vsOutageBound(ec2, fleet)).toBe(290);
    expect(relaunchGroupBound({ ...ec2, terminate: 400 }, fleet)).toBe(400);
    expect(seMakespanBound(fleet, [100, 100, 100, 100], 2)).toBe(600 + 200);
    expect(seMakespanBound(fleet, [500, 100, 100], 3)).toBe(600 + 500);
  });
});

describe('measured from the timeline', () => {
  it('a node is down from its instance stopping to the last cluster READY its wait saw', () => {
    const timeline = [
      tl(0, 'cluster', 'CLUSTER_UP_NO_HA'), tl(10, 'instance:i-1', 'stopping'), tl(12, 'cluster', 'CLUSTER_REBOOTING'),
      tl(200, 'cluster', 'CLUSTER_UP_NO_HA'), tl(210, 'cluster', 'CLUSTER_STARTING_UP'), tl(300, 'cluster', 'CLUSTER_UP_NO_HA'), tl(900, 'cluster', 'CLUSTER_UP_NO_HA'),
    ];
    expect(nodeDowntimeMs(timeline, 'i-1', 301_000)).toBe(290_000);
    expect(nodeDowntimeMs(timeline, 'i-2', 301_000)).toBeUndefined();
  });

  it('each VS outage from OPER_DOWN to the next OPER_UP; launches per SE group', () => {
    const timeline = [tl(0, 'vs:a', 'OPER_UP'), tl(5, 'vs:a', 'OPER_DOWN'), tl(9, 'vs:b', 'OPER_DOWN'), tl(300, 'vs:a', 'OPER_UP'), tl(310, 'vs:b', 'OPER_UP'),
      tl(6, 'se:Avi-se-new', 'SE_STATE_ENABLED/SE_POWER_OFF/OPER_CREATING', 'launched i-9 (10.0.0.9) from ami-1, root encrypted'), tl(7, 'se:Avi-se-old', 'DELETED')];
    expect(vsOutagesMs(timeline)).toEqual(new Map([['a', [295_000]], ['b', [301_000]]]));
    expect(launchesPerGroup(timeline, new Map([['Avi-se-new', 'g1'], ['Avi-se-old', 'g1']]))).toEqual(new Map([['g1', 1]]));
  });

  it('steps and makespan from the journal', () => {
    const e = (s: number, event: JournalEntry['event'], step?: string): JournalEntry => ({ at: new Date(s * 1000).toISOString(), runId: 'r', event, ...(step ? { step } : {}) });
    const journal = [e(1, 'run-started'), e(2, 'step-started', 'a'), e(3, 'wait', 'a'), e(5, 'step-finished', 'a'), e(6, 'step-started', 'b'), e(7, 'step-failed', 'b'), e(9, 'run-finished')];
    expect(stepWindows(journal).map((i) => [i.step, i.end - i.start, i.polled])).toEqual([['a', 3000, true], ['b', 1000, false]]);
    expect(makespanMs(journal)).toBe(8000);
  });
});
