// "Controller 3-node cluster using New Controller VMs"
// (Avi: Amazon EBS Encryption Support, Migrating from Unencrypted to Encrypted AMI).
// No downtime: a new VM with an encrypted root replaces each node in cluster membership, one node
// at a time, followers first, while two nodes keep the cluster up. The Controllers get new private
// IPs. Hold this beside the document: the `doc` numbers are its step numbers.

import { vocabulary, type View } from '../src/runbook/language.js';
import type { RunbookModule } from '../src/runbook/module.js';
import { controllerFleet } from '../src/steps/controller/fleet.js';
import { clusterIdentity } from '../src/steps/controller/identity.js';
import type { NewVmNode, NewVmsData } from '../src/steps/new-vms/context.js';
import { newVmChecks, newVmProbeWrites } from '../src/steps/new-vms/checks.js';
import { newVmSteps, type NewVmStepId } from '../src/steps/new-vms/index.js';
import { newVmSummary, newVmTargets } from '../src/steps/new-vms/report.js';
import { newVmsSettings, type NewVmsSettings } from '../src/steps/new-vms/settings.js';
import { newVmWorld } from '../src/steps/new-vms/world.js';
import { EXPECTED } from './expected.js';

const { step, wait, gate, each } = vocabulary<NewVmsData, NewVmStepId>();
const byIp = { key: (n: unknown) => (n as NewVmNode).ip };
/** Only a leader's VM is stopped; a follower's handover is already done when the wait first looks. */
const handover = ({ item }: View<NewVmsData>) => ((item as NewVmNode).role === 'leader' ? EXPECTED.leaderFailover : 0);
/** The first membership change comes about a start after the launches: the new Controllers still boot (all together); later ones are up. */
const firstSwap = ({ data }: View<NewVmsData>) => (data.nodes.some((n) => n.joined) ? 0 : EXPECTED.controllerBoot);

function membershipImpact({ data }: View<NewVmsData>): string {
  const swaps = data.nodes.map((n) => `${n.ip} -> ${n.newIp ?? 'its new VM'}${n.role === 'leader' ? ' (the leader: its old VM is stopped first so that a follower takes over)' : ''}`);
  return `the cluster membership changes one node at a time, followers first: ${swaps.join(', ')}. No downtime expected: two nodes stay active throughout; ` +
    'the API is unavailable for a few minutes while the cluster re-forms after each change (sessions are dropped). ' +
    `The Controllers get these new private IPs; Elastic IPs move to the new VMs; the old VMs are stopped at the end${data.terminateOld ? ', and terminated (with their original roots) once the run is verified' : ''}`;
}

export const definition = {
  strategy: 'controller-new-vms',
  document: 'Controller 3-node cluster using New Controller VMs',
  entries: [
    // Preflight: reads only, so a refusal changes nothing.
    step('check-key', 'Check the KMS key is Enabled and symmetric', { preflight: true }),
    step('discover-nodes', 'Map each cluster node to its EC2 instance, followers first, leader last', { preflight: true }),
    step('check-launch', 'Check the AMI, the instance types (EBS encryption) and the subnets (free addresses) for the new VMs', { preflight: true }),
    // Before the first change: refuses if another run (any host, any state dir) works on these instances.
    step('claim-nodes', "Mark the node instances as this run's (refused if another run holds them)"),
    each('nodes', 'A new VM for every node, all launched at once', [
      step('launch-replacement', 'Launch a Controller VM like the node, its root encrypted with the key, and wait until it runs', { doc: '1-2', expected: EXPECTED.instanceStart }),
    ], { id: 'launches', concurrency: 3, ...byIp }),
    gate('membership-changes', 'The cluster membership changes, one node at a time', membershipImpact),
    each('nodes', 'For each node, followers first and the leader last', [
      step('replacement-running', "Make sure the node's new VM runs (launched again after a rollback)", { doc: '1-2' }),
      step('stop-if-leader', 'If the node leads, stop its old VM so that a follower takes over (the leader cannot be removed)', { doc: '3' }),
      wait('leader-handed-over', 'another node leading, every other node active', { doc: '3', expected: handover }),
      step('swap-membership', 'Modify the cluster membership: remove the old node, add the new VM', { doc: '3', expected: firstSwap }),
      wait('members-ready', 'cluster READY with the new VM and every listed node active', { doc: '4', expected: EXPECTED.clusterReform }),
    ], {
      id: 'members',
      ...byIp,
      // A new VM that does not join before its deadline is taken out again and terminated; the old
      // node stays, or is put back. The run stops there: fix the cause, then resume.
      compensate: [
        step('rollback-start-old', "Start the old VM again if it was stopped (the leader's)"),
        step('rollback-membership', 'Put the old node back in the cluster in place of the new VM'),
        wait('rollback-members-ready', 'cluster READY with the old node', { expected: EXPECTED.clusterReform }),
        step('rollback-terminate-new', "Terminate the node's new VM"),
      ],
    }),
    each('nodes', 'Once every node is replaced', [
      step('move-addresses', 'Re-associate the Elastic IPs of the old VM with the new one', { doc: '5' }),
      step('retire-old', 'Stop the old VM, tagged with what replaced it', { doc: '6' }),
      wait('old-retired', 'old VM stopped', { doc: '6', expected: EXPECTED.instanceStop }),
    ], { id: 'retire', concurrency: 3, ...byIp }),
    step('verify', 'Verify the new VMs: roots encrypted with the key, cluster READY on their IPs, Elastic IPs moved, old VMs stopped'),
    // Only now: terminating an old VM deletes its original root, which must outlive the proof.
    each('nodes', 'With --terminate-old, once verified', [
      step('terminate-old', 'Terminate the old VM (its original root goes with it)', { doc: '6' }),
      wait('old-terminated', 'old VM terminated', { doc: '6', expected: EXPECTED.instanceTerminate }),
    ], { id: 'terminate', concurrency: 3, skip: ({ data }) => !data.terminateOld, ...byIp }),
    step('release-nodes', "Remove this run's mark from the old node instances"),
  ],
};

export const runbook: RunbookModule<NewVmsData, NewVmsSettings> = {
  strategy: definition.strategy,
  document: definition.document,
  definition,
  settings: newVmsSettings,
  initialData: (s) => ({
    controller: s.avi.controller,
    kmsKey: s.kmsKey,
    terminateOld: s.runbook.terminateOld,
    ...(s.runbook.encryptedAmi ? { encryptedAmi: s.runbook.encryptedAmi } : {}),
    nodes: [],
  }),
  effects: (deps) => newVmSteps(deps),
  identity: async (reads, s) => (await clusterIdentity(reads, s.aws.region)).key,
  targetLabel: (s) => `Controller ${s.avi.controller}`,
  targets: newVmTargets,
  summary: newVmSummary,
  // The cluster's nodes now: the new VMs, by the private IPs the cluster lists.
  verify: controllerFleet,
  // EBS and S3 encryption arrived in Avi 17.2.3 (the document's "Starting release 17.2.3").
  preflight: newVmChecks('17.2.3'),
  world: newVmWorld,
  probeWrites: newVmProbeWrites,
};
