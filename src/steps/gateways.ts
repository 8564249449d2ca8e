// What effects may touch, split by domain and by reads and writes. A check is built over reads
// alone; in a plan the writes are the recorder, which must implement every method here.

import type { ShellReads, ShellWrites } from '../avi/shell-types.js';
import type { AccessReads, CloudReads, CloudWrites, ClusterReads, ClusterWrites, EngineReads, EngineWrites } from '../avi/types.js';
import type { Ec2DryRun, Ec2Reads, Ec2Writes, KmsDryRun, KmsReads } from '../aws/types.js';

export interface Reads {
  ec2: Ec2Reads;
  kms: KmsReads;
  cluster: ClusterReads;
  cloud: CloudReads;
  /** The Controller's SSH (the documented 1-node restore). */
  shell: ShellReads;
  /** Service Engines, SE groups and virtual services. */
  engines: EngineReads;
  /** The Avi user the run acts as, and its roles. */
  access: AccessReads;
}

export interface Writes {
  ec2: Ec2Writes;
  cluster: ClusterWrites;
  cloud: CloudWrites;
  engines: EngineWrites;
  shell: ShellWrites;
}

/** The writes as DryRun requests: what preflight sends to learn whether the run's writes are allowed. */
export interface Probes {
  ec2: Ec2DryRun;
  kms: KmsDryRun;
}
