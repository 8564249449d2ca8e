// End to end, controller-new-vms refusals: each is one stderr line, exit 3, and not one mutating
// call reaches the lab. A 1-node cluster (pointed to controller-swap), a subnet without free
// addresses, an instance type without EBS encryption, an encrypted AMI of another region, and an
// encrypted AMI whose snapshot uses another key.
//
// Build first: npx tsc -p tsconfig.json && node --experimental-vm-modules node_modules/jest/bin/jest.js test/e2e/new-vms-bad-input

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CopyImageCommand, EC2Client } from '@aws-sdk/client-ec2';
import { addImage, addSnapshot } from '../../src/lab/world/seed-images.js';
import { mutatingCount, runCli, startTestLab, type TestLab } from './lab-harness.js';
import { fillSubnet, newVmsEnv } from './new-vms-helpers.js';
import { refusalLine } from './swap-helpers.js';

const TIMEOUT = 60_000;
/** Runs controller-new-vms; expects the preflight refusal (exit 3, one stderr line) and no mutating call. Returns the line. */
async function refusal(lab: TestLab, ...extra: string[]): Promise<string> {
  const stateDir = join(lab.dir, `state-${Math.random().toString(36).slice(2)}`);
  mkdirSync(stateDir, { recursive: true });
  const before = mutatingCount(lab);
  const r = await runCli(['migrate', '--strategy', 'controller-new-vms', '--yes', '--state-dir', stateDir, ...extra], newVmsEnv(lab), { timeoutMs: TIMEOUT - 5_000 });
  const line = refusalLine(r);
  expect(mutatingCount(lab) - before).toBe(0);
  return line;
}

describe('controller-new-vms bad input: one line, exit 3, no mutating call', () => {
  let lab: TestLab;
  let single: TestLab;
  let otherRegionAmi = '';

  beforeAll(async () => {
    [lab, single] = await Promise.all([startTestLab(3), startTestLab(1)]);
    // An encrypted copy of the Controller AMI made in another region: it does not exist in this one.
    const east = new EC2Client({
      region: 'us-east-1', endpoint: lab.env['AWS_ENDPOINT_URL_EC2']!, maxAttempts: 1,
      credentials: { accessKeyId: lab.env['AWS_ACCESS_KEY_ID']!, secretAccessKey: lab.env['AWS_SECRET_ACCESS_KEY']! },
    });
    otherRegionAmi = (await east.send(new CopyImageCommand({ SourceImageId: lab.seed.encryptedAmiId, SourceRegion: lab.seed.region, Name: 'ctl-east', Encrypted: true }))).ImageId!;
    east.destroy();
  }, TIMEOUT);

  afterAll(async () => Promise.all([lab?.stop(), single?.stop()]), TIMEOUT);

  it('a 1-node cluster is refused, pointing to controller-swap', async () => {
    expect(await refusal(single)).toMatch(/has 1 node; .*use --strategy controller-swap for a 1-node cluster/);
  }, TIMEOUT);

  it('an encrypted AMI of another region', async () => {
    expect(await refusal(lab, '--encrypted-ami', otherRegionAmi)).toMatch(new RegExp(`AMI ${otherRegionAmi} was not found in this region .*CopyImage`));
  }, TIMEOUT);

  it('an encrypted AMI whose snapshot uses another key', async () => {
    const snap = addSnapshot(lab.world, { volumeSize: 128, encrypted: true, kmsKeyArn: lab.seed.awsManagedKeyArn, content: 'fresh', tags: {} });
    const ami = addImage(lab.world, 'Avi-Controller-22.1.3-9096-aws-ebs', snap, { tags: {} });
    const line = await refusal(lab, '--encrypted-ami', ami.imageId);
    expect(line).toContain(`is encrypted with ${lab.seed.awsManagedKeyArn}, not ${lab.seed.customerKeyArn}`);
  }, TIMEOUT);

  it('an instance type without EBS encryption', async () => {
    const inst = lab.world.instance(lab.seed.nodes[1]!.instanceId);
    inst.instanceType = 'm1.large';
    try {
      expect(await refusal(lab)).toMatch(new RegExp(`instance type m1\\.large \\(node ${lab.seed.nodes[1]!.ip.replace(/\./g, '\\.')}\\) cannot attach encrypted EBS volumes`));
    } finally {
      inst.instanceType = 'm5.2xlarge';
    }
  }, TIMEOUT);

  it('a subnet without a free address for its new VM', async () => {
    const node = lab.seed.nodes[1]!;
    const subnet = lab.world.subnet(node.subnetId);
    fillSubnet(lab, subnet.subnetId);
    expect(await refusal(lab)).toContain(`subnet ${subnet.subnetId} (${subnet.availabilityZone}) has 0 free private addresses; the new VMs of ${node.ip} need 1`);
  }, TIMEOUT);
});
