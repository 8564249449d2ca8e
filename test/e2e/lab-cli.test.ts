// The lab as an SRE drives it: lab up in the background, lab fault to inject and clear, lab
// status to see what is in force, lab down. Bad requests are one line with exit 2.

import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnvFor, runCli } from './lab-harness.js';

const tmp = mkdtempSync(join(tmpdir(), 'avi-lab-cli-'));
const dir = join(tmp, 'lab');
const env = cliEnvFor({ env: {} });
afterAll(async () => {
  await runCli(['lab', 'down', '--dir', dir], env);
  rmSync(tmp, { recursive: true, force: true });
});

describe('lab fault and lab status', () => {
  it('injects, lists and clears faults on a background lab', async () => {
    expect((await runCli(['lab', 'up', '--dir', dir], env)).code).toBe(0);
    const throttled = await runCli(['lab', 'fault', 'throttle', '--rate', '0.3', '--dir', dir], env);
    expect({ code: throttled.code, out: throttled.stdout }).toEqual({ code: 0, out: 'fault throttle: 30% of EC2/KMS calls answer RequestLimitExceeded/ThrottlingException\n' });
    const status = await runCli(['lab', 'status', '--dir', dir], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^lab \(pid \d+, time scale 0\.01\) since /);
    expect(status.stdout).toContain('fault throttle: 30%');
    const json = JSON.parse((await runCli(['lab', 'status', '--json', '--dir', dir], env)).stdout) as { faults: Array<{ kind: string }> };
    expect(json.faults.map((f) => f.kind)).toEqual(['throttle']);
    expect((await runCli(['lab', 'fault', 'clear', '--dir', dir], env)).stdout).toBe('no fault in force\n');

    const bad = await runCli(['lab', 'fault', 'start-fails', '--dir', dir], env);
    expect({ code: bad.code, err: bad.stderr.trim() }).toEqual({ code: 2, err: 'avi-encrypt: the lab refused the fault: start-fails needs --instance i-…' });
    const unknown = await runCli(['lab', 'fault', 'meteor', '--dir', dir], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^avi-encrypt: invalid value meteor for --kind: choose one of throttle, /);
    const badFor = await runCli(['lab', 'fault', 'api-down', '--for', 'soon', '--dir', dir], env);
    expect(badFor.stderr.trim()).toBe('avi-encrypt: --for "soon" is not a duration: use e.g. 60s, 2m or 1500ms');
    const nowhere = await runCli(['lab', 'status', '--dir', join(tmp, 'none')], env);
    expect({ code: nowhere.code, err: nowhere.stderr.trim() }).toEqual({ code: 2, err: `avi-encrypt: no lab is running in ${join(tmp, 'none')}: start one with "avi-encrypt lab up --dir ${join(tmp, 'none')}"` });
  }, 60_000);
});
