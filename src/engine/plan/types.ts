// A plan is plain, versioned data (changesets' ReleasePlan is the model): what `migrate`
// would do for the discovered topology, step by step, with every call it would make.

export const PLAN_VERSION = 1;

export interface PlannedCall {
  service: 'ec2' | 'avi' | 'local';
  operation: string;
  /** The resource the call touches (instance, volume, cluster, file). */
  target: string;
  detail?: Record<string, unknown>;
}

export interface PlannedStep {
  n: number;
  id: string;
  title: string;
  /** Step number in the Avi document, when the step implements one. */
  doc?: string;
  node?: string;
  /** This step takes `node` down. */
  takesDown?: string;
  /** Nodes that are down while this step runs. */
  nodesDown: string[];
  /** What the step waits for, and what it would see now if the wait is not already satisfied. */
  awaits?: string;
  waitNow?: string;
  calls: PlannedCall[];
}

export interface PlannedNode {
  ip: string;
  role: string;
  instanceId: string;
  availabilityZone: string;
  rootDevice: string;
  oldVolumeId: string;
  deleteOnTermination: boolean;
  alreadyEncrypted: boolean;
}

export interface Plan {
  version: typeof PLAN_VERSION;
  strategy: string;
  runbookVersion: number;
  document: string;
  controller: string;
  region: string;
  kmsKeyArn?: string;
  nodes: PlannedNode[];
  steps: PlannedStep[];
}
