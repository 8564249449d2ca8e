// The command lines of preflight, plan --out and migrate --plan: a saved plan's settings rule,
// a flag that disagrees with them is refused, and a file that is not a plan is bad input.

import { describe, expect, it } from '@jest/globals';
import { EXIT } from '../../src/engine/exit-codes.js';
import { SAVED_PLAN_FORMAT, SAVED_PLAN_KIND } from '../../src/engine/saved-plan/file.js';
import { worldFingerprint } from '../../src/engine/saved-plan/world.js';
import { PLAN_VERSION } from '../../src/engine/plan/types.js';
import { expectOneLine, parse, VALID } from './helpers.js';

const FACTS = [{ key: 'runbook shape', value: 'abc' }];
const SETTINGS = {
  strategy: 'controller-swap', avi: { controller: 'https://10.0.0.10', username: 'admin', tenant: 'admin' }, aws: { region: 'us-east-1' },
  kmsKey: 'alias/avi', stateDir: './.avi-encrypt', pollIntervalMs: 10_000, waitTimeoutMs: 1_800_000, rollback: true, runbook: { encryptedAmi: 'ami-0abc1234' },
};
const PLAN_FILE = JSON.stringify({
  kind: SAVED_PLAN_KIND, format: SAVED_PLAN_FORMAT, createdAt: '2026-11-29T10:00:00.000Z', toolVersion: '0.1.0', settings: SETTINGS,
  plan: { version: PLAN_VERSION, strategy: 'controller-swap', fingerprint: 'abc', document: 'd', target: 't', region: 'us-east-1', targets: [], gates: [], rollback: [], steps: [] },
  data: {}, world: { fingerprint: worldFingerprint(FACTS), facts: FACTS },
});
const files = { 'p.plan': PLAN_FILE, 'junk.plan': '{"kind":"terraform"}' };

describe('preflight and plan --out', () => {
  it('preflight takes the settings of plan; plan --out carries the file', async () => {
    expect(await parse(['preflight', ...VALID, '--json'])).toMatchObject({ kind: 'preflight', json: true, settings: { strategy: 'controller-swap' } });
    expect(await parse(['plan', ...VALID, '--out', 'p.plan'])).toMatchObject({ kind: 'plan', out: 'p.plan' });
    expect(await parse(['plan', ...VALID])).not.toHaveProperty('out');
  });
});

describe('migrate --plan', () => {
  it('runs with the saved plan\'s settings, needing no other flag, and ignores the environment\'s settings', async () => {
    const cmd = await parse(['migrate', '--plan', 'p.plan', '--yes'], { AVI_CONTROLLER: 'https://elsewhere', AWS_REGION: 'eu-west-1' }, files);
    expect(cmd).toMatchObject({ kind: 'migrate', yes: true, dryRun: false, settings: SETTINGS, plan: { file: 'p.plan' } });
  });

  it('accepts flags that say what the plan says', async () => {
    const cmd = await parse(['migrate', '--plan', 'p.plan', '--strategy', 'controller-swap', '--kms-key', 'alias/avi', '--wait-timeout', '30', '--rollback', '--controller', 'https://10.0.0.10/'], {}, files);
    expect(cmd).toMatchObject({ kind: 'migrate', settings: SETTINGS });
  });

  it.each([
    [['--kms-key', 'alias/other'], /^--kms-key "alias\/other" disagrees with the plan in p\.plan \("alias\/avi"\): a saved plan runs with its own settings/],
    [['--no-rollback'], /^--rollback false disagrees with the plan in p\.plan \(true\)/],
    [['--wait-timeout', '5'], /^--wait-timeout 5 disagrees with the plan in p\.plan \(30\)/],
    [['--encrypted-ami', 'ami-0fff1234'], /^--encrypted-ami "ami-0fff1234" disagrees/],
    [['--config', 'c.yaml'], /^--config cannot be combined with --plan p\.plan/],
    [['--dry-run'], /^--dry-run cannot be combined with --plan p\.plan/],
  ])('refuses %j beside the plan: one line, exit 2', async (flags, message) => {
    await expectOneLine(parse(['migrate', '--plan', 'p.plan', ...flags], {}, files), EXIT.usage, message);
  });

  it('a file that is not a plan, or none at all, is one line, exit 2', async () => {
    await expectOneLine(parse(['migrate', '--plan', 'junk.plan'], {}, files), EXIT.usage, /^junk\.plan is not an avi-encrypt plan \(no "kind": "avi-encrypt-plan"\)/);
    await expectOneLine(parse(['migrate', '--plan', 'missing.plan'], {}, files), EXIT.usage, /^cannot read the plan missing\.plan \(ENOENT\)/);
  });
});
