// `lab up` fleet options: the CLI flags, their one-line refusals, and the daemon seeding the fleet
// they ask for (run as the real background process; needs the build in dist/).
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../src/engine/exit-codes.js';
import { DEFAULT_FLEET, fleetArgs, fleetOptions } from '../../src/lab/avi/fleet/options.js';
import { labDown, labUp } from '../../src/lab/control.js';
import { expectOneLine, parse } from '../cli/helpers.js';

describe('lab up fleet flags', () => {
  it('default to two groups of 4 and 2 SEs with one VS each, and build uniform benchmark fleets', async () => {
    expect(await parse(['lab', 'up'])).not.toHaveProperty('fleet');
    expect(await parse(['lab', 'up', '--se-groups', '20', '--ses-per-group', '5', '--vs-per-se', '2'])).toMatchObject({
      kind: 'lab-up', fleet: { groups: Array<number>(20).fill(5), vsPerSe: 2, maxSeTrap: false, legacyHa: false, deleteBusySe: 'refuse' },
    });
    expect(await parse(['lab', 'up', '--max-se-trap', '--legacy-ha', '--delete-busy-se', 'relaunch'])).toMatchObject({
      fleet: { ...DEFAULT_FLEET, maxSeTrap: true, legacyHa: true, deleteBusySe: 'relaunch' },
    });
    expect(fleetOptions({ seGroups: 1000, sesPerGroup: 1 }).groups).toHaveLength(1000);
  });

  it('refuse a fleet the lab cannot seed, in one line', async () => {
    await expectOneLine(parse(['lab', 'up', '--se-groups', '2', '--ses-per-group', '501']), EXIT.usage, /1002 SEs; the lab seeds at most 1000/);
    await expectOneLine(parse(['lab', 'up', '--ses-per-group', '0']), EXIT.usage, /--ses-per-group must be a whole number from 1 to 1000/);
    await expectOneLine(parse(['lab', 'up', '--vs-per-se', '1.5']), EXIT.usage, /--vs-per-se/);
    await expectOneLine(parse(['lab', 'up', '--se-groups', '3', '--legacy-ha']), EXIT.usage, /--legacy-ha needs a second SE group of exactly 2 SEs/);
    await expectOneLine(parse(['lab', 'up', '--delete-busy-se', 'sometimes']), EXIT.usage, /--delete-busy-se/);
  });

  it('pass through the daemon command line unchanged', () => {
    const o = fleetOptions({ seGroups: 3, sesPerGroup: 2, vsPerSe: 4, maxSeTrap: true });
    expect(fleetArgs(o)).toEqual(['--se-groups', '3', '--ses-per-group', '2', '--vs-per-se', '4', '--delete-busy-se', 'refuse', '--max-se-trap']);
    expect(fleetArgs(DEFAULT_FLEET)).toEqual(['--vs-per-se', '1', '--delete-busy-se', 'refuse']);
  });
});

describe('lab up with a fleet, as a background process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'avi-fleet-up-'));
  afterAll(async () => {
    await labDown({ dir }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('seeds the groups asked for and reports them in profile.json and /_lab/fleet', async () => {
    const profile = await labUp({ nodes: 1, timeScale: 0.01, dir, fleet: fleetOptions({ seGroups: 3, sesPerGroup: 2, vsPerSe: 2, maxSeTrap: true }) });
    expect(profile.fleet!.groups.map((g) => [g.serviceEngines, g.virtualServices, g.maxSe])).toEqual([[2, 4, 2], [2, 4, 2], [2, 4, 2]]);
    const served = await new Promise<any>((ok, fail) => get(`${profile.labUrl}/_lab/fleet`, (res) => {
      let t = '';
      res.on('data', (c) => (t += c)).on('end', () => ok(JSON.parse(t)));
    }).on('error', fail));
    expect(served).toEqual(profile.fleet);
    expect(served.seMgmtSubnets).toHaveLength(3);
  });
});
