// `lab up --page-size N --iam-policy FILE --consistency-delay MS`: parsed into the command, refused
// in one line when bad, carried through the background daemon into the served rules and profile.json.

import { describe, it, expect } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand, EC2Client, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { EXIT } from '../../src/engine/exit-codes.js';
import { labDown, labUp } from '../../src/lab/control.js';
import { expectOneLine, parse } from '../cli/helpers.js';

const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' }] });

describe('parsing', () => {
  it('carries the new flags into the lab-up command, and leaves them out when not given', async () => {
    expect(await parse(['lab', 'up', '--page-size', '1', '--consistency-delay', '1500', '--iam-policy', 'p.json'], {}, { 'p.json': POLICY }))
      .toEqual({ kind: 'lab-up', nodes: 3, timeScale: 0.01, dir: './.lab', pageSize: 1, consistencyDelayMs: 1500, iamPolicy: 'p.json' });
    expect(await parse(['lab', 'up'])).toEqual({ kind: 'lab-up', nodes: 3, timeScale: 0.01, dir: './.lab' });
  });

  it('refuses bad values and policy files in one line, before any lab starts', async () => {
    await expectOneLine(parse(['lab', 'up', '--page-size', '0']), EXIT.usage, /--page-size must be a whole number >= 1/);
    await expectOneLine(parse(['lab', 'up', '--page-size', '2.5']), EXIT.usage, /--page-size/);
    await expectOneLine(parse(['lab', 'up', '--consistency-delay', '-1']), EXIT.usage, /--consistency-delay must be whole milliseconds/);
    await expectOneLine(parse(['lab', 'up', '--iam-policy', 'missing.json']), EXIT.usage, /--iam-policy missing\.json: cannot read it \(ENOENT\)/);
    await expectOneLine(parse(['lab', 'up', '--iam-policy', 'p.json'], {}, { 'p.json': '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*"}]}' }),
      EXIT.usage, /--iam-policy p\.json: Statement 1 needs exactly one of Resource and NotResource/);
  });
});

describe('the background lab', () => {
  it('serves with the page size and the policy, and records them in profile.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-up-opts-'));
    const policyFile = join(dir, 'policy.json');
    writeFileSync(policyFile, POLICY);
    try {
      const profile = await labUp({ nodes: 3, timeScale: 0.01, dir: join(dir, 'lab'), pageSize: 1, iamPolicy: policyFile, consistencyDelayMs: 250 });
      expect(profile).toMatchObject({ pageSize: 1, consistencyDelayMs: 250, iamPolicy: policyFile });
      const ec2 = new EC2Client({ region: profile.region, endpoint: profile.awsEndpoint, credentials: { accessKeyId: 'AKIDLAB', secretAccessKey: 'lab' }, maxAttempts: 1 });
      try {
        const page = await ec2.send(new DescribeInstancesCommand({}));
        expect(page.Reservations).toHaveLength(1);
        expect(page.NextToken).toEqual(expect.any(String));
        await expect(ec2.send(new StopInstancesCommand({ InstanceIds: [profile.seed.nodes[0]!.instanceId] }))).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
      } finally {
        ec2.destroy();
        await labDown({ dir: join(dir, 'lab') });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
