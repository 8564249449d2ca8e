// The Avi gateway of a dry run: GETs go to the Controller, writes are recorded. A Controller
// whose root was swapped in this plan boots factory-fresh with a cluster of its own, as the
// document says, so the restore step sees what it would see for real.

import type { AviGateway } from '../../avi/types.js';
import type { AwsOverlay } from './recorder-aws.js';
import type { PlannedCall } from './types.js';

export function recordingAvi(
  real: AviGateway,
  record: (c: PlannedCall) => void,
  aws: AwsOverlay,
  singleNodeInstance: () => string | undefined,
): AviGateway {
  return {
    login: () => real.login(),
    probe: () => real.probe(),
    async getCluster() {
      const cluster = await real.getCluster();
      const instance = singleNodeInstance();
      return instance && aws.rootReplaced(instance) ? { ...cluster, uuid: `${cluster.uuid}-factory-fresh` } : cluster;
    },
    getClusterRuntime: () => real.getClusterRuntime(),
    listClouds: () => real.listClouds(),
    async putCluster(cluster) {
      record({ service: 'avi', operation: 'PUT /api/cluster', target: cluster.uuid, detail: { nodes: cluster.nodes.map((n) => n.ip.addr) } });
      return cluster;
    },
    async exportConfiguration() {
      record({ service: 'avi', operation: 'POST /api/configuration/export?full_system=true', target: 'configuration' });
      return '{"planned": true}';
    },
    async importConfiguration() {
      record({ service: 'avi', operation: 'POST /api/configuration/import', target: 'configuration' });
    },
    resetSession: () => real.resetSession(),
  };
}
