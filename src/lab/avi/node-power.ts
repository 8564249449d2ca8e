// A Controller node follows its EC2 instance: it boots with it (the root volume says what:
// a configured Controller, a factory-fresh one, or nothing), and when the instance stops its
// peers declare it down only after 4 missed 10 s heartbeats (HA for Avi Controllers, 20.1).

import type { InstanceRecord } from '../world/types.js';
import type { ClusterSim } from './cluster.js';
import { freshConfig } from './config.js';
import { bootsController, DURATIONS, rootContent, type NodeSim } from './node.js';

export function bootNode(sim: ClusterSim, n: NodeSim, inst: InstanceRecord): void {
  const root = sim.world.rootVolume(inst.instanceId);
  n.power = 'booting';
  if (n.member !== 'active') n.member = 'out';
  n.awaitingJoin = false;
  const gen = ++n.gen;
  n.bootedInstanceId = inst.instanceId;
  if (root) n.rootVolumeId = root.volumeId;
  else delete n.rootVolumeId;
  sim.rec.node(n, root ? `booting from ${root.volumeId} (${root.content}${root.encrypted ? ', encrypted' : ''})` : 'no root volume');
  if (sim.single && sim.isMember(n.ip)) sim.epoch++;
  sim.refresh();
  if (!root) return; // nothing to boot from: the node never comes up
  sim.world.clock.after(DURATIONS.bootMs, () => {
    if (gen === n.gen) booted(sim, n);
  });
}

function booted(sim: ClusterSim, n: NodeSim): void {
  const content = rootContent(sim.world, n);
  if (!bootsController(content)) {
    n.power = 'down'; // running instance, dead Controller: never answers, never joins
    sim.rec.node(n, `root volume holds no Controller image (${content ?? 'missing'})`, 'CLUSTER_FAILURE');
    sim.refresh();
    return;
  }
  n.power = 'up';
  n.upSince = new Date().toISOString();
  if (!sim.isMember(n.ip)) {
    n.member = 'out';
    sim.rec.node(n, content === 'fresh' ? 'factory-default Controller up, not in the cluster' : 'Controller up with a configuration of its own, not in the cluster');
  } else if (!sim.single && n.instanceId !== undefined && n.instanceId !== n.bootedInstanceId) {
    // Docs ("Replace a Follower Node with a New Node"; the VCF node-replacement playbook): a new
    // machine at a member's IP is not taken back by editing the cluster; dismantle to the
    // leader, then add it as a new node.
    n.member = 'out';
    sim.rec.node(n, `a new machine (${n.bootedInstanceId}) at a member's IP: remove it from the cluster (dismantle), then add it as a new node`);
  } else if (sim.single) {
    n.member = 'active';
    sim.singleNodeRestarted();
    // The disk holds the configuration: a configured root boots with the one last saved on it.
    sim.config = content === 'configured' ? sim.lastConfigured : freshConfig(n.ip);
    sim.rec.node(n, content === 'configured' ? 'up with its configuration' : 'factory-fresh: no configuration');
  } else if (content === 'configured') {
    sim.join(n, 'rejoining by itself (rejoin_nodes_automatically)');
  } else {
    n.member = 'out';
    n.awaitingJoin = true;
    sim.rec.node(n, 'factory-fresh: waits for the cluster configuration to be saved with its password');
  }
  sim.ensureLeader();
  sim.refresh();
}

export function powerOffNode(sim: ClusterSim, n: NodeSim, state: string): void {
  const wasUp = n.power === 'up';
  n.power = 'down';
  n.awaitingJoin = false;
  n.stoppedAs = state;
  n.gen++;
  delete n.upSince;
  if (!sim.isMember(n.ip)) {
    sim.rec.node(n, `instance ${state}`);
    return sim.refresh();
  }
  if (sim.single) {
    n.member = 'out';
    sim.singleNodeRestarted();
    sim.rec.node(n, `instance ${state}: the only node is down`);
    return sim.refresh();
  }
  sim.refresh(`${n.ip} (instance ${state}) stopped sending heartbeats`);
  if (!wasUp || n.member === 'out') return;
  // Peers notice only after 4 missed 10 s heartbeats; until then it is still counted active.
  sim.world.clock.after(DURATIONS.heartbeatMs * DURATIONS.missedHeartbeats, () => {
    if (n.power === 'up' || n.member === 'out' || !sim.isMember(n.ip)) return;
    n.member = 'out';
    sim.rec.node(n, `instance ${n.stoppedAs}: declared down after ${DURATIONS.missedHeartbeats} missed heartbeats`);
    sim.ensureLeader();
    sim.refresh();
  });
}
