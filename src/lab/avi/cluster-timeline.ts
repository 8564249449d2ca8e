// What the simulated cluster writes into the lab's timeline (format: README text in the report):
//   <node ip>  node_states[].state as the cluster reports it (CLUSTER_ACTIVE, CLUSTER_INACTIVE, ...),
//              or, for a Controller not listed in the cluster: BOOTING, FACTORY_DEFAULT, STANDALONE, DOWN
//   cluster    cluster_state.state
//   api        up | 503 | unreachable: what a client of the cluster's address gets
//   leader     the leader's IP
//   active     the nodes really up and holding the converged configuration: state = their count,
//              nodes = their IPs (sorted). A test replays these to prove "at least two active".

import type { Timeline } from '../timeline.js';
import type { ClusterSim } from './cluster.js';
import { nodeState, rootContent, type NodeSim } from './node.js';

export class ClusterRecorder {
  constructor(private readonly timeline: Timeline, private readonly sim: ClusterSim) {}

  node(n: NodeSim, detail?: string, state?: string): void {
    this.timeline.record(n.ip, state ?? this.stateOf(n), detail);
  }

  cluster(detail: string | undefined, restarting: string | null): void {
    const sim = this.sim;
    this.timeline.record('cluster', sim.clusterState(), detail);
    const mode = sim.apiMode();
    const api = mode === 'up' ? 'up' : mode === 'unavailable' ? '503' : 'unreachable';
    this.timeline.record('api', api, mode === 'up' ? `leader ${sim.leader}` : (restarting ?? detail));
    this.timeline.record('leader', sim.leader);
    const active = sim.activeNodes();
    this.timeline.record('active', String(active.length), undefined, active);
  }

  private stateOf(n: NodeSim): string {
    if (this.sim.isMember(n.ip)) return nodeState(n);
    if (n.power === 'down') return 'DOWN';
    if (n.power === 'booting') return 'BOOTING';
    return rootContent(this.sim.world, n) === 'fresh' ? 'FACTORY_DEFAULT' : 'STANDALONE';
  }
}
