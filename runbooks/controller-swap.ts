// "Controller 1-node or 3-node cluster using Existing Controller VMs"
// (Avi: Amazon EBS Encryption Support, Migrating from Unencrypted to Encrypted AMI).
// Keeps each Controller's instance and private IP; each node is down while its root is swapped.
// Hold this beside the document: the `doc` numbers are its step numbers.

import { vocabulary, type View } from '../src/runbook/language.js';
import type { RunbookModule } from '../src/runbook/module.js';
import type { ControllerData, ControllerNode } from '../src/steps/controller/context.js';
import { controllerChecks } from '../src/steps/controller/checks.js';
import { clusterIdentity } from '../src/steps/controller/identity.js';
import { controllerSteps, type ControllerStepId } from '../src/steps/controller/index.js';
import { controllerFleet } from '../src/steps/controller/fleet.js';
import { nodeSummary, nodeTargets } from '../src/steps/controller/report.js';
import { viaSsh } from '../src/steps/controller/restore.js';
import { controllerSettings, type ControllerSettings } from '../src/steps/controller/settings.js';
import { controllerWorld } from '../src/steps/controller/world.js';
import { EXPECTED } from './expected.js';

const { step, wait, gate, each } = vocabulary<ControllerData, ControllerStepId>();
const oneNode = ({ data }: View<ControllerData>) => data.nodes.length === 1;
const threeNodes = (v: View<ControllerData>) => !oneNode(v);
// An AMI given on the command line is checked; otherwise the run copies one (sourceAmi is set by
// its preflight check and stays, unlike encryptedAmi, which the copy fills in).
const amiGiven = ({ data }: View<ControllerData>) => !!data.encryptedAmi && !data.sourceAmi;
const copying = ({ data }: View<ControllerData>) => !!data.sourceAmi || !data.encryptedAmi;
const restoreOverSsh = (v: View<ControllerData>) => oneNode(v) && viaSsh(v.data);
// A factory-fresh Controller's initial admin password: 3 nodes re-join with it, the API import logs in with it.
const needsNodePassword = (v: View<ControllerData>) => threeNodes(v) || !viaSsh(v.data);
/** CopyImage of a 128 GiB root is a full copy; AWS publishes no per-GiB figure (reference §A1). */
const COPY_TIMEOUT_MS = 3 * 60 * 60_000;
const swapped = (data: ControllerData) => data.nodes.filter((n) => !n.alreadyEncrypted).map((n) => n.ip);
/**
 * The cluster is READY again after a 3-node re-join (re-formation), or after a 1-node restore's restart.
 * restore_config.py over SSH returns once it has restored (in the lab, after the restart; UNVERIFIED for
 * a real Controller), so READY is due at once: the wait looks at once, then every 4% of the time waited.
 */
const rejoin = (v: View<ControllerData>) => (!oneNode(v) ? EXPECTED.clusterReform : viaSsh(v.data) ? 0 : EXPECTED.controllerRestart);
const copyTime = ({ data }: View<ControllerData>) => EXPECTED.amiCopy(data.sourceAmi?.rootSize ?? 128);

