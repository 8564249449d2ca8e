import { describe, expect, it } from '@jest/globals';
import { EXIT } from '../../src/engine/exit-codes.js';
import { HelpOutput, parseCommand } from '../../src/cli/parse.js';
import { DEFAULTS } from '../../src/runbook/settings.js';
import { expectOneLine, parse, settingsOf, SWAP_DEFAULTS, VALID } from './helpers.js';

describe('plan / migrate settings', () => {
  it('fills defaults for everything not given', async () => {
    const cmd = await parse(['plan', ...VALID]);
    expect(cmd).toEqual({
      kind: 'plan',
      json: false,
      settings: {
        strategy: 'controller-swap',
        avi: { controller: 'https://10.0.0.10', username: 'admin', tenant: 'admin' },
        aws: { region: 'us-east-1' },
        kmsKey: DEFAULTS.kmsKey,
        stateDir: DEFAULTS.stateDir,
        pollIntervalMs: DEFAULTS.pollIntervalMs,
        pollMinMs: DEFAULTS.pollMinMs,
        waitTimeoutMs: DEFAULTS.waitTimeoutMs,
        rollback: true,
        runbook: { encryptedAmi: 'ami-0abc1234', ...SWAP_DEFAULTS },
      },
    });
  });

  it('migrate carries --dry-run, --yes and --json', async () => {
    const cmd = await parse(['migrate', ...VALID, '--dry-run', '--yes', '--json']);
    expect(cmd).toMatchObject({ kind: 'migrate', dryRun: true, yes: true, json: true });
    const plain = await parse(['migrate', ...VALID]);
    expect(plain).toMatchObject({ kind: 'migrate', dryRun: false, yes: false, json: false });
  });

  it('precedence: flag > config file > environment > default', async () => {
    const env = { AVI_TENANT: 'env-t', AVI_USERNAME: 'env-u', AVI_API_VERSION: '22.1.3', AVI_ENCRYPT_POLL_INTERVAL: '500' };
    const files = { 'c.yaml': 'tenant: file-t\nusername: file-u\n' };
    const s = await settingsOf(['plan', ...VALID, '--config', 'c.yaml', '--tenant', 'flag-t'], env, files);
    expect(s.avi.tenant).toBe('flag-t'); // flag beats file and env
    expect(s.avi.username).toBe('file-u'); // file beats env
    expect(s.avi.apiVersion).toBe('22.1.3'); // env beats default
    expect(s.pollIntervalMs).toBe(500);
    expect(s.pollMinMs).toBe(500); // a single value bounds both ends when it is under the default 1 s
    expect(s.kmsKey).toBe('alias/aws/ebs'); // default
  });

  it('reads every setting from the environment, AWS_REGION before AWS_DEFAULT_REGION', async () => {
    const s = await settingsOf(['plan', '--strategy', 'controller-swap'], {
      AVI_CONTROLLER: 'https://ctl.example.com/',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PROFILE: 'ops',
      AVI_ENCRYPT_KMS_KEY: 'alias/avi',
      AVI_ENCRYPT_ENCRYPTED_AMI: 'ami-0123456789abcdef0',
      AVI_ENCRYPT_STATE_DIR: '/var/lib/ae',
      AVI_ENCRYPT_WAIT_TIMEOUT: '5',
      AVI_ENCRYPT_CA_BUNDLE: '/etc/ca.pem',
      AWS_CONFIG_FILE: '/aws/config',
    }, { '/etc/ca.pem': '-----BEGIN CERTIFICATE-----\n', '/aws/config': '[default]\nregion = eu-west-1\n\n[profile ops]\nregion = eu-west-1\n' });
    expect(s).toMatchObject({
      avi: { controller: 'https://ctl.example.com', caBundle: '/etc/ca.pem' },
      aws: { region: 'eu-west-1', profile: 'ops' },
      kmsKey: 'alias/avi',
      runbook: { encryptedAmi: 'ami-0123456789abcdef0' },
      stateDir: '/var/lib/ae',
      waitTimeoutMs: 5 * 60_000,
    });
  });

  it('empty environment variables count as unset', async () => {
    const s = await settingsOf(['plan', ...VALID], { AVI_ENCRYPT_KMS_KEY: '', AWS_REGION: '' });
    expect(s.kmsKey).toBe('alias/aws/ebs');
  });

  it('requires a strategy from a flag or the config file', async () => {
    await expectOneLine(parse(['plan', '--controller', 'https://10.0.0.10']), EXIT.usage, /--strategy/, /controller-swap/);
    const s = await settingsOf(['plan', '--config', 'c.json'], {}, {
      'c.json': JSON.stringify({ strategy: 'controller-swap', controller: 'https://10.0.0.10', region: 'us-east-1', 'controller-swap': { encryptedAmi: 'ami-0abc1234' } }),
    });
    expect(s.strategy).toBe('controller-swap');
  });
});

