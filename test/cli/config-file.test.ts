import { describe, expect, it } from '@jest/globals';
import { EXIT } from '../../src/engine/exit-codes.js';
import { expectOneLine, parse, settingsOf, SWAP_DEFAULTS } from './helpers.js';

const YAML = `# avi-encrypt settings
strategy: controller-swap
controller: https://ctl.example.com
username: svc-encrypt
tenant: admin
apiVersion: "30.2.1"
caBundle: certs/ca.pem
region: eu-central-1
profile: prod
kmsKey: alias/avi
stateDir: /var/lib/avi-encrypt
pollInterval: 2000
waitTimeout: 45
controller-swap:
  encryptedAmi: ami-0123456789abcdef0
`;

describe('--config file', () => {
  it('YAML: every key maps onto Settings; relative paths are relative to the file', async () => {
    const files = { 'etc/avi.yaml': YAML, 'etc/certs/ca.pem': 'pem', '/home/sre/.aws/credentials': '[prod]\naws_access_key_id = AKIA\n' };
    const s = await settingsOf(['plan', '--config', 'etc/avi.yaml'], { HOME: '/home/sre' }, files);
    expect(s).toEqual({
      strategy: 'controller-swap',
      avi: { controller: 'https://ctl.example.com', username: 'svc-encrypt', tenant: 'admin', apiVersion: '30.2.1', caBundle: 'etc/certs/ca.pem' },
      aws: { region: 'eu-central-1', profile: 'prod' },
      kmsKey: 'alias/avi',
      stateDir: '/var/lib/avi-encrypt',
      pollIntervalMs: 2000,
      pollMinMs: 1000,
      waitTimeoutMs: 45 * 60_000,
      rollback: true,
      runbook: { encryptedAmi: 'ami-0123456789abcdef0', ...SWAP_DEFAULTS },
    });
  });

  it('JSON works the same, and flags still win over it', async () => {
    const json = JSON.stringify({ strategy: 'controller-swap', controller: 'https://10.0.0.10', region: 'us-east-1', 'controller-swap': { encryptedAmi: 'ami-0abc1234' }, kmsKey: 'alias/from-file' });
    const s = await settingsOf(['plan', '--config', 'avi.json', '--kms-key', 'alias/from-flag'], { AVI_ENCRYPT_KMS_KEY: 'alias/from-env' }, { 'avi.json': json });
    expect(s.kmsKey).toBe('alias/from-flag');
    expect(s.avi.controller).toBe('https://10.0.0.10');
  });

  it('the file beats the environment', async () => {
    const s = await settingsOf(['plan', ...['--strategy', 'controller-swap', '--encrypted-ami', 'ami-0abc1234'], '--config', 'c.yaml'], { AVI_CONTROLLER: 'https://env.example.com', AWS_REGION: 'us-east-1' }, { 'c.yaml': 'controller: https://file.example.com\n' });
    expect(s.avi.controller).toBe('https://file.example.com');
    expect(s.aws.region).toBe('us-east-1');
  });

  it('an unknown key is named, with the allowed keys', async () => {
    await expectOneLine(parse(['plan', '--config', 'c.yaml'], {}, { 'c.yaml': 'controler: https://x\n' }), EXIT.usage, /unknown key "controler"/, /allowed keys: controller/);
  });

  it('a kebab-case key suggests the camelCase one', async () => {
    await expectOneLine(parse(['plan', '--config', 'c.yaml'], {}, { 'c.yaml': 'kms-key: alias/x\n' }), EXIT.usage, /did you mean "kmsKey"/);
  });

  it('a strategy section takes only that runbook\'s own settings, and no secrets', async () => {
    await expectOneLine(
      parse(['plan', '--config', 'c.yaml'], {}, { 'c.yaml': 'controller-swap:\n  encryptedAMI: ami-0abc1234\n' }),
      EXIT.usage, /unknown key "encryptedAMI" in the controller-swap section/, /allowed keys: encryptedAmi/,
    );
    await expectOneLine(
      parse(['plan', '--config', 'c.yaml'], {}, { 'c.yaml': 'controller-new-vms:\n  x: 1\n' }), EXIT.usage, /unknown key "x" in the controller-new-vms section/, /allowed keys: encryptedAmi, terminateOld/,
    );
    const m = await expectOneLine(parse(['plan', '--config', 'c.yaml'], {}, { 'c.yaml': 'controller-swap:\n  passphrase: hunter2\n' }), EXIT.usage, /controller-swap\.passphrase/, /AVI_BACKUP_PASSPHRASE/);
    expect(m).not.toContain('hunter2');
  });

  it('encryptedAmi at the top level is refused: it belongs in the controller-swap section', async () => {
    await expectOneLine(parse(['plan', '--config', 'c.yaml'], {}, { 'c.yaml': 'encryptedAmi: ami-0abc1234\n' }), EXIT.usage, /unknown key "encryptedAmi"/, /a section per strategy/);
  });

  it.each(['password', 'passphrase', 'secretAccessKey', 'avi_password'])('refuses the secret key %s', async (key) => {
    const m = await expectOneLine(parse(['plan', '--config', 'c.yaml'], {}, { 'c.yaml': `controller: https://x\n${key}: hunter2\n` }), EXIT.usage, /secrets don't go in config files/);
    expect(m).not.toContain('hunter2');
  });

  it('points password at AVI_PASSWORD and passphrase at AVI_BACKUP_PASSPHRASE', async () => {
    await expectOneLine(parse(['plan', '--config', 'c.json'], {}, { 'c.json': '{"password":"x"}' }), EXIT.usage, /AVI_PASSWORD/);
    await expectOneLine(parse(['plan', '--config', 'c.json'], {}, { 'c.json': '{"passphrase":"x"}' }), EXIT.usage, /AVI_BACKUP_PASSPHRASE/);
  });

  it('a missing, malformed or non-mapping file is one line', async () => {
    await expectOneLine(parse(['plan', '--config', 'gone.yaml']), EXIT.usage, /"gone\.yaml" cannot be read \(ENOENT\)/, /--config/);
    await expectOneLine(parse(['plan', '--config', 'c.json'], {}, { 'c.json': '{"strategy": ' }), EXIT.usage, /not valid JSON/);
    await expectOneLine(parse(['plan', '--config', 'c.yaml'], {}, { 'c.yaml': 'a: [1,\n  b: }' }), EXIT.usage, /not valid YAML/);
    await expectOneLine(parse(['plan', '--config', 'c.yaml'], {}, { 'c.yaml': '- controller\n' }), EXIT.usage, /must hold a mapping/);
  });

  it('wrongly typed values are one line with the fix', async () => {
    await expectOneLine(parse(['plan', '--config', 'c.yaml'], {}, { 'c.yaml': 'apiVersion: 30.2\n' }), EXIT.usage, /quote it: apiVersion: "30.2"/);
    await expectOneLine(parse(['plan', '--config', 'c.yaml'], {}, { 'c.yaml': 'pollInterval: [1]\n' }), EXIT.usage, /pollInterval.*must be a number/);
    await expectOneLine(
      parse(['plan', '--strategy', 'controller-swap', '--config', 'c.yaml'], {}, { 'c.yaml': 'waitTimeout: 0\n' }),
      EXIT.usage,
      /waitTimeout in c\.yaml must be a positive number of minutes/,
    );
  });
});
