// A hand-written fake AviGateway for the step tests: it records every call, answers the
// cluster runtime from a queue, and keeps what was PUT, exported and imported.

import type { AviGateway, AviRole, AviUser, ClusterConfig, ClusterRuntime, Cloud } from '../../src/avi/types.js';
import type { CloudStatus, SeEnableState, SeGroupConfig, ServiceEngine, VirtualService } from '../../src/avi/fleet-types.js';

export type RuntimeAnswer = ClusterRuntime | Error;

export class FakeAvi implements AviGateway {
  cluster: ClusterConfig;
  /** Answers of getClusterRuntime, as a queue (the last one repeats). */
  runtimes: RuntimeAnswer[];
  clouds: Cloud[] = [];
  exported = 'EXPORTED-CONFIG';
  probeAnswers: Array<string | undefined> = ['22.1.3'];
  user: AviUser | undefined = { username: 'admin', superuser: true, access: [] };
  /** Roles by the path of their ref (/api/role/<uuid>). */
  roles = new Map<string, AviRole>();
  readonly calls: string[] = [];
  readonly puts: ClusterConfig[] = [];
  readonly imports: Array<{ configuration: string; passphrase: string; initialAdminPassword?: string }> = [];
  /** getCluster throws this while set (a fresh Controller refusing the configured admin's login). */
  clusterError: Error | undefined;
  readonly exports: string[] = [];

  constructor(cluster: ClusterConfig, runtimes: RuntimeAnswer[]) {
    this.cluster = cluster;
    this.runtimes = runtimes;
  }

  async login(): Promise<string> {
    this.calls.push('login');
    return '22.1.3';
  }
  async probe(): Promise<string | undefined> {
    this.calls.push('probe');
    return this.probeAnswers.length > 1 ? this.probeAnswers.shift() : this.probeAnswers[0];
  }
  async getCluster(): Promise<ClusterConfig> {
    this.calls.push('getCluster');
    if (this.clusterError) throw this.clusterError;
    return structuredClone(this.cluster);
  }
  async getClusterRuntime(): Promise<ClusterRuntime> {
    this.calls.push('getClusterRuntime');
    const next = this.runtimes.length > 1 ? this.runtimes.shift()! : this.runtimes[0]!;
    if (next instanceof Error) throw next;
    return structuredClone(next);
  }
  async putCluster(cluster: ClusterConfig): Promise<ClusterConfig> {
    this.calls.push('putCluster');
    this.puts.push(cluster);
    return cluster;
  }
  async exportConfiguration(passphrase: string): Promise<string> {
    this.calls.push('exportConfiguration');
    this.exports.push(passphrase);
    return this.exported;
  }
  async importConfiguration(configuration: string, passphrase: string, initialAdminPassword?: string): Promise<void> {
    this.calls.push('importConfiguration');
    this.imports.push({ configuration, passphrase, ...(initialAdminPassword === undefined ? {} : { initialAdminPassword }) });
  }
  async currentUser(): Promise<AviUser | undefined> {
    this.calls.push('currentUser');
    return this.user;
  }
  async getRole(ref: string): Promise<AviRole> {
    this.calls.push('getRole');
    const role = this.roles.get(new URL(ref, 'https://controller').pathname);
    if (!role) throw Object.assign(new Error(`role ${ref} not found`), { name: 'AviError', status: 404 });
    return structuredClone(role);
  }
  async listClouds(): Promise<Cloud[]> {
    this.calls.push('listClouds');
    return this.clouds;
  }
  // The Service Engine side is not used by the Controller step tests: empty, and every call recorded.
  async getCloud(uuid: string): Promise<Cloud> {
    this.calls.push('getCloud');
    const cloud = this.clouds.find((c) => c.uuid === uuid);
    if (!cloud) throw new Error(`no cloud ${uuid}`);
    return structuredClone(cloud);
  }
  async getCloudStatus(): Promise<CloudStatus> {
    this.calls.push('getCloudStatus');
    return { state: 'CLOUD_STATE_PLACEMENT_READY' };
  }
  async putCloud(cloud: Cloud): Promise<Cloud> {
    this.calls.push('putCloud');
    return cloud;
  }
  async listSeGroups(): Promise<SeGroupConfig[]> {
    this.calls.push('listSeGroups');
    return [];
  }
  async listServiceEngines(): Promise<ServiceEngine[]> {
    this.calls.push('listServiceEngines');
    return [];
  }
  async getServiceEngine(): Promise<ServiceEngine | undefined> {
    this.calls.push('getServiceEngine');
    return undefined;
  }
  async listVirtualServices(): Promise<VirtualService[]> {
    this.calls.push('listVirtualServices');
    return [];
  }
  async getVirtualService(): Promise<VirtualService | undefined> {
    this.calls.push('getVirtualService');
    return undefined;
  }
  async getServiceEngines(): Promise<ServiceEngine[]> {
    this.calls.push('getServiceEngines');
    return [];
  }
  async getVirtualServices(): Promise<VirtualService[]> {
    this.calls.push('getVirtualServices');
    return [];
  }
  async listCloudServiceEngines(): Promise<ServiceEngine[]> {
    this.calls.push('listCloudServiceEngines');
    return [];
  }
  async listCloudVirtualServices(): Promise<VirtualService[]> {
    this.calls.push('listCloudVirtualServices');
    return [];
  }
  async setEnableState(_uuid: string, _state: SeEnableState): Promise<void> {
    this.calls.push('setEnableState');
  }
  async deleteServiceEngine(): Promise<void> {
    this.calls.push('deleteServiceEngine');
  }
  async forceDeleteServiceEngine(): Promise<void> {
    this.calls.push('forceDeleteServiceEngine');
  }
}

export const CLUSTER_UUID = 'cluster-0c1d2e3f';

export function clusterOf(ips: string[]): ClusterConfig {
  return { uuid: CLUSTER_UUID, name: 'cluster-0-1', nodes: ips.map((ip) => ({ name: ip, ip: { addr: ip, type: 'V4' } })) };
}

export function runtimeOf(
  state: string,
  nodes: Array<{ ip: string; role?: 'CLUSTER_LEADER' | 'CLUSTER_FOLLOWER'; state?: string }>,
): ClusterRuntime {
  return {
    cluster_state: { state },
    node_states: nodes.map((n) => ({ name: n.ip, mgmt_ip: n.ip, role: n.role ?? 'CLUSTER_FOLLOWER', state: n.state ?? 'CLUSTER_ACTIVE' })),
  };
}
