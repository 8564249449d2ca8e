// The Controller runbooks' own preflight checks, each on its own line of the checklist: the
// user may write the cluster, the Controller's version, no other run holds the nodes, cluster
// READY, the nodes' root devices, and (1 node) the restore's passphrase and SSH. The engine adds
// the key, KMS grant, plan and IAM checks. Where a runbook step refuses on the same thing (the
// key, cluster READY, another run's marker, SSH), the same function decides both.

import type { Settings } from '../../runbook/settings.js';
import { checked, fail, pass, skip, type CheckResult, type PreflightFound, type SecretSource } from '../check-result.js';
import type { Reads } from '../gateways.js';
import { ClaimConflictError, PreflightError, TARGET_HELD } from '../errors.js';
import { versionCheck, writeAccessCheck } from '../avi-checks.js';
import { refuseOthers } from './claim.js';
import type { ControllerData } from './context.js';
import { clusterProblem } from './discover.js';
import { checkSshAccess, viaSsh } from './restore.js';

/** AttachVolume takes /dev/sd[a-z] and /dev/xvd[a-z] names (EC2 user guide, "Device names on Linux instances"). */
const EBS_DEVICE = /^\/dev\/(sd[a-z][0-9]{0,2}|xvd[a-z]{1,2})$/;

async function readyCheck(reads: Reads): Promise<CheckResult> {
  const title = 'Controller cluster READY';
  const [cluster, runtime] = await Promise.all([reads.cluster.getCluster(), reads.cluster.getClusterRuntime()]);
  const problem = clusterProblem(cluster.nodes.length, runtime);
  return problem ? fail('cluster-ready', title, problem) : pass('cluster-ready', title, `${runtime.cluster_state.state}, ${cluster.nodes.length} node${cluster.nodes.length === 1 ? '' : 's'}`);
}

/** Each node's root goes back at the device its old root leaves: a name AttachVolume takes, held by that root alone. */
async function rootDeviceCheck(reads: Reads, data: ControllerData | undefined): Promise<CheckResult> {
  const title = 'Root device names free for the new roots';
  if (!data) return skip('root-devices', title, 'needs the plan\'s nodes (see "The plan")');
  const bad: string[] = [];
  for (const node of data.nodes.filter((n) => !n.alreadyEncrypted)) {
    const instance = await reads.ec2.describeInstance(node.instanceId);
    const held = instance.blockDevices.filter((b) => b.device === node.rootDevice).map((b) => b.volumeId);
    if (!EBS_DEVICE.test(node.rootDevice)) bad.push(`${node.ip}: ${node.rootDevice} is not a device name AttachVolume takes`);
    else if (held.length !== 1 || held[0] !== node.oldVolumeId) bad.push(`${node.ip}: ${node.rootDevice} holds ${held.join(', ') || 'nothing'}, not only its root ${node.oldVolumeId}`);
  }
  if (bad.length) return fail('root-devices', title, `${bad.join('; ')}; fix the block device mapping, then retry`);
  return pass('root-devices', title, [...new Set(data.nodes.map((n) => n.rootDevice))].join(', '));
}

/**
 * Another run, from any host or state dir, marked the nodes or left encrypted roots for them (the
 * claim step's rule). Read from the cluster itself, not the plan: a run under way is also why a
 * plan cannot be made (a node it stopped), and this is the failure that explains it.
 */
export async function notHeldCheck(reads: Reads): Promise<CheckResult> {
  const title = 'No other avi-encrypt run holds the nodes';
  const nodes = (await reads.cluster.getCluster()).nodes.map((n) => ({ ip: n.ip.addr }));
  const instances = await reads.ec2.findInstancesByPrivateIp(nodes.map((n) => n.ip));
  try {
    await refuseOthers(reads, '', nodes, instances);
  } catch (e) {
    if (e instanceof ClaimConflictError) return { ...fail('not-held', title, e.message), code: TARGET_HELD };
    throw e;
  }
  return pass('not-held', title, 'no in-flight marker of another run, no encrypted root left unattached for these nodes');
}

/**
 * A 1-node restore needs the backup passphrase (asked at the backup, used again at the restore)
 * and, over SSH, a key that logs in (the check-ssh step's own function, so one cause is one line).
 */
async function restoreCredentialsChecks(reads: Reads, data: ControllerData | undefined, passphrase: SecretSource): Promise<CheckResult[]> {
  const title = 'Backup passphrase for the 1-node restore';
  const sshTitle = "The Controller's SSH for the 1-node restore";
  if (!data) return [skip('restore-passphrase', title, 'needs the plan\'s nodes (see "The plan")')];
  if (data.nodes.length !== 1) return [pass('restore-passphrase', 'Restore credentials', 'not needed: a 3-node cluster re-joins its nodes instead')];
  const rows = [passphrase === 'missing'
    ? fail('restore-passphrase', title, 'a 1-node migration backs up and restores the configuration with a passphrase: set AVI_BACKUP_PASSPHRASE (or run from a terminal to be asked)')
    : pass('restore-passphrase', title, `from ${passphrase === 'environment' ? 'AVI_BACKUP_PASSPHRASE' : 'a prompt'}`)];
  if (!viaSsh(data)) return [...rows, pass('restore-ssh', sshTitle, 'not needed: --restore-via api')];
  return [...rows, ...await checked('restore-ssh', sshTitle, async () => {
    try {
      const t = await checkSshAccess(reads, data, data.nodes[0]!);
      return pass('restore-ssh', sshTitle, `key ${t.privateKeyPath} logs in as ${t.username} on ${t.host}:${t.port}`);
    } catch (e) {
      if (e instanceof PreflightError) return fail('restore-ssh', sshTitle, e.message);
      throw e;
    }
  })];
}

// UNVERIFIED: PERMISSION_CONTROLLER as the privilege behind /api/cluster and configuration export/import.
export const CLUSTER = { what: 'the cluster configuration', privileges: ['PERMISSION_CONTROLLER'] };

export function controllerChecks(minimumVersion: string) {
  return async (reads: Reads, settings: Pick<Settings, 'avi'>, found: PreflightFound<ControllerData>): Promise<CheckResult[]> => {
    // Node checks need the nodes: discovered at once, so a plan refused after discovery has them all.
    const data = found.data?.nodes.length ? found.data : undefined;
    return [
      ...await checked('avi-write-access', 'The Avi user may write the cluster configuration', () => writeAccessCheck(reads, settings.avi.tenant, CLUSTER)),
      versionCheck(found.controllerVersion, minimumVersion),
      ...await checked('not-held', 'No other avi-encrypt run holds the nodes', () => notHeldCheck(reads)),
      ...await checked('cluster-ready', 'Controller cluster READY', () => readyCheck(reads)),
      ...await checked('root-devices', 'Root device names free for the new roots', () => rootDeviceCheck(reads, data)),
      ...await restoreCredentialsChecks(reads, data, found.secrets.backupPassphrase),
    ];
  };
}
