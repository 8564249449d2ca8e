// The check every finished run ends with (drive calls it for any runbook that reaches done): the
// runbook's own fleet report, read live. A red report or one that cannot be read is "not verified";
// every registered runbook's report really reads the live systems (reads that fail make it red).

import { describe, expect, it } from '@jest/globals';
import { REGISTRY, STRATEGIES } from '../../runbooks/index.js';
import { verifyAtEnd } from '../../src/engine/fleet/read.js';
import type { AnyRunbookModule, FleetReport, InstanceRow } from '../../src/runbook/module.js';
import type { Settings } from '../../src/runbook/settings.js';
import type { Reads } from '../../src/steps/gateways.js';

const settings = (strategy: string): Settings => ({
  strategy, avi: { controller: 'https://10.0.0.10', username: 'admin', tenant: 'admin' }, aws: { region: 'eu-west-1' },
  kmsKey: 'alias/avi', stateDir: '/tmp/none', pollIntervalMs: 10, waitTimeoutMs: 1000, rollback: true, runbook: {},
});

const row = (ok: boolean): InstanceRow => ({
  kind: 'Controller', name: '10.0.0.1', group: 'cluster c', instanceId: 'i-1', state: 'running', expected: { arn: 'arn:k', from: '--kms-key alias/avi' }, ok,
  volumes: [{ volumeId: 'vol-1', device: '/dev/xvda', root: true, state: 'in-use', encrypted: ok, ...(ok ? { keyArn: 'arn:k' } : {}), ok }],
});

const report = (ok: boolean): FleetReport => ({ subjects: ['Controller cluster c'], instances: [row(ok)], keyUses: [], problems: [], warnings: [], ok });

const moduleWith = (verify: () => Promise<FleetReport>) => ({ ...REGISTRY['controller-swap'], strategy: 'test', verify }) as AnyRunbookModule;

/** Reads whose every call fails, as an unreachable API would. */
const failingReads = new Proxy({}, {
  get: () => new Proxy({}, { get: () => () => Promise.reject(new Error('connect ECONNREFUSED')) }),
}) as Reads;

describe('the end of every run', () => {
  it('prints the report; green is verified', async () => {
    const v = await verifyAtEnd(moduleWith(async () => report(true)), failingReads, settings('test'));
    expect(v).toEqual({ ok: true, lines: ['verify: Controller cluster c', expect.stringMatching(/^ {2}ok {4}Controller 10\.0\.0\.1/), 'verified: the root volume of the instance is encrypted with the expected key'] });
  });

  it('red is not verified, naming the instance and the key it should have', async () => {
    const v = await verifyAtEnd(moduleWith(async () => report(false)), failingReads, settings('test'));
    expect(v.ok).toBe(false);
    expect(v.lines).toContain('  FAIL  Controller 10.0.0.1 [cluster c] i-1 running: /dev/xvda vol-1 (root) unencrypted -- expected arn:k (--kms-key alias/avi)');
  });

  it.each(STRATEGIES)('%s: its report reads the live systems; when they cannot be read the run is not verified', async (strategy) => {
    const v = await verifyAtEnd(REGISTRY[strategy], failingReads, settings(strategy));
    expect(v).toEqual({ ok: false, lines: ['NOT verified: the end state could not be read (connect ECONNREFUSED); check it with avi-encrypt verify'] });
  });
});