describe('runbook settings and v2 commands', () => {
  it('--no-rollback turns rollback off; it is on by default', async () => {
    expect((await settingsOf(['plan', ...VALID])).rollback).toBe(true);
    expect((await settingsOf(['migrate', ...VALID, '--no-rollback'])).rollback).toBe(false);
  });

  it('a runbook setting: flag > its section of the config file > environment', async () => {
    const files = { 'c.yaml': 'controller-swap:\n  encryptedAmi: ami-0000000000000000f\n' };
    const env = { AVI_ENCRYPT_ENCRYPTED_AMI: 'ami-00000000000000e0e' };
    const base = ['plan', '--strategy', 'controller-swap', '--controller', 'https://10.0.0.10', '--region', 'us-east-1'];
    expect((await settingsOf([...base, '--config', 'c.yaml', '--encrypted-ami', 'ami-0abc1234'], env, files)).runbook).toEqual({ encryptedAmi: 'ami-0abc1234', ...SWAP_DEFAULTS });
    expect((await settingsOf([...base, '--config', 'c.yaml'], env, files)).runbook).toEqual({ encryptedAmi: 'ami-0000000000000000f', ...SWAP_DEFAULTS });
    expect((await settingsOf(base, env)).runbook).toEqual({ encryptedAmi: 'ami-00000000000000e0e', ...SWAP_DEFAULTS });
  });

  it('a bad runbook setting names where it came from', async () => {
    const files = { 'c.yaml': 'controller-swap:\n  encryptedAmi: not-an-ami\n' };
    const base = ['plan', '--strategy', 'controller-swap', '--controller', 'https://10.0.0.10', '--region', 'us-east-1'];
    await expectOneLine(parse([...base, '--config', 'c.yaml'], {}, files), EXIT.usage, /"not-an-ami" \(controller-swap\.encryptedAmi in c\.yaml\) is not an AMI id/);
  });

  it('approve needs a run id; describe takes a strategy and a format', async () => {
    expect(await parse(['approve', 'r-1'])).toEqual({ kind: 'approve', stateDir: DEFAULTS.stateDir, runId: 'r-1' });
    // yargs' own words ("Not enough non-option arguments"), still one line with exit 2.
    await expectOneLine(parse(['approve']), EXIT.usage, /--help/);
    expect(await parse(['describe', '--strategy', 'controller-swap'])).toEqual({ kind: 'describe', strategy: 'controller-swap', format: 'text' });
    expect(await parse(['describe', '--strategy', 'controller-swap', '--format', 'mermaid'])).toMatchObject({ format: 'mermaid' });
    await expectOneLine(parse(['describe', '--strategy', 'controller-swap', '--format', 'svg']), EXIT.usage, /--format/, /mermaid/);
  });
});

