// A named AWS profile must exist in the shared files before any call; the SDK alone would say
// only "Could not load credentials from any providers".

import { describe, expect, it } from '@jest/globals';
import { EXIT } from '../../src/engine/exit-codes.js';
import { expectOneLine, settingsOf, parse, VALID } from './helpers.js';

const FILES = {
  '/home/sre/.aws/config': '[default]\nregion = eu-west-1\n\n[profile prod]\nsso_session = corp\n\n[sso-session corp]\nsso_region = eu-west-1\n',
  '/home/sre/.aws/credentials': '[ci]\naws_access_key_id = AKIA\n',
};
const ENV = { HOME: '/home/sre' };

describe('AWS profile', () => {
  it('a profile from the config file ([profile name]) or the credentials file ([name]) is accepted', async () => {
    expect((await settingsOf(['plan', ...VALID, '--profile', 'prod'], ENV, FILES)).aws.profile).toBe('prod');
    expect((await settingsOf(['plan', ...VALID, '--profile', 'ci'], ENV, FILES)).aws.profile).toBe('ci');
    expect((await settingsOf(['plan', ...VALID], { ...ENV, AWS_PROFILE: 'default' }, FILES)).aws.profile).toBe('default');
  });

  it('an unknown profile is one line naming it, where it came from, the files and the ones that exist', async () => {
    const msg = await expectOneLine(parse(['plan', ...VALID, '--profile', 'no-such-profile'], ENV, FILES), EXIT.usage,
      /AWS profile "no-such-profile" \(--profile\)/, /\/home\/sre\/\.aws\/config/, /\/home\/sre\/\.aws\/credentials/, /aws configure --profile no-such-profile/);
    expect(msg).toContain('profiles there: default, prod, ci');
    // An sso-session section is not a profile.
    expect(msg).not.toContain('corp');
    await expectOneLine(parse(['plan', ...VALID], { ...ENV, AWS_PROFILE: 'gone' }, FILES), EXIT.usage, /"gone" \(AWS_PROFILE\)/, /fix AWS_PROFILE/);
  });

  it('AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE are honoured, as the SDK does', async () => {
    const files = { '/etc/aws/config': '[profile ops]\n', '/etc/aws/creds': '[batch]\n' };
    const env = { HOME: '/home/sre', AWS_CONFIG_FILE: '/etc/aws/config', AWS_SHARED_CREDENTIALS_FILE: '/etc/aws/creds' };
    expect((await settingsOf(['plan', ...VALID, '--profile', 'ops'], env, files)).aws.profile).toBe('ops');
    expect((await settingsOf(['plan', ...VALID, '--profile', 'batch'], env, files)).aws.profile).toBe('batch');
    await expectOneLine(parse(['plan', ...VALID, '--profile', 'prod'], env, { ...files, ...FILES }), EXIT.usage, /\/etc\/aws\/config or \/etc\/aws\/creds/);
  });

  it('no profile given: nothing to check (the SDK chain decides)', async () => {
    expect((await settingsOf(['plan', ...VALID], ENV, {})).aws.profile).toBeUndefined();
  });
});
