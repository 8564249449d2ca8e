// Document step 7 (1 node): the backed-up configuration onto the Controller that booted from the
// fresh root. The documented way is restore_config.py on the node over SSH (reference §4); the
// API import (POST /api/configuration/import) is kept as --restore-via api, unverified for a
// full_system export. Either way the fresh Controller is factory-default: it refuses the
// configured admin password until the configuration is back.

import { ShellError, type SshTarget } from '../../avi/shell-types.js';
import { AviError } from '../../avi/types.js';
import type { StepDeps } from '../deps.js';
import { action, check } from '../effect.js';
import { PreflightError } from '../errors.js';
import { isSingleNode, type ControllerData, type ControllerNode, type NodeScope, type RunScope } from './context.js';
import { parseEndpoint } from './settings.js';

/** The restore goes over SSH unless the run chose the API import. */
export const viaSsh = (data: ControllerData): boolean => data.restore?.via !== 'api';

/** Where the restore logs in: the node's private IP on port 22, or the endpoint override. */
export function sshTargetFor(data: ControllerData, node: Pick<ControllerNode, 'ip'>): SshTarget {
  const ssh = data.restore?.ssh;
  if (!ssh?.key) {
    throw new PreflightError('a 1-node Controller is restored over SSH with restore_config.py: set --ssh-key or AVI_ENCRYPT_SSH_KEY to the private key of its admin (the EC2 key pair it was launched with), or pass --restore-via api (unverified)');
  }
  const at = ssh.endpoint ? parseEndpoint(ssh.endpoint) : { host: node.ip, port: 22 };
  return { ...at, username: ssh.user, privateKeyPath: ssh.key, knownHostsPath: ssh.knownHosts, acceptNewHostKey: ssh.acceptNewHostKey };
}

/**
 * restore_config.py's flags for the Controller's version (reference §4): from 22.1 the script
 * refuses a Controller that is not clean unless --flushdb is given; the 17.1 docs list it as
 * optional and want a factory-fresh node, which the fresh root is. An unknown version gets it.
 */
export function restoreFlags(version: string | undefined): string[] {
  const [major, minor] = (version ?? '').split('.').map((p) => Number.parseInt(p, 10));
  if (major === undefined || minor === undefined || Number.isNaN(major) || Number.isNaN(minor)) return ['--flushdb'];
  return major > 22 || (major === 22 && minor >= 1) ? ['--flushdb'] : [];
}

/** The restore's SSH works: the key logs in and the host key is known (or accepted on first use); else a PreflightError. */
export async function checkSshAccess(reads: Pick<StepDeps['reads'], 'shell'>, data: ControllerData, node: Pick<ControllerNode, 'ip'>): Promise<SshTarget> {
  const target = sshTargetFor(data, node);
  await reads.shell.checkAccess(target).catch((e: unknown) => {
    throw e instanceof ShellError ? new PreflightError(e.message) : e;
  });
  return target;
}

/** Preflight (1 node, over SSH): the key logs in and the host key is known (or accepted on first use). */
export function checkSsh(deps: Pick<StepDeps, 'reads'>) {
  return check<ControllerData, ControllerData>(async ({ data }) => {
    const node = data.nodes[0];
    if (!node || !isSingleNode(data)) return;
    await checkSshAccess(deps.reads, data, node);
    const version = await deps.reads.cluster.probe();
    return version ? { controllerVersion: version } : {};
  });
}

type RestoreDeps = Pick<StepDeps, 'reads' | 'writes' | 'files' | 'backupPassphrase' | 'nodePassword' | 'now'>;

export function restoreConfig(deps: RestoreDeps) {
  const run = async (s: NodeScope) => {
    const { data } = s;
    if (!data.backupFile) throw new Error('no configuration backup recorded for this run; cannot restore');
    if (await restoredAlready(deps.reads, data)) return;
    const text = await deps.files.load(data.backupFile);
    const passphrase = await deps.backupPassphrase();
    if (!viaSsh(data)) {
      // The fresh Controller accepts only its initial admin password: the import logs in with it.
      await deps.writes.cluster.importConfiguration(text, passphrase, await deps.nodePassword());
      return;
    }
    const version = (await deps.reads.cluster.probe().catch(() => undefined)) ?? data.controllerVersion;
    const outcome = await deps.writes.shell.restoreConfig({
      target: sshTargetFor(data, s.item), configuration: text, remotePath: remotePathFor(s.runId), flags: restoreFlags(version),
      passphrase, timeoutMs: s.deadline - deps.now(),
    });
    s.report('restore_config.py', outcome.removed ? outcome.tail : `${outcome.tail} (the upload ${remotePathFor(s.runId)} could not be removed: remove it by hand)`);
  };
  const plan = async (s: NodeScope | RunScope, w: StepDeps['writes']) => {
    if (!viaSsh(s.data)) return void (await w.cluster.importConfiguration('<the backup>', ''));
    const node = s.data.nodes[0];
    if (!node) return;
    await w.shell.restoreConfig({
      target: sshTargetFor(s.data, node), configuration: '<the backup>', remotePath: remotePathFor(s.runId),
      flags: restoreFlags(s.data.controllerVersion), passphrase: '', timeoutMs: 0,
    });
  };
  return action<ControllerData, ControllerNode>(run, plan);
}

/** /tmp on the node: restore_config.py reads it there, and it is removed right after. */
export const remotePathFor = (runId: string): string => `/tmp/avi-encrypt-${runId.replace(/[^\w.-]/g, '_')}.json`;

/** The backed-up cluster uuid is back (a re-run after the restore); a fresh Controller refuses our login or has a uuid of its own. */
export async function restoredAlready(reads: Pick<StepDeps['reads'], 'cluster'>, data: ControllerData): Promise<boolean> {
  try {
    return !!data.clusterUuid && (await reads.cluster.getCluster()).uuid === data.clusterUuid;
  } catch (e) {
    if (e instanceof AviError && e.kind === 'auth' && e.status === 401) return false;
    throw e;
  }
}
