// "Service Engines with Zero Downtime" (Avi: Amazon EBS Encryption Support, Migrating from
// Unencrypted to Encrypted AMI), per SE group, after the cloud encryption prerequisite.
// Each SE's virtual services move to new SEs launched from the encrypted image; nothing goes down.
// Hold this beside the document: the `doc` numbers are its step numbers.

import { vocabulary } from '../src/runbook/language.js';
import type { RunbookModule } from '../src/runbook/module.js';
import type { SeData, SeItem } from '../src/steps/se/context.js';
import { seSteps, type SeStepId } from '../src/steps/se/index.js';
import { scaleOutImpact, scaleOutSummary, seTargets } from '../src/steps/se/report.js';
import type { SeSettings } from '../src/steps/se/settings.js';
import { seChecks } from '../src/steps/se/checks.js';
import { EXPECTED, SE_DRAIN } from './expected.js';
import { cloudPrerequisite, groupLoop, preflight, seShared } from './se-common.js';

const { step, wait, gate, each } = vocabulary<SeData, SeStepId>();

export const definition = {
  strategy: 'se-scale-out',
  document: 'Service Engines with Zero Downtime',
  entries: [
    ...preflight(true),
    gate('ses-replaced', 'Service Engines are replaced one at a time', ({ data }) => scaleOutImpact(data)),
    ...cloudPrerequisite,
    each('groups', 'For each SE group (several at once with --concurrency)', [
      step('disable-for-placement', 'Disable every noted SE for virtual service placement', { doc: '2' }),
      each('ses', 'One SE at a time', [
        step('disable-se', 'Disable the SE: the Controller moves its virtual services to new encrypted SEs', { doc: '3' }),
        wait('se-drained', 'zero virtual services on the SE, each OPER_UP elsewhere', { doc: '4', expected: SE_DRAIN }),
      ], { key: (se) => (se as SeItem).name }),
      step('delete-old-ses', 'Delete the old SEs, disabled and empty', { doc: '5' }),
      wait('old-ses-terminated', "the old SEs' EC2 instances terminated", { doc: '5', expected: EXPECTED.instanceTerminate }),
      step('verify-group', 'Verify every SE of the group runs on a root encrypted with the key'),
    // A drain that fails (MIGRATE_SE_FAILED) or a group that does not verify: its SEs get their enable_state back.
    ], groupLoop('Put back the enable_state of the SEs this run disabled')),
  ],
};

export const runbook: RunbookModule<SeData, SeSettings> = {
  strategy: definition.strategy,
  document: definition.document,
  definition,
  ...seShared,
  effects: (deps) => seSteps(deps, { scaleOut: true }),
  targets: seTargets(true),
  preflight: seChecks({ scaleOut: true }),
  summary: scaleOutSummary,
};
