// The Controller cluster: its nodes (node-power.ts follows their instances), convergence, leader
// election, and what a client of the cluster's address sees: unreachable, 503 or serving, the way
// the docs describe. Membership changes (PUT /api/cluster) are applied here once membership.ts has
// checked them. Durations are the documented real ones, scaled by the lab clock.

import type { ClusterRuntime } from '../../avi/types.js';
import type { Timeline } from '../timeline.js';
import type { InstanceRecord, World } from '../world/types.js';
import { freshConfig, seededConfig, VERSION, type ControllerConfig } from './config.js';
import { bootsController, DURATIONS, newNode, nodeState, rootContent, type NodeSim } from './node.js';
import { ClusterRecorder } from './cluster-timeline.js';
import { bootNode, powerOffNode } from './node-power.js';
import { ControllerFaultState } from './fault-state.js';

export type ApiMode = 'up' | 'unavailable' | 'unreachable';

export class ClusterSim {
  /** What `lab fault` does to this Controller. */
  readonly faults = new ControllerFaultState({
    stuck: (ip) => this.isMember(ip) && this.nodeAt(ip).member === 'converging' && this.nodeAt(ip).power === 'up',
    converge: (ip) => this.join(this.nodeAt(ip), 'converges: the no-converge fault was cleared'),
    endSessions: () => void this.epoch++,
    refresh: (detail) => this.refresh(detail),
  });
  /** Every Controller the lab knows: the listed nodes and Controllers booted on other instances. */
  readonly known = new Map<string, NodeSim>();
  leader: string;
  config: ControllerConfig;
  /** Bumped whenever the serving node restarts or changes: sessions from an older epoch are dead. */
  epoch = 0;
  /** The configuration last persisted on the nodes' disks: what a configured root boots with. */
  lastConfigured: ControllerConfig;
  private restarting: string | null = null;
  private restartGen = 0;
  private readonly upSince = new Date().toISOString();
  readonly rec: ClusterRecorder;

  /** @param nodePassword the initial admin password of every factory-default Controller in the lab */
  constructor(readonly world: World, timeline: Timeline, ips: string[], readonly nodePassword: string) {
    if (ips.length !== 1 && ips.length !== 3) throw new Error(`a Controller cluster has 1 or 3 nodes, got ${ips.length}`);
    this.rec = new ClusterRecorder(timeline, this);
    const first = world.instanceByPrivateIp(ips[0]!);
    this.lastConfigured = seededConfig({ nodes: ips, region: world.region, vpcId: first?.vpcId ?? [...world.vpcs.keys()][0] ?? 'vpc-unknown' });
    this.config = this.lastConfigured;
    for (const inst of world.instances.values()) {
      const root = world.rootVolume(inst.instanceId);
      const listed = ips.includes(inst.privateIp);
      if (inst.state !== 'running' || !root || (!listed && !bootsController(root.content))) continue;
      const n = newNode(inst.privateIp, 'up', root.volumeId);
      n.upSince = this.upSince;
      n.instanceId = n.bootedInstanceId = inst.instanceId;
      if (!listed) n.member = 'out';
      this.known.set(n.ip, n);
    }
    for (const ip of ips) if (!this.known.has(ip)) this.known.set(ip, newNode(ip, 'down', undefined));
    if (this.single && this.nodes[0]!.power === 'up' && rootContent(world, this.nodes[0]!) === 'fresh') this.config = freshConfig(ips[0]!);
    this.leader = (this.nodes.find((n) => n.power === 'up') ?? this.nodes[0]!).ip;
    for (const n of this.known.values()) this.rec.node(n);
    this.refresh('lab started');
  }

  /** The listed nodes, in the configuration's order. */
  get nodes(): NodeSim[] {
    return this.config.cluster.nodes.map((c) => this.nodeAt(c.ip.addr));
  }

  get single(): boolean { return this.config.cluster.nodes.length === 1; }

  isMember(ip: string): boolean {
    return this.config.cluster.nodes.some((c) => c.ip.addr === ip);
  }

  nodeAt(ip: string): NodeSim {
    let n = this.known.get(ip);
    if (!n) this.known.set(ip, (n = newNode(ip, 'down', undefined)));
    return n;
  }

  /** World listener: instance state changes drive node power. */
  onInstance(inst: InstanceRecord, from: InstanceRecord['state']): void {
    const ip = inst.privateIp;
    if (!this.known.has(ip) && inst.state !== 'running') return; // not (yet) a Controller we know of
    const n = this.nodeAt(ip);
    if (inst.state === 'running' && from !== 'running') bootNode(this, n, inst);
    else if (from === 'running' && inst.state !== 'running') powerOffNode(this, n, inst.state);
  }

  apiMode(): ApiMode {
    const fault = this.faults.apiOverride();
    if (fault) return fault;
    const leader = this.nodeAt(this.leader);
    // The API (and the cluster VIP) lives on the leader: while it is gone and no follower has
    // taken over yet, nobody answers.
    if (leader.power !== 'up') return 'unreachable';
    if (this.restarting) return 'unavailable';
    if (!this.single && (this.activeCount() < 2 || leader.member !== 'active')) return 'unavailable';
    return 'up';
  }