export const definition = {
  strategy: 'controller-swap',
  document: 'Controller 1-node or 3-node cluster using Existing Controller VMs',
  entries: [
    // Preflight: reads only, so a refusal changes nothing.
    step('check-key', 'Check the KMS key is Enabled and symmetric', { preflight: true }),
    step('check-encrypted-ami', "Check the encrypted AMI's root snapshot uses that key", { preflight: true, when: amiGiven }),
    step('discover-nodes', 'Map each cluster node to its EC2 instance, followers first, leader last', { preflight: true }),
    step('check-source-ami', 'Check the Controller AMI to copy: here, available, and not another account\'s Marketplace AMI', { preflight: true, when: copying }),
    step('check-ssh', "Check the Controller's SSH for the restore: the key logs in, the host key is known", { preflight: true, when: restoreOverSsh }),
    step('ask-node-password', 'Ask now for the initial admin password of a factory-fresh Controller', { preflight: true, when: needsNodePassword }),
    // Before the first change: refuses if another run (any host, any state dir) works on these instances.
    step('claim-nodes', "Mark the node instances as this run's (refused if another run holds them)"),
    // "Using EBS Encryption for Controller AMI", steps 2-3: the encrypted AMI, unless one was given.
    step('copy-ami', 'Make an encrypted copy of the Controller AMI with the key and wait until it is available', { doc: 'AMI 2', when: copying, timeoutMs: COPY_TIMEOUT_MS, expected: copyTime }),
    step('check-ami-copy', "Check every snapshot of the copy is encrypted with the key", { doc: 'AMI 3', when: copying }),
    // Before step 1 on purpose: the backup asks for its passphrase, and a refusal there leaves nothing created.
    step('export-config', 'Back up the Controller configuration (full_system) into the run folder', { doc: '2', when: oneNode, preflight: true }),
    step('create-volumes', "Create an encrypted volume from the AMI's snapshot in each node's AZ", { doc: '1', expected: EXPECTED.volumeCreate }),
    gate('nodes-go-down', 'Each Controller node goes down in turn', ({ data }) =>
      `${swapped(data).join(', ')} go down one at a time, followers first and the leader last, each for about 5-12 minutes (stop, root swap, boot, ${oneNode({ data, item: data }) ? 'configuration restore' : 'cluster re-join'})`),
    each('nodes', 'For each node, followers first and the leader last', [
      step('stop-node', 'Shut down the Controller', { doc: '3', downtime: true }),
      wait('node-stopped', 'instance stopped', { doc: '3', expected: EXPECTED.instanceStop }),
      step('detach-old-root', 'Detach the old root volume', { doc: '4' }),
      wait('old-root-detached', 'old root detached', { doc: '4', expected: EXPECTED.volumeDetach }),
      step('attach-new-root', 'Attach the encrypted volume at the same device', { doc: '5' }),
      wait('new-root-attached', 'encrypted root attached', { doc: '5', expected: EXPECTED.volumeAttach }),
      step('keep-delete-on-termination', "Keep the old root's DeleteOnTermination", { doc: '5' }),
      step('start-node', 'Start the Controller', { doc: '6', expected: EXPECTED.instanceStart }),
      wait('controller-up', 'Controller API up', { doc: '7', when: oneNode, expected: EXPECTED.controllerBoot }),
      step('restore-config', 'Restore the configuration onto the new Controller', { doc: '7', when: oneNode }),
      step('save-cluster-config', 'Edit and save the cluster configuration so the node re-joins', { doc: '8', when: threeNodes, expected: EXPECTED.controllerBoot }),
      wait('cluster-ready', 'cluster READY', { doc: '8', upAgain: true, expected: rejoin }),
      step('tag-old-root', 'Keep the old root volume, tagged with what replaced it', { doc: '9' }),
    ], {
      key: (n) => (n as ControllerNode).ip,
      skip: ({ item }) => !!(item as ControllerNode).alreadyEncrypted,
      // A node that does not come back (a start that falls back to stopped, no cluster READY) is
      // put back on its original root, and the run stops there: fix the cause, then resume.
      compensate: [
        step('rollback-stop-node', 'Stop the node to put its original root back (unless it still runs on it)'),
        wait('rollback-node-stopped', 'instance stopped', { expected: EXPECTED.instanceStop }),
        step('rollback-detach-new-root', 'Detach the encrypted volume'),
        wait('rollback-new-root-detached', 'encrypted volume detached', { expected: EXPECTED.volumeDetach }),
        step('rollback-attach-old-root', 'Attach the original root at the same device'),
        wait('rollback-old-root-attached', 'original root attached', { expected: EXPECTED.volumeAttach }),
        step('rollback-delete-on-termination', "Put the original root's DeleteOnTermination back"),
        step('rollback-start-node', 'Start the Controller on its original root', { expected: EXPECTED.instanceStart }),
        wait('rollback-controller-up', 'Controller API up', { when: oneNode, expected: EXPECTED.controllerBoot }),
        step('rollback-rejoin', 'Save the cluster configuration so the node re-joins', { when: threeNodes, expected: EXPECTED.controllerBoot }),
        wait('rollback-cluster-ready', 'cluster READY', { upAgain: true, expected: rejoin }),
      ],
    }),
    step('verify', 'Verify every root volume is encrypted with the key'),
    step('release-nodes', "Remove this run's mark from the node instances"),
  ],
};

export const runbook: RunbookModule<ControllerData, ControllerSettings> = {
  strategy: definition.strategy,
  document: definition.document,
  definition,
  settings: controllerSettings,
  initialData: (s) => ({
    controller: s.avi.controller,
    kmsKey: s.kmsKey,
    ...(s.runbook.encryptedAmi ? { encryptedAmi: s.runbook.encryptedAmi } : {}),
    ...(s.runbook.sourceAmi ? { sourceAmiId: s.runbook.sourceAmi } : {}),
    restore: { via: s.runbook.restoreVia, ssh: s.runbook.ssh },
    nodes: [],
  }),
  effects: (deps) => controllerSteps(deps),
  identity: async (reads, s) => (await clusterIdentity(reads, s.aws.region)).key,
  targetLabel: (s) => `Controller ${s.avi.controller}`,
  targets: nodeTargets,
  summary: nodeSummary,
  verify: controllerFleet,
  // EBS and S3 encryption arrived in Avi 17.2.3 (the document's "Starting release 17.2.3").
  preflight: controllerChecks('17.2.3'),
  world: controllerWorld,
};
