import { describe, expect, it } from '@jest/globals';
import { EXIT } from '../../src/engine/exit-codes.js';
import { validateKmsKey } from '../../src/cli/validate.js';
import { expectOneLine, parse, settingsOf } from './helpers.js';

// Everything valid except what a test overrides (later flags win in yargs).
const base = ['plan', '--strategy', 'controller-swap', '--controller', 'https://10.0.0.10', '--region', 'us-east-1', '--encrypted-ami', 'ami-0abc1234'];
const plan = (...extra: string[]) => parse([...base, ...extra]);

describe('controller', () => {
  it('missing names the flag and the env var', async () => {
    await expectOneLine(parse(['plan', '--strategy', 'controller-swap', '--region', 'us-east-1']), EXIT.usage, /--controller or AVI_CONTROLLER/);
  });

  it('not a URL', async () => {
    await expectOneLine(plan('--controller', '10.0.0.10'), EXIT.usage, /not a URL/, /https:\/\//);
  });

  it('https:// is required, loopback included: the password travels in the login body', async () => {
    await expectOneLine(plan('--controller', 'http://10.0.0.10'), EXIT.usage, /must use https:\/\//, /use https:\/\/10\.0\.0\.10/);
    await expectOneLine(plan('--controller', 'http://127.0.0.1:8443'), EXIT.usage, /must use https:\/\//, /use https:\/\/127\.0\.0\.1:8443/);
    await expectOneLine(plan('--controller', 'http://localhost:9000/'), EXIT.usage, /must use https:\/\//);
    await expectOneLine(plan('--controller', 'ftp://10.0.0.10'), EXIT.usage, /must use https:\/\//);
    expect((await settingsOf([...base, '--controller', 'https://localhost:9000/'])).avi.controller).toBe('https://localhost:9000');
  });

  it('credentials or a path in the URL are refused', async () => {
    await expectOneLine(plan('--controller', 'https://admin:pw@10.0.0.10'), EXIT.usage, /AVI_PASSWORD/);
    await expectOneLine(plan('--controller', 'https://10.0.0.10/api/cluster'), EXIT.usage, /give only https:\/\/10\.0\.0\.10/);
  });
});

describe('region', () => {
  it('missing names --region, AWS_REGION and AWS_DEFAULT_REGION', async () => {
    await expectOneLine(
      parse(['plan', '--strategy', 'controller-swap', '--controller', 'https://10.0.0.10', '--encrypted-ami', 'ami-0abc1234']),
      EXIT.usage,
      /--region, AWS_REGION or AWS_DEFAULT_REGION/,
    );
  });

  it('malformed', async () => {
    await expectOneLine(plan('--region', 'virginia'), EXIT.usage, /"virginia"/, /us-east-1/);
  });
});

describe('KMS key', () => {
  const ok = [
    '1234abcd-12ab-34cd-56ef-1234567890ab',
    'mrk-1234abcd12ab34cd56ef1234567890ab',
    'alias/avi',
    'alias/aws/ebs',
    'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    'arn:aws:kms:us-east-1:111122223333:alias/avi-prod',
  ];
  it.each(ok)('accepts %s', (key) => expect(() => validateKmsKey(key, 'us-east-1')).not.toThrow());

  it('accepts partitions like aws-us-gov', () => {
    expect(() => validateKmsKey('arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/x', 'us-gov-west-1')).not.toThrow();
  });

  it.each(['avi', 'key/1234', 'arn:aws:kms:us-east-1:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'alias/'])('refuses %s', async (key) => {
    await expectOneLine(plan('--kms-key', key), EXIT.usage, /key id, key ARN, alias/, /--kms-key or AVI_ENCRYPT_KMS_KEY/);
  });

  it('a key ARN from another region is refused, naming both regions', async () => {
    const arn = 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    await expectOneLine(plan('--kms-key', arn), EXIT.usage, /in us-west-2 but the region is us-east-1/, /--region us-west-2/);
  });
});

describe('encrypted AMI', () => {
  it('required for controller strategies, says a later version creates it', async () => {
    await expectOneLine(
      parse(['plan', '--strategy', 'controller-swap', '--controller', 'https://10.0.0.10', '--region', 'us-east-1']),
      EXIT.usage,
      /--encrypted-ami or AVI_ENCRYPT_ENCRYPTED_AMI/,
      /later version/,
    );
  });

  it.each(['ami-12', 'ami-XYZ12345', 'i-0abc1234'])('malformed %s', async (ami) => {
    await expectOneLine(plan('--encrypted-ami', ami), EXIT.usage, /not an AMI id/, /ami-0abc/);
  });
});

describe('CA bundle, numbers', () => {
  it('an unreadable CA bundle names the path and the fix', async () => {
    await expectOneLine(plan('--ca-bundle', '/nope/ca.pem'), EXIT.usage, /"\/nope\/ca\.pem" cannot be read \(ENOENT\)/, /--ca-bundle or AVI_ENCRYPT_CA_BUNDLE/);
    const s = await settingsOf([...base, '--ca-bundle', '/ca.pem'], {}, { '/ca.pem': 'pem' });
    expect(s.avi.caBundle).toBe('/ca.pem');
  });

  it.each([
    [['--poll-interval', '0'], /--poll-interval must be a positive number of milliseconds/],
    [['--poll-interval', 'abc'], /--poll-interval/],
    [['--wait-timeout', '-5'], /--wait-timeout must be a positive number of minutes/],
  ])('flag %j', async (extra, re) => {
    await expectOneLine(plan(...extra), EXIT.usage, re, /e\.g\./);
  });

  it('names the environment variable when the bad number came from there', async () => {
    await expectOneLine(parse(base, { AVI_ENCRYPT_WAIT_TIMEOUT: 'soon' }), EXIT.usage, /AVI_ENCRYPT_WAIT_TIMEOUT .*"soon"/);
    await expectOneLine(parse(base, { AVI_ENCRYPT_POLL_INTERVAL: '0' }), EXIT.usage, /AVI_ENCRYPT_POLL_INTERVAL/);
  });

  it('fractional minutes become whole milliseconds', async () => {
    expect((await settingsOf([...base, '--wait-timeout', '0.5'])).waitTimeoutMs).toBe(30_000);
  });
});
