// Bench 3, against the rehearsal lab started in this process (3 nodes, time scale
// 0.01). The lab shares this event loop, so its server work counts in the time,
// as it does for a user running `plan` against `lab up` on the same machine.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runbook } from '../runbooks/controller-swap.js';
import { buildPlan } from '../src/engine/plan/plan.js';
import type { Settings } from '../src/runbook/settings.js';
import { connectTarget } from '../src/steps/target.js';
import { startLab, type RunningLab } from '../src/lab/server.js';
import { median, ms, type Measurement } from './report.js';

async function withLab<T>(fn: (lab: RunningLab, tmp: string) => Promise<T>): Promise<T> {
  const tmp = await mkdtemp(join(tmpdir(), 'avi-encrypt-bench-lab-'));
  const lab = await startLab({ nodes: 3, timeScale: 0.01, dir: join(tmp, 'lab') });
  try {
    return await fn(lab, tmp);
  } finally {
    await lab.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Settings as src/cli/parse.ts builds them from the lab's env. */
function labSettings(env: Record<string, string>, stateDir: string): Settings {
  const need = (k: string) => env[k] ?? (() => { throw new Error(`lab env has no ${k}`); })();
  return {
    strategy: 'controller-swap',
    avi: { controller: need('AVI_CONTROLLER'), username: 'admin', tenant: 'admin', caBundle: need('AVI_ENCRYPT_CA_BUNDLE') },
    aws: { region: need('AWS_REGION') },
    kmsKey: need('AVI_ENCRYPT_KMS_KEY'),
    stateDir, pollIntervalMs: 100, waitTimeoutMs: 600_000, rollback: true,
    runbook: { encryptedAmi: need('AVI_ENCRYPT_ENCRYPTED_AMI') },
  };
}

export async function benchPlan(): Promise<Measurement[]> {
  return withLab(async (lab, tmp) => {
    // The AWS SDK reads endpoints and credentials from process.env; put them back afterwards.
    const saved = Object.fromEntries(Object.keys(lab.env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, lab.env);
    try {
      const settings = labSettings(lab.env, join(tmp, 'state'));
      const t0 = process.hrtime.bigint();
      const target = await connectTarget(settings, labPassword(lab.env), { readOnly: true });
      const connectMs = ms(t0);
      const builds: number[] = [];
      let requests = 0;
      for (let i = 0; i < 6; i++) {
        const before = lab.requests.list().length;
        const t1 = process.hrtime.bigint();
        const plan = await buildPlan(runbook, settings, target, new AbortController().signal);
        builds.push(ms(t1));
        requests = lab.requests.list().length - before;
        if (plan.targets.length !== 3) throw new Error(`plan found ${plan.targets.length} nodes, expected 3`);
      }
      // Targets: see bench/README.md. A plan is ~47 read calls (~10-20 ms each through the SDK
      // and the in-process lab); the first build is what a user waits for.
      return [
        { name: 'plan.connect', value: connectMs, unit: 'ms', max: 1000 },
        { name: 'plan.build.first', value: builds[0]!, unit: 'ms', max: 1500 },
        { name: 'plan.build.warm-median', value: median(builds.slice(1)), unit: 'ms' },
        { name: 'plan.api-calls', value: requests, unit: 'calls' },
      ];
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
}

function labPassword(env: Record<string, string>): string {
  const v = env.AVI_PASSWORD;
  if (!v) throw new Error('lab env has no AVI_PASSWORD');
  return v;
}