describe('strategies', () => {
  it('an unknown strategy is one line listing the valid ones, exit 2', async () => {
    const m = await expectOneLine(parse(['plan', ...VALID, '--strategy', 'blue-green']), EXIT.usage, /blue-green/);
    for (const s of ['controller-swap', 'controller-new-vms', 'se-scale-out', 'se-relaunch']) expect(m).toContain(s);
  });

  it('an unknown strategy in the config file is refused the same way', async () => {
    await expectOneLine(parse(['plan', '--config', 'c.yaml'], {}, { 'c.yaml': 'strategy: yolo\n' }), EXIT.usage, /unknown strategy "yolo"/, /se-relaunch/);
  });

  it('every known strategy is implemented: each takes the shared settings', async () => {
    for (const strategy of ['controller-swap', 'controller-new-vms']) expect((await settingsOf(['plan', ...VALID, '--strategy', strategy])).strategy).toBe(strategy);
  });
});

describe('secrets never come from argv', () => {
  it.each(['--password', '--password=hunter2', '--avi-password', '--aviPassword'])('%s is refused', async (flag) => {
    const m = await expectOneLine(parse(['migrate', ...VALID, flag, 'x']), EXIT.usage, /AVI_PASSWORD/, /prompt/);
    expect(m).not.toContain('hunter2');
  });

  it.each(['--passphrase', '--backup-passphrase=x'])('%s is refused', async (flag) => {
    await expectOneLine(parse(['migrate', ...VALID, flag]), EXIT.usage, /AVI_BACKUP_PASSPHRASE/, /prompt/);
  });

  it.each(['--node-password', '--nodePassword=x'])('%s is refused, naming AVI_NODE_PASSWORD', async (flag) => {
    await expectOneLine(parse(['migrate', ...VALID, flag]), EXIT.usage, /initial admin password/, /AVI_NODE_PASSWORD/);
  });

  it('a node password in the config file is refused', async () => {
    await expectOneLine(parse(['plan', ...VALID, '--config', 'c.yaml'], {}, { 'c.yaml': 'nodePassword: x\n' }), EXIT.usage, /AVI_NODE_PASSWORD/);
  });
});

describe('controller-new-vms settings', () => {
  const NEW_VMS = ['--strategy', 'controller-new-vms', '--controller', 'https://10.0.0.10', '--region', 'us-east-1'];

  it('needs no encrypted AMI (the default launch encrypts the root); stops the old VMs unless --terminate-old', async () => {
    expect((await settingsOf(['plan', ...NEW_VMS])).runbook).toEqual({ terminateOld: false });
    expect((await settingsOf(['plan', ...NEW_VMS, '--terminate-old', '--encrypted-ami', 'ami-0abc1234'])).runbook).toEqual({ terminateOld: true, encryptedAmi: 'ami-0abc1234' });
    const file = { 'c.yaml': 'strategy: controller-new-vms\ncontroller-new-vms:\n  terminateOld: true\n' };
    expect((await settingsOf(['plan', '--controller', 'https://10.0.0.10', '--region', 'us-east-1', '--config', 'c.yaml'], {}, file)).runbook).toEqual({ terminateOld: true });
  });

  it('--terminate-old is refused for controller-swap, a bad AMI id for controller-new-vms', async () => {
    await expectOneLine(parse(['plan', ...VALID, '--terminate-old']), EXIT.usage, /--terminate-old is a setting of controller-new-vms, not of controller-swap/);
    await expectOneLine(parse(['plan', ...NEW_VMS, '--encrypted-ami', 'nope']), EXIT.usage, /"nope" \(--encrypted-ami\) is not an AMI id/);
  });
});

