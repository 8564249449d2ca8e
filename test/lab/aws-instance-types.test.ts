// DescribeInstanceTypes through the real SDK: EbsInfo.EncryptionSupport says whether a type can
// attach encrypted EBS volumes (previous-generation families cannot); unknown names are one error.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DescribeInstanceTypesCommand } from '@aws-sdk/client-ec2';
import { failure, startLab, type Lab } from './aws-harness.js';

let lab: Lab;
beforeAll(async () => (lab = await startLab({ nodes: 1, scale: 0.002 })));
afterAll(async () => lab.close());

const describeTypes = (...InstanceTypes: string[]) => lab.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: InstanceTypes as never[] }));

describe('DescribeInstanceTypes', () => {
  it('answers each type asked with its EBS encryption support', async () => {
    const out = await describeTypes('m5.2xlarge', 'm1.large', 't3.micro');
    expect(out.InstanceTypes!.map((t) => [t.InstanceType, t.CurrentGeneration, t.EbsInfo?.EncryptionSupport])).toEqual([
      ['m5.2xlarge', true, 'supported'], ['m1.large', false, 'unsupported'], ['t3.micro', true, 'supported'],
    ]);
  });

  it('refuses names that are no instance type, naming them all, and a listing of every type', async () => {
    expect(await failure(describeTypes('m5.2xlarge', 'huge', 'M5.LARGE'))).toMatchObject({
      name: 'InvalidInstanceType', message: 'The following supplied instance types do not exist: [huge, M5.LARGE]',
    });
    expect((await failure(lab.ec2.send(new DescribeInstanceTypesCommand({})))).name).toBe('UnsupportedOperation');
  });
});
