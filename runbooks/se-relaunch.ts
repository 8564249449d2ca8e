// "Service Engines with Downtime" (Avi: Amazon EBS Encryption Support, Migrating from Unencrypted
// to Encrypted AMI), per SE group, after the cloud encryption prerequisite: the group's SEs are
// deleted and the Controller launches new ones from the encrypted SE image. Its virtual services
// are down meanwhile; the run measures each outage.

import { vocabulary } from '../src/runbook/language.js';
import type { RunbookModule } from '../src/runbook/module.js';
import type { SeData } from '../src/steps/se/context.js';
import { seSteps, type SeStepId } from '../src/steps/se/index.js';
import { relaunchImpact, relaunchSummary, seTargets } from '../src/steps/se/report.js';
import type { SeSettings } from '../src/steps/se/settings.js';
import { seChecks } from '../src/steps/se/checks.js';
import { EXPECTED, SE_RELAUNCH } from './expected.js';
import { cloudPrerequisite, groupLoop, preflight, seShared } from './se-common.js';

const { step, wait, gate, each } = vocabulary<SeData, SeStepId>();

export const definition = {
  strategy: 'se-relaunch',
  document: 'Service Engines with Downtime',
  entries: [
    ...preflight(false),
    gate('vss-go-down', 'Virtual services go down while their SEs are relaunched', ({ data }) => relaunchImpact(data)),
    ...cloudPrerequisite,
    each('groups', 'For each SE group (several at once with --concurrency)', [
      // Else a virtual service moved off the first deleted SE lands on the next one, and goes down twice.
      step('disable-for-placement', 'Disable every noted SE for virtual service placement', { doc: '1' }),
      step('delete-ses', "Delete the group's unencrypted SEs", { doc: '1', downtime: true }),
      wait('vss-served-again', 'every virtual service OPER_UP on new encrypted SEs', { doc: '2', upAgain: true, expected: SE_RELAUNCH }),
      wait('old-ses-terminated', "the old SEs' EC2 instances terminated", { doc: '1', expected: EXPECTED.instanceTerminate }),
      step('verify-group', 'Verify every SE of the group runs on a root encrypted with the key'),
    // Before the delete this puts the group back; after it the old SEs are gone and nothing is left to restore.
    ], groupLoop('Put back the enable_state of the SEs this run disabled that still exist')),
  ],
};

export const runbook: RunbookModule<SeData, SeSettings> = {
  strategy: definition.strategy,
  document: definition.document,
  definition,
  ...seShared,
  effects: (deps) => seSteps(deps, { scaleOut: false }),
  targets: seTargets(false),
  preflight: seChecks({ scaleOut: false }),
  summary: relaunchSummary,
};
