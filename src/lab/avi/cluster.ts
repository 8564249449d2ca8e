// The Controller cluster as it reacts to the EC2 world: nodes power off and boot with their
// instances, rejoin (configured root) or wait to be joined (factory-fresh root), converge,
// elect a new leader, and make the API unreachable or 503 the way the docs describe.
// Durations are the documented real ones, scaled by the lab clock.

import type { ClusterRuntime } from '../../avi/types.js';
import type { Timeline } from '../timeline.js';
import type { InstanceRecord, World } from '../world/types.js';
import { freshConfig, seededConfig, VERSION, type ControllerConfig } from './config.js';

/** Docs: warm reboot 2-3 min; leader failover / warm restart leaves the API down 2-3 min;
 *  forming or re-forming a cluster takes "generally 4-10 minutes". */
export const DURATIONS = { bootMs: 150_000, failoverMs: 150_000, restartMs: 150_000, convergeMs: 300_000 } as const;

type Power = 'down' | 'booting' | 'up';
type Membership = 'active' | 'converging' | 'out';

interface NodeSim {
  ip: string;
  power: Power;
  member: Membership;
  /** Bumped on every power change so stale boot/convergence timers do nothing. */
  gen: number;
  rootVolumeId?: string;
  /** Booted from a factory-fresh root: stays out until the cluster configuration is saved. */
  awaitingJoin: boolean;
  upSince?: string;
}

export type ApiMode = 'up' | 'unavailable' | 'unreachable';

export class ClusterSim {
  readonly nodes: NodeSim[];
  leader: string;
  config: ControllerConfig;
  /** Bumped whenever the serving node restarts or changes: sessions from an older epoch are dead. */
  epoch = 0;
  private lastConfigured: ControllerConfig;
  private restarting: string | null = null;
  private restartGen = 0;
  private upSince = new Date().toISOString();

  constructor(private readonly world: World, private readonly timeline: Timeline, ips: string[]) {
    if (ips.length !== 1 && ips.length !== 3) throw new Error(`a Controller cluster has 1 or 3 nodes, got ${ips.length}`);
    const first = world.instanceByPrivateIp(ips[0]!);
    this.lastConfigured = seededConfig({ nodes: ips, region: world.region, vpcId: first?.vpcId ?? [...world.vpcs.keys()][0] ?? 'vpc-unknown' });
    this.config = this.lastConfigured;
    this.nodes = ips.map((ip) => {
      const inst = world.instanceByPrivateIp(ip);
      const root = inst ? world.rootVolume(inst.instanceId) : undefined;
      const running = inst?.state === 'running' && root !== undefined;
      const n: NodeSim = { ip, power: running ? 'up' : 'down', member: running ? 'active' : 'out', gen: 0, awaitingJoin: false };
      if (root) n.rootVolumeId = root.volumeId;
      if (running) n.upSince = this.upSince;
      return n;
    });
    if (this.single && this.nodes[0]!.power === 'up' && root(world, this.nodes[0]!) === 'fresh') this.config = freshConfig(ips[0]!);
    this.leader = (this.nodes.find((n) => n.power === 'up') ?? this.nodes[0]!).ip;
    for (const n of this.nodes) timeline.record(n.ip, this.nodeState(n));
    timeline.record('leader', this.leader);
    this.refresh('lab started');
  }

  get single(): boolean { return this.nodes.length === 1; }

  /** World listener: instance state changes drive node power. */
  onInstance(inst: InstanceRecord, from: InstanceRecord['state']): void {
    const n = this.nodes.find((x) => x.ip === inst.privateIp);
    if (!n) return;
    if (inst.state === 'running' && from !== 'running') this.boot(n, inst);
    else if (from === 'running' && inst.state !== 'running') this.powerOff(n, inst.state);
  }

