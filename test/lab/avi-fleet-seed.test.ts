// Seeding a group whose SEs carry different numbers of virtual services (in-process labs only):
// a group of 4 SEs carrying 6 virtual services, dealt round-robin.
import { afterEach, describe, expect, it } from '@jest/globals';
import { DEFAULT_FLEET, fleetArgs } from '../../src/lab/avi/fleet/options.js';
import { groupSes, startFleet, type FleetFixture } from './fleet-harness.js';

let f: FleetFixture;
afterEach(async () => f?.close());

describe('virtual services per group', () => {
  it('deals a group\'s virtual services round-robin over its SEs', async () => {
    f = await startFleet({ groups: [4, 2], vsPerGroup: [6, 2] });
    const ses = await groupSes(f.client, 'Default-Group');
    expect(ses.map((s) => s.vs_refs.length).sort()).toEqual([1, 1, 2, 2]);
    expect(new Set(ses.flatMap((s) => s.vs_refs)).size).toBe(6);
    expect((await groupSes(f.client, 'web-segroup')).map((s) => s.vs_refs.length)).toEqual([1, 1]);
    expect(f.fleet.seed.groups.map((g) => g.virtualServices)).toEqual([6, 2]);
  });

  it('is refused for the daemon, which takes --vs-per-se only', () => {
    expect(() => fleetArgs({ ...DEFAULT_FLEET, vsPerGroup: [6, 2] })).toThrow(/--vs-per-se/);
  });
});
