// "Controller 1-node or 3-node cluster using Existing Controller VMs"
// (Avi: Amazon EBS Encryption Support, Migrating from Unencrypted to Encrypted AMI).
// Keeps each Controller's instance and private IP; each node is down while its root is swapped.
// Hold this beside the document: the `doc` numbers are its step numbers.

import type { ControllerContext } from '../src/steps/controller/context.js';
import { isSingleNode } from '../src/steps/controller/context.js';
import type { ControllerStepId } from '../src/steps/controller/index.js';
import { buildMachine } from '../src/steps/machine.js';
import { vocabulary, type RunbookDefinition } from '../src/steps/runbook.js';

const { step, wait, eachNode } = vocabulary<ControllerContext, ControllerStepId>();
const threeNodes = (ctx: ControllerContext) => !isSingleNode(ctx);

export const definition: RunbookDefinition<ControllerContext> = {
  strategy: 'controller-swap',
  version: 2,
  document: 'Controller 1-node or 3-node cluster using Existing Controller VMs',
  entries: [
    // Preflight: reads only, so a refusal changes nothing.
    step('check-key', 'Check the KMS key is Enabled and symmetric', { preflight: true }),
    step('check-encrypted-ami', "Check the encrypted AMI's root snapshot uses that key", { preflight: true }),
    step('discover-nodes', 'Map each cluster node to its EC2 instance, followers first, leader last', { preflight: true }),
    // Before the first change: refuses if another run (any host, any state dir) works on these instances.
    step('claim-nodes', "Mark the node instances as this run's (refused if another run holds them)"),
    // Before step 1 on purpose: the backup asks for its passphrase, and a refusal there leaves nothing created.
    step('export-config', 'Back up the Controller configuration (full_system) into the run folder', {
      doc: '2',
      when: isSingleNode,
      preflight: true,
    }),
    step('create-volumes', "Create an encrypted volume from the AMI's snapshot in each node's AZ", {
      doc: '1',
      awaits: 'encrypted volumes available',
    }),
    eachNode(
      'For each node, followers first and the leader last',
      [
        step('stop-node', 'Shut down the Controller', { doc: '3', downtime: true }),
        wait('node-stopped', 'instance stopped', { doc: '3' }),
        step('detach-old-root', 'Detach the old root volume', { doc: '4' }),
        wait('old-root-detached', 'old root detached', { doc: '4' }),
        step('attach-new-root', 'Attach the encrypted volume at the same device', { doc: '5' }),
        wait('new-root-attached', 'encrypted root attached', { doc: '5' }),
        step('keep-delete-on-termination', "Keep the old root's DeleteOnTermination", { doc: '5' }),
        step('start-node', 'Start the Controller', { doc: '6', awaits: 'instance running' }),
        wait('controller-up', 'Controller API up', { doc: '7', when: isSingleNode }),
        step('restore-config', 'Restore the configuration onto the new Controller', { doc: '7', when: isSingleNode }),
        step('save-cluster-config', 'Edit and save the cluster configuration so the node re-joins', {
          doc: '8',
          when: threeNodes,
          awaits: 'node joining',
        }),
        wait('cluster-ready', 'cluster READY', { doc: '8', upAgain: true }),
        step('tag-old-root', 'Keep the old root volume, tagged with what replaced it', { doc: '9' }),
      ],
      (ctx, i) => !!ctx.nodes[i]?.alreadyEncrypted,
    ),
    step('verify', 'Verify every root volume is encrypted with the key'),
    step('release-nodes', "Remove this run's mark from the node instances"),
  ],
};

export const machine = buildMachine(definition);
