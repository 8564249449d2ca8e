// End to end: the cloud encryption prerequisite's edges. A blank master key is the service's
// default key, and the run says which key that is; an SE image the Controller cannot make stops
// the run before any SE is touched.

import { describe, expect, it, jest } from '@jest/globals';
import { mutatingCount, pollUntil, runCli, spawnCli, waitForExit } from './lab-harness.js';
import { aviWrites, seArgs, seLabs } from './se-harness.js';

jest.setTimeout(120_000);

const start = seLabs();

describe('the cloud encryption prerequisite', () => {
  it('a blank master key is the service default, alias/aws/ebs: the run says which key that is, and another key needs --rekey', async () => {
    const l = await start();
    const aws = l.fleet!.config().clouds[0]!.aws_configuration!;
    aws.ebs_encryption = { mode: 'AWS_ENCRYPTION_MODE_SSE_KMS' };
    const managed = l.seed.awsManagedKeyArn;

    const same = await runCli(seArgs(l, 'plan', 'se-scale-out', '--kms-key', 'alias/aws/ebs'), l.cliEnv);
    expect({ code: same.code, err: same.stderr }).toEqual({ code: 0, err: '' });
    expect(same.stdout).toContain(`ebs_encryption SSE-KMS with a blank master key: the service default alias/aws/ebs (${managed})`);
    expect(same.stdout).toContain(`--kms-key alias/aws/ebs is the AWS-managed EBS key, the service default a blank master key stands for: it resolves to ${managed}`);

    const other = await runCli(seArgs(l, 'migrate', 'se-scale-out'), l.cliEnv);
    expect(other.code).toBe(3);
    expect(other.stderr).toContain(`avi-encrypt: cloud Default-Cloud is already encrypted with another key (ebs_encryption SSE-KMS with a blank master key: the service default alias/aws/ebs (${managed})), not ${l.seed.customerKeyArn}: pass --rekey`);

    const rekey = await runCli(seArgs(l, 'plan', 'se-scale-out', '--rekey'), l.cliEnv);
    expect(rekey.code).toBe(0);
    expect(rekey.stdout).toContain(`set to SSE-KMS with ${l.seed.customerKeyArn}`);
    expect(mutatingCount(l)).toBe(0);
  });

  it('an SE image the Controller cannot make (the key disabled meanwhile) stops the run before any SE is touched', async () => {
    const l = await start();
    const child = spawnCli(seArgs(l, 'migrate', 'se-scale-out'), l.cliEnv);
    await pollUntil(() => l.timeline.current('cloud:Default-Cloud') === 'CLOUD_STATE_IN_PROGRESS', 'the SE image being made', 60_000, 5);
    l.world.disableKey(l.seed.customerKeyArn);
    const r = await waitForExit(child);
    expect(r.code).toBe(5);
    expect(r.stdout).toMatch(/failed at step cloud-ready: cloud Default-Cloud could not make its SE image \(SE image generation failed: (ebs|s3)_encryption KMS key arn:aws:kms:\S+ is Disabled\); check that key \S+ is Enabled/);
    expect(aviWrites(l)).toEqual(['PUT /api/cloud']);
  });
});