describe('command line errors', () => {
  it('unknown flags and commands are one line, exit 2', async () => {
    await expectOneLine(parse(['plan', ...VALID, '--bogus']), EXIT.usage, /Unknown argument: bogus/, /--help/);
    await expectOneLine(parse(['frobnicate']), EXIT.usage, /frobnicate/);
    await expectOneLine(parse([]), EXIT.usage, /choose a command/);
    await expectOneLine(parse(['lab']), EXIT.usage, /up, down, status or fault/);
    await expectOneLine(parse(['lab', 'sideways']), EXIT.usage, /sideways/);
  });

  it('--help and --version are returned as text, not printed', async () => {
    const help = await parseCommand(['migrate', '--help'], {}).catch((e: unknown) => e);
    expect(help).toBeInstanceOf(HelpOutput);
    const text = (help as HelpOutput).text;
    expect(text).toContain('--encrypted-ami');
    expect(text).toContain('Examples:');
    expect(text).toContain('avi-encrypt migrate --strategy controller-swap');
    expect(text).not.toContain('--password');
    const version = await parseCommand(['--version'], {}).catch((e: unknown) => e);
    expect((version as HelpOutput).text).toMatch(/^avi-encrypt \d+\.\d+\.\d+\nsupported: Avi Vantage \/ NSX Advanced Load Balancer 17\.2\.3 or later/);
  });
});

describe('resume / status', () => {
  it('resume without a run id', async () => {
    expect(await parse(['resume'])).toEqual({ kind: 'resume', stateDir: DEFAULTS.stateDir, yes: false });
  });

  it('resume with a run id, --state-dir, --yes and a poll interval from the environment', async () => {
    const cmd = await parse(['resume', 'r-20240501', '--state-dir', '/srv/ae', '--yes'], { AVI_ENCRYPT_POLL_INTERVAL: '50' });
    expect(cmd).toEqual({ kind: 'resume', stateDir: '/srv/ae', runId: 'r-20240501', yes: true, pollIntervalMs: 50, pollMinMs: 50 });
  });

  it('resume takes a rehearsal lab\'s poll bounds and duration scale from its env', async () => {
    const cmd = await parse(['resume', '--yes'], { AVI_ENCRYPT_POLL_INTERVAL: '10-600', AVI_ENCRYPT_DURATION_SCALE: '0.01' });
    expect(cmd).toMatchObject({ kind: 'resume', pollMinMs: 10, pollIntervalMs: 600, durationScale: 0.01 });
  });

  it('a run id that is a path is refused', async () => {
    await expectOneLine(parse(['resume', '../etc']), EXIT.usage, /status/);
  });

  it('status takes the state dir from the environment', async () => {
    expect(await parse(['status', '--json'], { AVI_ENCRYPT_STATE_DIR: '/srv/ae' })).toEqual({ kind: 'status', stateDir: '/srv/ae', json: true });
    expect(await parse(['status', 'r1'])).toMatchObject({ runId: 'r1' });
  });
});

describe('lab', () => {
  it('lab up defaults', async () => {
    expect(await parse(['lab', 'up'])).toEqual({ kind: 'lab-up', nodes: 3, timeScale: 0.01, dir: './.lab' });
  });

  it('lab up options and lab down', async () => {
    expect(await parse(['lab', 'up', '--nodes', '1', '--time-scale', '1', '--dir', '/tmp/l'])).toEqual({ kind: 'lab-up', nodes: 1, timeScale: 1, dir: '/tmp/l' });
    expect(await parse(['lab', 'down', '--dir', '/tmp/l'])).toEqual({ kind: 'lab-down', dir: '/tmp/l' });
  });

  it('rejects a bad node count or time scale in one line', async () => {
    await expectOneLine(parse(['lab', 'up', '--nodes', '2']), EXIT.usage, /--nodes/, /1, 3/);
    await expectOneLine(parse(['lab', 'up', '--time-scale', '0']), EXIT.usage, /--time-scale must be > 0 and <= 10/);
    await expectOneLine(parse(['lab', 'up', '--time-scale', '11']), EXIT.usage, /--time-scale/);
    await expectOneLine(parse(['lab', 'down', '--nodes', '1']), EXIT.usage, /Unknown argument: nodes/);
  });
});
