// What "the same cluster" means for the lock: the Controller cluster's UUID (read from the
// Controller, so the VIP, a node address and a DNS name all agree) in one AWS account and region.

import type { AviGateway } from '../../avi/types.js';
import type { AwsGateway } from '../../aws/types.js';

export interface ClusterIdentity {
  /** Stable key for the lock and for "an unfinished run of this cluster". */
  key: string;
  clusterUuid: string;
  account?: string;
}

export async function clusterIdentity(gateways: { aws: AwsGateway; avi: AviGateway }, region: string): Promise<ClusterIdentity> {
  const cluster = await gateways.avi.getCluster();
  const ips = cluster.nodes.map((n) => n.ip.addr);
  // The account owning the node instances; none found here is for preflight to report.
  const owners = new Set((await gateways.aws.findInstancesByPrivateIp(ips)).flatMap((i) => (i.ownerId ? [i.ownerId] : [])));
  const account = owners.size === 1 ? [...owners][0] : undefined;
  return {
    key: `avi-cluster:${cluster.uuid}@aws:${account ?? 'unknown-account'}:${region}`,
    clusterUuid: cluster.uuid,
    ...(account ? { account } : {}),
  };
}
