// What the two Service Engine runbooks share besides their definitions: their settings, their
// starting data, the lock (the Controller cluster, as every runbook of it), how they are named.

import { vocabulary } from '../src/runbook/language.js';
import type { RunbookModule } from '../src/runbook/module.js';
import type { Settings } from '../src/runbook/settings.js';
import { clusterIdentity } from '../src/steps/controller/identity.js';
import { nothingToDo, type SeData, type SeGroupItem } from '../src/steps/se/context.js';
import type { SeStepId } from '../src/steps/se/index.js';
import { seFleet } from '../src/steps/se/fleet.js';
import { seSettings, type SeSettings } from '../src/steps/se/settings.js';
import { seWorld } from '../src/steps/se/world.js';
import { EXPECTED } from './expected.js';

type Shared = Pick<RunbookModule<SeData, SeSettings>, 'settings' | 'initialData' | 'identity' | 'targetLabel' | 'verify' | 'world'>;

export const seShared: Shared = {
  settings: seSettings,
  initialData: (s: Settings<SeSettings>) => ({
    cloudName: s.runbook.cloud, region: s.aws.region, kmsKey: s.kmsKey, seGroups: s.runbook.seGroups, rekey: s.runbook.rekey,
    concurrency: s.runbook.concurrency, groups: [],
  }),
  // One run per Controller cluster, whatever it migrates: SEs are replaced by the Controller, which a Controller swap takes down.
  identity: async (reads, s) => (await clusterIdentity(reads, s.aws.region)).key,
  targetLabel: (s) => `cloud ${s.runbook?.cloud ?? '?'} of Controller ${s.avi.controller}`,
  verify: seFleet,
  world: seWorld,
};

const { step, wait } = vocabulary<SeData, SeStepId>();

/** Reads only, so a refusal changes nothing. Scale-out numbers them as the document's steps 1-2. */
export const preflight = (scaleOut: boolean) => [
  step('check-cloud', 'Check the cloud is an AWS cloud in this region', { preflight: true }),
  step('check-cloud-key', "Check the KMS key is Enabled, symmetric and in the cloud's region, and how the cloud is encrypted now", { preflight: true }),
  step('discover-groups', "Note each SE group's unencrypted SEs (SE to EC2 instance by management IP) and the virtual services they carry", { preflight: true, ...(scaleOut ? { doc: '2' } : {}) }),
  step('check-capacity', 'Check the SE groups and the AWS account have room for the new SEs (max_se, management addresses)', { preflight: true, ...(scaleOut ? { doc: '1' } : {}) }),
];

/** The prerequisite: only SEs launched after the cloud is encrypted are encrypted. */
export const cloudPrerequisite = [
  step('set-cloud-encryption', "Set the cloud's EBS and S3 encryption to SSE-KMS with the key", { when: ({ data }) => data.cloud?.ebs !== 'same' || data.cloud?.s3 !== 'same' }),
  wait('cloud-ready', 'cloud placement-ready with an encrypted SE image', { expected: EXPECTED.seImageGeneration }),
];

/** SE groups by name, passed over when already encrypted, --concurrency at once; a failed group gets its SEs' enable_state back. */
export const groupLoop = (rollbackTitle: string) => ({
  key: (g: unknown) => (g as SeGroupItem).name,
  skip: ({ item }: { item: unknown }) => nothingToDo(item as SeGroupItem),
  concurrency: (s: Record<string, unknown>) => (s as unknown as SeSettings).concurrency,
  compensate: [step('restore-enable-state', rollbackTitle)],
});