  clusterState(): string {
    if (this.single) return this.nodes[0]!.power !== 'up' ? 'CLUSTER_REBOOTING' : this.restarting ? 'CLUSTER_STARTING_UP' : 'CLUSTER_UP_NO_HA';
    if (this.activeCount() < 2) return 'CLUSTER_STARTING_UP'; // quorum (2 of 3) lost
    if (this.nodes.some((n) => n.member === 'out')) return 'CLUSTER_UP_HA_COMPROMISED';
    if (this.nodes.some((n) => n.member === 'converging')) return 'CLUSTER_UP_HA_NOT_READY';
    return 'CLUSTER_UP_HA_ACTIVE';
  }

  runtime(): ClusterRuntime {
    const state = this.clusterState();
    const ready = state === 'CLUSTER_UP_HA_ACTIVE' || state === 'CLUSTER_UP_NO_HA';
    return {
      cluster_state: { state, progress: ready ? 100 : 50, up_since: this.upSince },
      node_states: this.nodes.map((n) => {
        const s: ClusterRuntime['node_states'][number] = { name: n.ip, role: n.ip === this.leader ? 'CLUSTER_LEADER' : 'CLUSTER_FOLLOWER', state: nodeState(n), mgmt_ip: n.ip };
        if (n.upSince && n.member === 'active') s.up_since = n.upSince;
        return s;
      }),
      node_info: { mgmt_ip: this.leader, has_config: this.config.hasConfig, version: VERSION.Tag, uuid: `node-${this.leader}` },
    };
  }

  /** Nodes that are really up and hold the converged cluster configuration (not what peers believe). */
  activeNodes(): string[] {
    return this.nodes.filter((n) => n.power === 'up' && n.member === 'active').map((n) => n.ip).sort();
  }

  /** A restored configuration: services restart (API 503), then the Controller serves it. */
  restored(config: ControllerConfig): void {
    const n = this.nodes[0]!;
    // The script restores a 1-node cluster on this node (reference §4).
    this.config = { ...config, cluster: { ...config.cluster, nodes: [{ name: n.ip, ip: { addr: n.ip, type: 'V4' } }] } };
    // Only a restart that completes persists the configuration on the root volume.
    this.beginRestart('restoring configuration', DURATIONS.restartMs, () => {
      this.lastConfigured = this.config;
      this.markRootConfigured(n);
    });
  }

  /** The leader restarts services for a membership change; the API answers 503 meanwhile. */
  beginRestart(reason: string, ms: number, done?: () => void): void {
    const gen = ++this.restartGen;
    this.restarting = reason;
    this.epoch++;
    this.refresh(reason);
    this.world.clock.after(ms, () => {
      if (gen !== this.restartGen) return;
      this.restarting = null;
      done?.();
      this.refresh('services up');
    });
  }

  /** A listed node starts joining and is active after `ms`, holding the cluster configuration. */
  join(n: NodeSim, why: string, ms: number = DURATIONS.convergeMs): void {
    n.awaitingJoin = false;
    n.member = 'converging';
    const gen = n.gen;
    this.rec.node(n, why);
    this.world.clock.after(ms, () => {
      if (gen !== n.gen || n.power !== 'up' || !this.isMember(n.ip)) return;
      // lab fault no-converge: the node stays converging until the fault is cleared.
      if (this.faults.holdsBack(n.ip)) return;
      n.member = 'active';
      n.upSince = new Date().toISOString();
      if (n.bootedInstanceId) n.instanceId = n.bootedInstanceId;
      this.markRootConfigured(n);
      this.rec.node(n, 'converged');
      this.ensureLeader();
      this.refresh();
    });
  }

  /** A removed follower clears its state: a factory-default Controller at the same IP. */
  wipe(n: NodeSim): void {
    n.member = 'out';
    n.awaitingJoin = false;
    const vol = n.rootVolumeId ? this.world.volumes.get(n.rootVolumeId) : undefined;
    // Lab simplification: a removed node that is down keeps its disk (the leader "forcibly removes" it).
    if (vol && n.power === 'up') vol.content = 'fresh';
    this.rec.node(n, n.power === 'up' ? 'removed from the cluster: re-imaged to factory default' : 'removed from the cluster while down');
  }

  refresh(detail?: string): void {
    this.rec.cluster(detail, this.restarting);
  }

  /** The only node went down or came back: whatever restart was under way is over, sessions are gone. */
  singleNodeRestarted(): void {
    this.epoch++;
    this.restartGen++;
    this.restarting = null;
  }

  /** A follower takes leadership when the leader is declared down; the API is 503 while it takes over. */
  ensureLeader(): void {
    if (this.single || this.nodeAt(this.leader).member === 'active') return;
    const next = this.nodes.find((n) => n.member === 'active' && n.power === 'up');
    if (!next || this.activeCount() < 2) return;
    const old = this.leader;
    this.leader = next.ip;
    this.beginRestart(`leader ${old} lost; ${next.ip} takes leadership`, DURATIONS.failoverMs);
  }

  markRootConfigured(n: NodeSim): void {
    const vol = n.rootVolumeId ? this.world.volumes.get(n.rootVolumeId) : undefined;
    if (vol) vol.content = 'configured';
  }

  private activeCount(): number {
    return this.nodes.filter((n) => n.member === 'active').length;
  }
}
