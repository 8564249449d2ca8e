// The Controller runbooks' own preflight checks, each on its own line of the checklist: the
// user may write the cluster, the Controller's version, cluster READY, the nodes' root devices,
// and (1 node) the backup passphrase the restore needs. The engine adds the key, KMS grant,
// plan and IAM checks; cluster READY and the key are also what the runbooks' own steps refuse on
// (the same functions decide both).

import type { Settings } from '../../runbook/settings.js';
import { checked, fail, pass, skip, type CheckResult, type PreflightFound, type SecretSource } from '../check-result.js';
import type { Reads } from '../gateways.js';
import { ClaimConflictError, TARGET_HELD } from '../errors.js';
import { clusterWriteCheck } from './access.js';
import { refuseOthers } from './claim.js';
import type { ControllerData } from './context.js';
import { clusterProblem } from './discover.js';

/** AttachVolume takes /dev/sd[a-z] and /dev/xvd[a-z] names (EC2 user guide, "Device names on Linux instances"). */
const EBS_DEVICE = /^\/dev\/(sd[a-z][0-9]{0,2}|xvd[a-z]{1,2})$/;

/** "22.1.3", "17.2.3-9019" -> [22, 1, 3]; the first three numbers. */
export function versionParts(v: string): number[] {
  return (v.match(/\d+/g) ?? []).slice(0, 3).map(Number);
}

export function atLeast(version: string, minimum: string): boolean {
  const a = versionParts(version);
  const b = versionParts(minimum);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

export function versionCheck(version: string, minimum: string): CheckResult {
  const title = `Controller version ${minimum} or later`;
  if (versionParts(version).length === 0) return pass('avi-version', title, `the Controller reports "${version}"`, 'no version number to compare');
  return atLeast(version, minimum)
    ? pass('avi-version', title, `Avi ${version}`)
    : fail('avi-version', title, `the Controller runs Avi ${version}; EBS encryption of Controllers and SEs needs ${minimum} or later: upgrade the Controller first`);
}

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
async function notHeldCheck(reads: Reads): Promise<CheckResult> {
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

/** A 1-node restore needs the backup passphrase (asked at the backup, used again at the restore). */
function restoreCredentialsCheck(data: ControllerData | undefined, passphrase: SecretSource): CheckResult {
  const title = 'Restore credentials for the 1-node restore';
  if (!data) return skip('restore-credentials', title, 'needs the plan\'s nodes (see "The plan")');
  if (data.nodes.length !== 1) return pass('restore-credentials', title, 'not needed: a 3-node cluster re-joins its nodes instead');
  if (passphrase === 'missing') {
    return fail('restore-credentials', title,
      'a 1-node migration backs up and restores the configuration with a passphrase: set AVI_BACKUP_PASSPHRASE (or run from a terminal to be asked)');
  }
  return pass('restore-credentials', title, `backup passphrase from ${passphrase === 'environment' ? 'AVI_BACKUP_PASSPHRASE' : 'a prompt'}`);
}

export function controllerChecks(minimumVersion: string) {
  return async (reads: Reads, settings: Settings, found: PreflightFound<ControllerData>): Promise<CheckResult[]> => [
    ...await checked('avi-cluster-write', 'The Avi user may write the cluster configuration', () => clusterWriteCheck(reads, settings.avi.tenant)),
    versionCheck(found.controllerVersion, minimumVersion),
    ...await checked('not-held', 'No other avi-encrypt run holds the nodes', () => notHeldCheck(reads)),
    ...await checked('cluster-ready', 'Controller cluster READY', () => readyCheck(reads)),
    ...await checked('root-devices', 'Root device names free for the new roots', () => rootDeviceCheck(reads, found.data)),
    restoreCredentialsCheck(found.data, found.secrets.backupPassphrase),
  ];
}