  apiMode(): ApiMode {
    const up = this.nodes.filter((n) => n.power === 'up');
    if (up.length === 0) return 'unreachable';
    if (this.restarting) return 'unavailable';
    if (!this.single && (this.activeCount() < 2 || this.node(this.leader)?.member !== 'active')) return 'unavailable';
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
        const s: ClusterRuntime['node_states'][number] = { name: n.ip, role: n.ip === this.leader ? 'CLUSTER_LEADER' : 'CLUSTER_FOLLOWER', state: this.nodeState(n), mgmt_ip: n.ip };
        if (n.upSince && n.member === 'active') s.up_since = n.upSince;
        return s;
      }),
      node_info: { mgmt_ip: this.leader, has_config: this.config.hasConfig, version: VERSION.Tag, uuid: `node-${this.leader}` },
    };
  }

  /** PUT /api/cluster saved: a booted factory-fresh node is now told to join. */
  clusterSaved(): void {
    for (const n of this.nodes) if (n.awaitingJoin && n.power === 'up') this.join(n, 'cluster configuration saved: joining');
    this.refresh();
  }

  /** A restored configuration: services restart (API 503), then the Controller serves it. */
  restored(config: ControllerConfig): void {
    const n = this.nodes[0]!;
    this.config = config;
    // Only a restart that completes persists the configuration on the root volume.
    this.beginRestart('restoring configuration', DURATIONS.restartMs, () => {
      this.lastConfigured = config;
      this.markRootConfigured(n);
    });
  }

  private boot(n: NodeSim, inst: InstanceRecord): void {
    const root = this.world.rootVolume(inst.instanceId);
    n.power = 'booting';
    n.member = 'out';
    n.awaitingJoin = false;
    const gen = ++n.gen;
    if (root) n.rootVolumeId = root.volumeId;
    else delete n.rootVolumeId;
    this.timeline.record(n.ip, 'CLUSTER_WARM_REBOOT', root ? `booting from ${root.volumeId} (${root.content}${root.encrypted ? ', encrypted' : ''})` : 'no root volume');
    if (this.single) this.epoch++;
    this.refresh();
    if (!root) return; // nothing to boot from: the node never comes up
    this.world.clock.after(DURATIONS.bootMs, () => {
      if (gen === n.gen) this.booted(n);
    });
  }

  private booted(n: NodeSim): void {
    const content = root(this.world, n);
    if (content !== 'configured' && content !== 'fresh') {
      this.timeline.record(n.ip, 'CLUSTER_FAILURE', `root volume holds no Controller image (${content ?? 'missing'})`);
      n.power = 'down'; // running instance, dead Controller: never answers, never joins
      this.refresh();
      return;
    }
    n.power = 'up';
    n.upSince = new Date().toISOString();
    if (this.single) {
      n.member = 'active';
      this.epoch++;
      this.restarting = null;
      // The disk holds the configuration: a configured root boots with the one last saved on it.
      this.config = content === 'configured' ? this.lastConfigured : freshConfig(n.ip);
      this.timeline.record(n.ip, this.nodeState(n), content === 'configured' ? 'up with its configuration' : 'factory-fresh: no configuration');
    } else if (content === 'configured') {
      this.join(n, 'rejoining by itself (rejoin_nodes_automatically)');
    } else {
      n.awaitingJoin = true;
      this.timeline.record(n.ip, 'CLUSTER_INACTIVE', 'factory-fresh: waits for the cluster configuration to be saved');
    }
    this.ensureLeader();
    this.refresh();
  }

  private join(n: NodeSim, why: string): void {
    n.awaitingJoin = false;
    n.member = 'converging';
    const gen = n.gen;
    this.timeline.record(n.ip, 'CLUSTER_STARTING', why);
    this.world.clock.after(DURATIONS.convergeMs, () => {
      if (gen !== n.gen || n.power !== 'up') return;
      n.member = 'active';
      n.upSince = new Date().toISOString();
      this.markRootConfigured(n); // it now holds the cluster configuration
      this.timeline.record(n.ip, 'CLUSTER_ACTIVE', 'converged');
      this.ensureLeader();
      this.refresh();
    });
  }

  private powerOff(n: NodeSim, state: string): void {
    n.power = 'down';
    n.member = 'out';
    n.awaitingJoin = false;
    n.gen++;
    delete n.upSince;
    this.timeline.record(n.ip, 'CLUSTER_INACTIVE', `instance ${state}: heartbeats stopped`);
    if (this.single) {
      this.epoch++;
      this.restartGen++;
      this.restarting = null;
    }
    this.ensureLeader();
    this.refresh();
  }

  /** A follower takes leadership when the leader is gone; the API is 503 while it takes over. */
  private ensureLeader(): void {
    if (this.single || this.node(this.leader)?.member === 'active') return;
    const next = this.nodes.find((n) => n.member === 'active' && n.power === 'up');
    if (!next || this.activeCount() < 2) return;
    const old = this.leader;
    this.leader = next.ip;
    this.timeline.record('leader', next.ip, `takes leadership from ${old}`);
    this.beginRestart(`leader ${old} lost; ${next.ip} takes leadership`, DURATIONS.failoverMs);
  }

  private beginRestart(reason: string, ms: number, done?: () => void): void {
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

  private markRootConfigured(n: NodeSim): void {
    const vol = n.rootVolumeId ? this.world.volumes.get(n.rootVolumeId) : undefined;
    if (vol) vol.content = 'configured';
  }

  private refresh(detail?: string): void {
    this.timeline.record('cluster', this.clusterState(), detail);
    const mode = this.apiMode();
    this.timeline.record('api', mode === 'up' ? 'SERVING' : mode === 'unavailable' ? 'UNAVAILABLE' : 'UNREACHABLE', mode === 'up' ? `leader ${this.leader}` : (this.restarting ?? detail));
  }

  private nodeState(n: NodeSim): string {
    if (n.power === 'booting') return 'CLUSTER_WARM_REBOOT';
    if (n.power === 'down' || n.member === 'out') return 'CLUSTER_INACTIVE';
    return n.member === 'converging' ? 'CLUSTER_STARTING' : 'CLUSTER_ACTIVE';
  }

  private node(ip: string): NodeSim | undefined {
    return this.nodes.find((n) => n.ip === ip);
  }

  private activeCount(): number {
    return this.nodes.filter((n) => n.power === 'up' && n.member === 'active').length;
  }
}

function root(world: World, n: NodeSim): string | undefined {
  return n.rootVolumeId ? world.volumes.get(n.rootVolumeId)?.content : undefined;
}
