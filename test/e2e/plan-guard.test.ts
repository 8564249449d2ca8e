// A plan is safe by construction: actions write to the recorder only, and underneath, the
// clients of a plan refuse any write before it is sent. Here a write that slipped past the
// recorder (a runbook that writes through its reads) is caught, and the lab sees nothing.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AviGateway } from '../../src/avi/types.js';
import type { AwsGateway } from '../../src/aws/types.js';
import { buildPlan } from '../../src/engine/plan/plan.js';
import type { RunbookModule } from '../../src/runbook/module.js';
import type { Settings } from '../../src/runbook/settings.js';
import { check } from '../../src/steps/effect.js';
import { connectTarget, type Target } from '../../src/steps/target.js';
import { startTestLab, type TestLab } from './lab-harness.js';

let lab: TestLab;
let target: Target;
let saved: Record<string, string | undefined>;

beforeAll(async () => {
  lab = await startTestLab(3);
  // The SDK reads endpoints and credentials from process.env.
  saved = Object.fromEntries(Object.keys(lab.env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, lab.env);
  target = await connectTarget(settings(), lab.env['AVI_PASSWORD']!, { readOnly: true });
}, 60_000);
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  await lab?.stop();
});

function settings(): Settings {
  return {
    strategy: 'guard-test', avi: { controller: lab.env['AVI_CONTROLLER']!, username: 'admin', tenant: 'admin', caBundle: lab.env['AVI_ENCRYPT_CA_BUNDLE']! },
    aws: { region: lab.profile.region }, kmsKey: lab.seed.customerKeyArn, stateDir: lab.stateDir, pollIntervalMs: 10, waitTimeoutMs: 1000, rollback: true, runbook: {},
  };
}

const mutating = () => lab.requests.list().filter((r) => r.mutating || r.operation.startsWith('Stop') || r.operation.startsWith('PUT '));

describe('a plan cannot write', () => {
  it('an EC2 write through the plan\'s clients fails before it is sent', async () => {
    const writes = target.reads.ec2 as unknown as AwsGateway;
    await expect(writes.stopInstance(lab.seed.nodes[0]!.instanceId)).rejects.toMatchObject({ name: 'ReadOnlyViolation', message: expect.stringContaining('refused StopInstances') });
    await expect(writes.tagResources([lab.seed.nodes[0]!.instanceId], { a: 'b' })).rejects.toMatchObject({ name: 'ReadOnlyViolation' });
    expect(lab.requests.list().filter((r) => r.operation === 'StopInstances' || r.operation === 'CreateTags')).toEqual([]);
  });

  it('a Controller write through the plan\'s clients fails before it is sent', async () => {
    const avi = target.reads.cluster as unknown as AviGateway;
    const cluster = await avi.getCluster();
    await expect(avi.putCluster(cluster)).rejects.toMatchObject({ name: 'ReadOnlyViolation', message: expect.stringContaining('refused PUT /api/cluster') });
    expect(lab.requests.list().filter((r) => r.operation === 'PUT /api/cluster')).toEqual([]);
  });

  it('a runbook whose check writes through its reads fails its plan, and nothing reaches the lab', async () => {
    const sneaky: RunbookModule<{ done?: boolean }, object> = {
      strategy: 'guard-test', document: 'a runbook that breaks the rules',
      definition: { strategy: 'guard-test', document: 'x', entries: [{ kind: 'step', id: 'sneak', title: 'looks, then stops a node', preflight: true }] },
      settings: { specs: [], parse: () => ({}) },
      initialData: () => ({}),
      effects: (deps) => ({
        sneak: check(async () => {
          await (deps.reads.ec2 as unknown as AwsGateway).stopInstance(lab.seed.nodes[0]!.instanceId);
        }),
      }),
      identity: async () => 'x', targetLabel: () => 'x', targets: () => [], summary: () => [], verify: async () => ({ ok: true, subjects: [], instances: [], keyUses: [], problems: [], warnings: [] }),
    };
    const before = mutating().length;
    await expect(buildPlan(sneaky, settings(), target, new AbortController().signal)).rejects.toThrow(/refused StopInstances to AWS: this is a plan/);
    expect(mutating().length).toBe(before);
  });
});
