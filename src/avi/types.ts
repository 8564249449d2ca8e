// The Avi Controller contract: what steps may ask of the Controller REST API, in plain data.
// Facts: ../shared/reference/avi-controller-api.md (sections 1-4, 7); SEs and clouds in fleet-types.ts.

import type { CloudReads, CloudWrites, EngineReads, EngineWrites } from './fleet-types.js';

export type { CloudReads, CloudWrites, EngineReads, EngineWrites } from './fleet-types.js';

export interface IpAddr {
  addr: string;
  type: 'V4' | 'V6' | 'DNS';
}

export interface ClusterNode {
  name: string;
  ip: IpAddr;
  [extra: string]: unknown;
}

/** `/api/cluster`: a singleton; PUT takes the whole object back. */
export interface ClusterConfig {
  uuid: string;
  name: string;
  nodes: ClusterNode[];
  virtual_ip?: IpAddr;
  [extra: string]: unknown;
}

export type ClusterState =
  | 'CLUSTER_STARTING_UP'
  | 'CLUSTER_UP_NO_HA'
  | 'CLUSTER_REBOOTING'
  | 'CLUSTER_UP_HA_COMPROMISED'
  | 'CLUSTER_PROCESSING'
  | 'CLUSTER_UP_HA_NOT_READY'
  | 'CLUSTER_UP_HA_ACTIVE';

export interface NodeState {
  name: string;
  /** CLUSTER_LEADER | CLUSTER_FOLLOWER */
  role: string;
  /** CLUSTER_ACTIVE | CLUSTER_INACTIVE | CLUSTER_STARTING | ... */
  state: string;
  mgmt_ip?: string;
  up_since?: string;
}

/** `/api/cluster/runtime` */
export interface ClusterRuntime {
  cluster_state: { state: ClusterState | string; progress?: number; reason?: string[]; up_since?: string };
  node_states: NodeState[];
  node_info?: { mgmt_ip?: string; has_config?: boolean; version?: string; uuid?: string };
}

export interface AwsEncryption {
  mode: 'AWS_ENCRYPTION_MODE_NONE' | 'AWS_ENCRYPTION_MODE_SSE_KMS';
  master_key?: string;
}

export interface Cloud {
  uuid: string;
  name: string;
  vtype: string;
  aws_configuration?: {
    region?: string;
    vpc_id?: string;
    /** Per AZ, the SEs' management subnet: `mgmt_network_uuid` is the subnet id. */
    zones?: Array<{ availability_zone?: string; mgmt_network_uuid?: string; mgmt_network_name?: string }>;
    ebs_encryption?: AwsEncryption;
    s3_encryption?: AwsEncryption;
    [extra: string]: unknown;
  };
  [extra: string]: unknown;
}

/** The session the engine opens once: login up front makes a bad password one clear line. */
export interface AviSession {
  /** Logs in (POST /login) unless a session exists; returns the Controller's version, e.g. "22.1.3". */
  login(): Promise<string>;
}

/** Cluster reads: safe at any time, in a plan too. */
export interface ClusterReads {
  /** Unauthenticated probe (`GET /api/initial-data`): the version if the API answers, undefined if it does not. */
  probe(): Promise<string | undefined>;
  getCluster(): Promise<ClusterConfig>;
  getClusterRuntime(): Promise<ClusterRuntime>;
}

/** Cluster changes, configuration export and restore: in a plan these reach the recorder. */
export interface ClusterWrites {
  /** PUT /api/cluster with the whole object. */
  putCluster(cluster: ClusterConfig): Promise<ClusterConfig>;
  /** `full_system` export (a POST); returns the configuration file's text. The passphrase travels in the body, never the URL. */
  exportConfiguration(passphrase: string): Promise<string>;
  /**
   * Restore a `full_system` export onto this Controller (POST /api/configuration/import). A
   * factory-fresh Controller accepts only its initial admin password: given, the import goes
   * through a session of its own logged in with it.
   */
  importConfiguration(configuration: string, passphrase: string, initialAdminPassword?: string): Promise<void>;
}

/** The logged-in user, as the login body reports it (reference §1.1 `user`). */
export interface AviUser {
  username: string;
  superuser: boolean;
  /** `user.access[]`: the role the user has in a tenant, or in all tenants (Avi object model UserRole). */
  access: Array<{ roleRef: string; tenantRef?: string; allTenants: boolean }>;
}

/** A role: per resource (PERMISSION_CONTROLLER, PERMISSION_CLOUD, ...) NO_ACCESS, READ_ACCESS or WRITE_ACCESS. */
export interface AviRole {
  name: string;
  privileges: Array<{ resource: string; type: string }>;
}

/** Who the run acts as, and what that user may do. */
export interface AccessReads {
  /** The logged-in user (logs in first if needed); undefined when the login reports none. */
  currentUser(): Promise<AviUser | undefined>;
  /** The role a `role_ref` names (GET /api/role/<uuid>). */
  getRole(ref: string): Promise<AviRole>;
}

/** The real client implements all of it; steps see it through the narrower faces. */
export type AviGateway = AviSession & ClusterReads & ClusterWrites & CloudReads & CloudWrites & EngineReads & EngineWrites & AccessReads;

/** A Controller failure in our own words. `status` is the HTTP status, 0 for connection and TLS errors. */
export class AviError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly kind: 'unreachable' | 'tls' | 'auth' | 'http' | 'timeout' | 'tenant',
    /** The call that failed, "PUT /api/cluster", when there was one. */
    readonly operation?: string,
    /** Not answering this time (503, refused, timed out) inside a wait's look: the wait looks again on its own schedule. */
    readonly notYet = false,
  ) {
    super(message);
    this.name = 'AviError';
  }
}
