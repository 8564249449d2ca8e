// Every runbook on main, as the preflight and saved-plan suites drive it in the lab: the lab it
// needs, its own flags, and how to change the world under a saved plan of it. A runbook that
// lands on main gets a row here, and both suites cover it.

import { StopInstancesCommand } from '@aws-sdk/client-ec2';
import type { SavedPlan } from '../../src/engine/saved-plan/file.js';
import { parseIamPolicy } from '../../src/lab/aws/iam-policy.js';
import { ec2For, startTestLab, type TestLab } from './lab-harness.js';
import { newVmsEnv } from './new-vms-helpers.js';
import { SE_TIME_SCALE } from './se-harness.js';

export interface RunbookOnMain {
  strategy: string;
  /** Its own flags. */
  args: string[];
  start(opts?: Parameters<typeof startTestLab>[1]): Promise<TestLab>;
  /** Whether its plan makes EC2 writes with the tool's credentials (the SE runbooks' EC2 work is the Controller's). */
  writesEc2: boolean;
  /** Stops one of the instances the saved plan works on: the fact the refusal must name, as a pattern. */
  stopOne(lab: TestLab, saved: SavedPlan): Promise<RegExp>;
}

/** An IAM policy that allows everything but `action`. */
export const policyWithout = (action: string) => parseIamPolicy(JSON.stringify({
  Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: action, Resource: '*' }],
}));

const stop = async (lab: TestLab, instanceId: string) => {
  const ec2 = ec2For(lab);
  await ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
  ec2.destroy();
};

interface ControllerNodeData { ip: string; role: string; instanceId: string }
interface SeGroupData { ses: Array<{ name: string; instanceId: string }> }

export const RUNBOOKS: RunbookOnMain[] = [
  {
    strategy: 'controller-swap', args: [], writesEc2: true,
    start: (opts) => startTestLab(3, opts),
    async stopOne(lab, saved) {
      const follower = (saved.data as { nodes: ControllerNodeData[] }).nodes.find((n) => n.role === 'follower')!;
      await stop(lab, follower.instanceId);
      return new RegExp(`: node ${follower.ip} instance ${follower.instanceId}: was follower, running, is now follower, (stopping|stopped)`);
    },
  },
  {
    // The default launch: from the nodes' own AMI, each root encrypted with the key (no --encrypted-ami).
    strategy: 'controller-new-vms', args: [], writesEc2: true,
    start: async (opts) => {
      const lab = await startTestLab(3, opts);
      return Object.assign(lab, { cliEnv: newVmsEnv(lab) });
    },
    async stopOne(lab, saved) {
      const follower = (saved.data as { nodes: ControllerNodeData[] }).nodes.find((n) => n.role === 'follower')!;
      await stop(lab, follower.instanceId);
      return new RegExp(`: node ${follower.ip} instance ${follower.instanceId}: was follower, running; .*, is now follower, (stopping|stopped);`);
    },
  },
  ...['se-scale-out', 'se-relaunch'].map((strategy): RunbookOnMain => ({
    strategy, args: ['--cloud', 'Default-Cloud'], writesEc2: false,
    start: (opts) => startTestLab(1, { timeScale: SE_TIME_SCALE, ...opts }),
    async stopOne(lab, saved) {
      const se = (saved.data as { groups: SeGroupData[] }).groups.flatMap((g) => g.ses)[0]!;
      await stop(lab, se.instanceId);
      return new RegExp(`: SE ${se.name} \\(${se.instanceId}\\): was SE_STATE_ENABLED, running, .*, is now SE_STATE_ENABLED, (stopping|stopped)`);
    },
  })),
];
