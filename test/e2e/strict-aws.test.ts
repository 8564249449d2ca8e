// controller-swap against a stricter AWS: one item per Describe page (a tool that reads only the
// first page would miss nodes and volumes), and eventual consistency (a volume just created is
// NotFound for a while). Each run completes with exactly one encrypted root per node, by tags.

import { afterEach, describe, expect, it } from '@jest/globals';
import { paginateDescribeVolumes, type Volume } from '@aws-sdk/client-ec2';
import { TAG } from '../../src/aws/types.js';
import { ec2For, migrateArgs, runCli, startTestLab, type TestLab } from './lab-harness.js';

const TIMEOUT = 150_000;
let lab: TestLab | undefined;
afterEach(async () => lab?.stop(), TIMEOUT);

async function encryptedRoots(l: TestLab): Promise<Volume[]> {
  const found: Volume[] = [];
  for await (const page of paginateDescribeVolumes({ client: ec2For(l) }, { Filters: [{ Name: `tag:${TAG.role}`, Values: ['encrypted-root'] }] })) {
    found.push(...(page.Volumes ?? []));
  }
  return found;
}

async function expectOneRootPerNode(l: TestLab): Promise<void> {
  const roots = await encryptedRoots(l);
  const nodes = roots.map((v) => v.Tags?.find((t) => t.Key === TAG.node)?.Value).sort();
  expect(nodes).toEqual(l.seed.nodes.map((n) => n.ip).sort());
  for (const v of roots) expect(v.Attachments?.[0]?.State).toBe('attached');
}

describe('a stricter AWS', () => {
  it('--page-size 1: every listing is read to its last page', async () => {
    lab = await startTestLab(3, { pageSize: 1 });
    const r = await runCli(migrateArgs(lab), lab.cliEnv, { timeoutMs: TIMEOUT });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    // The lab really paged: listings took several calls.
    expect(lab.requests.list().filter((q) => q.operation === 'DescribeVolumes').length).toBeGreaterThan(10);
    await expectOneRootPerNode(lab);
  }, TIMEOUT);

  it('--consistency-delay: a volume just created is not listed for a while, the wait rides it out, nothing is created twice', async () => {
    lab = await startTestLab(3, { consistencyDelayMs: 400 });
    const r = await runCli(migrateArgs(lab), lab.cliEnv, { timeoutMs: TIMEOUT });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    // Read by a volume-id filter, a volume not visible yet is simply not listed (no NotFound to ride out).
    expect(r.stdout).toMatch(/waiting for encrypted volumes available: [123] of 3 not visible yet/);
    expect(lab.requests.list().filter((q) => q.operation === 'CreateVolume' && q.status === 200)).toHaveLength(3);
    await expectOneRootPerNode(lab);
  }, TIMEOUT);

  it('throttle 0.2: one EC2/KMS call in five refused; the SDK\'s retries carry the run, nothing is created twice', async () => {
    lab = await startTestLab(3);
    lab.faults.apply({ kind: 'throttle', rate: 0.2 });
    const r = await runCli(migrateArgs(lab), lab.cliEnv, { timeoutMs: TIMEOUT });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(lab.requests.list().filter((q) => q.error === 'RequestLimitExceeded').length).toBeGreaterThan(5);
    expect(lab.requests.list().filter((q) => q.operation === 'CreateVolume' && q.status === 200)).toHaveLength(3);
    expect(lab.requests.list().filter((q) => q.operation === 'DeleteVolume')).toEqual([]); // faults.test.ts's rule: no original deleted
    lab.faults.clear(); // the check below reads without retries
    await expectOneRootPerNode(lab);
  }, TIMEOUT);
});
