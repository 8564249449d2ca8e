// End to end: bad input to the SE runbooks gets one clear line, a non-zero exit and no mutating
// call in the lab's request log. Settings are refused before connecting (exit 2, one stderr
// line); what only the Controller or KMS can tell is refused by the preflight before any run
// starts (exit 3, the same one stderr line).

import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { DEFAULT_FLEET } from '../../src/lab/avi/fleet/options.js';
import { mutatingCount, runCli, startTestLab, type CliResult, type TestLab } from './lab-harness.js';
import { SE_TIME_SCALE, seArgs } from './se-harness.js';

jest.setTimeout(120_000);

let lab: TestLab;
beforeAll(async () => {
  // web-segroup is legacy active/standby; a vCenter cloud sits beside the AWS one.
  lab = await startTestLab(1, { timeScale: SE_TIME_SCALE, fleet: { ...DEFAULT_FLEET, legacyHa: true } });
  lab.fleet!.config().clouds.push({ uuid: 'cloud-7d2c0a4e-0000-4000-8000-000000000001', name: 'vcenter-cloud', vtype: 'CLOUD_VCENTER' });
});
afterAll(async () => lab?.stop());

const lines = (t: string) => t.split('\n').filter((l) => l.trim() !== '');

/** Runs the CLI and returns its one diagnostic line, checking the exit code and that nothing was changed. */
async function oneLine(args: string[], code: 2 | 3): Promise<string> {
  const before = mutatingCount(lab);
  const r: CliResult = await runCli(args, lab.cliEnv);
  const shown = JSON.stringify(r, null, 2);
  expect({ code: r.code, shown }).toEqual({ code, shown });
  expect(mutatingCount(lab)).toBe(before);
  // Bad flags (2) and preflight refusals (3, before any run starts) alike: one line on stderr, nothing else.
  expect({ stdout: r.stdout, shown }).toEqual({ stdout: '', shown });
  expect(lines(r.stderr)).toHaveLength(1);
  return lines(r.stderr)[0]!.replace(/^avi-encrypt: /, '');
}

const scaleOut = (...more: string[]) => seArgs(lab, 'migrate', 'se-scale-out', ...more);
const KEY_ELSEWHERE = 'arn:aws:kms:us-east-1:111122223333:key/0b7f3f5e-1111-4222-8333-944444444444';

describe('SE runbooks refuse bad input in one line, changing nothing', () => {
  it('an unknown cloud', async () => {
    expect(await oneLine(scaleOut('--cloud', 'Nope-Cloud'), 3)).toBe(
      'cloud "Nope-Cloud" does not exist on the Controller (clouds: Default-Cloud (CLOUD_AWS), vcenter-cloud (CLOUD_VCENTER)); pass one with --cloud',
    );
  });

  it('a non-AWS cloud', async () => {
    expect(await oneLine(scaleOut('--cloud', 'vcenter-cloud'), 3)).toMatch(/^cloud vcenter-cloud is CLOUD_VCENTER, not an AWS cloud \(CLOUD_AWS\)/);
  });

  it('an unknown SE group', async () => {
    expect(await oneLine(scaleOut('--se-group', 'Default-Group', '--se-group', 'db-segroup'), 3)).toBe(
      'SE group "db-segroup" is not in cloud Default-Cloud (its SE groups: Default-Group, web-segroup); check --se-group',
    );
  });

  it('a key in another region: as an ARN beside --region, and as the region the run is pointed at', async () => {
    expect(await oneLine(scaleOut('--kms-key', KEY_ELSEWHERE), 2)).toMatch(/^KMS key ARN is in us-east-1 but the region is eu-west-1/);
    expect(await oneLine(scaleOut('--kms-key', KEY_ELSEWHERE, '--region', 'us-east-1'), 3)).toBe(
      'cloud Default-Cloud is in eu-west-1 but the run uses us-east-1: set --region eu-west-1',
    );
  });

  it('a malformed key ARN', async () => {
    expect(await oneLine(scaleOut('--kms-key', 'arn:aws:kms:eu-west-1:1111:key/abc'), 2)).toMatch(/^KMS key "arn:aws:kms:eu-west-1:1111:key\/abc" is not a key id, key ARN/);
  });

  it('a legacy active/standby group for se-scale-out, with the documented alternative (se-relaunch takes it)', async () => {
    expect(await oneLine(scaleOut(), 3)).toMatch(
      /^SE group web-segroup is HA_MODE_LEGACY_ACTIVE_STANDBY: Avi does not support disabling or migrating its SEs, .* switch over each pair .* move the standby SE to a maintenance SE group .*\(--strategy se-relaunch --se-group web-segroup/,
    );
    const relaunch = await runCli(seArgs(lab, 'plan', 'se-relaunch', '--se-group', 'web-segroup'), lab.cliEnv);
    expect({ code: relaunch.code, err: relaunch.stderr }).toEqual({ code: 0, err: '' });
  });

  it('--concurrency 0, and no --cloud', async () => {
    expect(await oneLine(scaleOut('--concurrency', '0'), 2)).toBe('--concurrency must be a whole number of SE groups from 1 to 32 (got 0): set it to e.g. 2');
    expect(await oneLine(['migrate', '--strategy', 'se-relaunch', '--yes', '--state-dir', lab.stateDir], 2)).toMatch(/^strategy se-relaunch needs the Avi cloud .*: set --cloud/);
  });

  it('a setting of another strategy', async () => {
    expect(await oneLine(scaleOut('--encrypted-ami', 'ami-0abc1234'), 2)).toBe('--encrypted-ami is a setting of controller-swap, controller-new-vms, not of se-scale-out: drop it');
  });
});
