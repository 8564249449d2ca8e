import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLabSshKeys } from '../../src/lab/avi/ssh-keys.js';
import { EXIT } from '../../src/engine/exit-codes.js';
import { validateKmsKey } from '../../src/cli/validate.js';
import { expectOneLine, parse, settingsOf, SWAP_DEFAULTS } from './helpers.js';

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
  it('optional for controller-swap: without it the run makes an encrypted copy (of --source-ami or the nodes\' AMI)', async () => {
    const noAmi = ['plan', '--strategy', 'controller-swap', '--controller', 'https://10.0.0.10', '--region', 'us-east-1'];
    expect((await settingsOf(noAmi)).runbook).toEqual(SWAP_DEFAULTS);
    expect((await settingsOf([...noAmi, '--source-ami', 'ami-0def5678'])).runbook).toEqual({ sourceAmi: 'ami-0def5678', ...SWAP_DEFAULTS });
  });

  it.each(['ami-12', 'ami-XYZ12345', 'i-0abc1234'])('malformed %s', async (ami) => {
    await expectOneLine(plan('--encrypted-ami', ami), EXIT.usage, /not an AMI id/, /ami-0abc/);
    await expectOneLine(plan('--source-ami', ami), EXIT.usage, /not an AMI id/);
  });

  it('an AMI to copy beside the encrypted one is refused', async () => {
    await expectOneLine(plan('--source-ami', 'ami-0def5678'), EXIT.usage, /--source-ami names an AMI to copy, but --encrypted-ami already gives/);
  });
});

describe('1-node restore settings', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'avi-ssh-settings-'));
    const key = generateLabSshKeys();
    writeFileSync(join(dir, 'id'), key.adminPrivate, { mode: 0o600 });
    writeFileSync(join(dir, 'id.pub'), key.adminPublic);
    writeFileSync(join(dir, 'locked'), 'x', { mode: 0o000 });
    writeFileSync(join(dir, 'known_hosts'), '');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes a readable private key, known_hosts, an endpoint override and the restore method', async () => {
    const s = await settingsOf([...base, '--ssh-key', join(dir, 'id'), '--known-hosts', join(dir, 'known_hosts'), '--restore-via', 'api'], { AVI_ENCRYPT_SSH_ENDPOINT: '127.0.0.1:2222' });
    expect(s.runbook).toEqual({
      encryptedAmi: 'ami-0abc1234', restoreVia: 'api',
      ssh: { key: join(dir, 'id'), knownHosts: join(dir, 'known_hosts'), acceptNewHostKey: false, endpoint: '127.0.0.1:2222', user: 'admin' },
    });
  });

  it('an SSH key that is missing, unreadable or not a private key is one line, before anything starts', async () => {
    await expectOneLine(plan('--ssh-key', join(dir, 'nope')), EXIT.usage, /SSH key .*nope \(--ssh-key\) cannot be read \(ENOENT\)/);
    await expectOneLine(parse(base, { AVI_ENCRYPT_SSH_KEY: join(dir, 'nope') }), EXIT.usage, /\(AVI_ENCRYPT_SSH_KEY\) cannot be read/);
    if (process.getuid?.() !== 0) await expectOneLine(plan('--ssh-key', join(dir, 'locked')), EXIT.usage, /cannot be read \(EACCES\)/);
    await expectOneLine(plan('--ssh-key', join(dir, 'id.pub')), EXIT.usage, /cannot be used: it holds a public key/);
    await expectOneLine(plan('--ssh-key', join(dir, 'known_hosts')), EXIT.usage, /cannot be used: it is not a private key/);
  });

  it('known_hosts named on purpose must exist, unless the first use may start it', async () => {
    await expectOneLine(plan('--known-hosts', join(dir, 'none')), EXIT.usage, /known_hosts .*none \(--known-hosts\) cannot be read \(ENOENT\).*--accept-new-host-key/);
    expect((await settingsOf([...base, '--known-hosts', join(dir, 'none'), '--accept-new-host-key'])).runbook).toMatchObject({ ssh: { acceptNewHostKey: true } });
  });

  it('a bad restore method or endpoint names its source', async () => {
    await expectOneLine(plan('--restore-via', 'scp'), EXIT.usage, /restore method "scp" \(--restore-via\) is not ssh or api/);
    await expectOneLine(parse(base, { AVI_ENCRYPT_SSH_ENDPOINT: 'jump.example' }), EXIT.usage, /SSH endpoint "jump\.example" \(AVI_ENCRYPT_SSH_ENDPOINT\) is not host:port/);
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
    [['--poll-interval', '60000-1000'], /--poll-interval 60000-1000: the shortest gap comes first \(MIN-MAX in milliseconds/],
    [['--poll-interval', '0-1000'], /--poll-interval must be a positive number of milliseconds/],
    [['--wait-timeout', '-5'], /--wait-timeout must be a positive number of minutes/],
  ])('flag %j', async (extra, re) => {
    await expectOneLine(plan(...extra), EXIT.usage, re, /e\.g\./);
  });

  it('names the environment variable when the bad number came from there', async () => {
    await expectOneLine(parse(base, { AVI_ENCRYPT_WAIT_TIMEOUT: 'soon' }), EXIT.usage, /AVI_ENCRYPT_WAIT_TIMEOUT .*"soon"/);
    await expectOneLine(parse(base, { AVI_ENCRYPT_POLL_INTERVAL: '0' }), EXIT.usage, /AVI_ENCRYPT_POLL_INTERVAL/);
  });

  it('--poll-interval MIN-MAX bounds the gaps between looks; a single value is the longest gap; the default is 1 s to 60 s', async () => {
    expect(await settingsOf([...base, '--poll-interval', '2000-30000'])).toMatchObject({ pollMinMs: 2000, pollIntervalMs: 30_000 });
    expect(await settingsOf([...base, '--poll-interval', '10000'])).toMatchObject({ pollMinMs: 1000, pollIntervalMs: 10_000 });
    expect(await settingsOf(base)).toMatchObject({ pollMinMs: 1000, pollIntervalMs: 60_000 });
    expect((await settingsOf(base)).durationScale).toBeUndefined();
  });

  it('AVI_ENCRYPT_DURATION_SCALE (a lab\'s env) scales what waits expect; out of (0, 10] is refused', async () => {
    expect((await settingsOf(base, { AVI_ENCRYPT_DURATION_SCALE: '0.01' })).durationScale).toBe(0.01);
    await expectOneLine(parse(base, { AVI_ENCRYPT_DURATION_SCALE: '0' }), EXIT.usage, /AVI_ENCRYPT_DURATION_SCALE must be a number > 0 and <= 10 \(got "0"\)/);
  });

  it('fractional minutes become whole milliseconds', async () => {
    expect((await settingsOf([...base, '--wait-timeout', '0.5'])).waitTimeoutMs).toBe(30_000);
  });
});
