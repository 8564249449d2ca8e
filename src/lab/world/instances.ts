// Instance state machines as EC2 documents them: stop, start, terminate and boot, with their real
// durations (scaled), and the boot that falls back when EBS cannot use a volume's KMS key.

import type { InstanceRecord, StateReason } from './types.js';
import type { LabWorld } from './world.js';
import { AwsFault } from '../aws/fault.js';
import { DURATION_MS } from './durations.js';
import { releaseAttachment } from './volumes.js';
import { releaseInstanceAddresses } from './addresses.js';

type InstanceState = InstanceRecord['state'];
export interface StateChange { instanceId: string; previous: InstanceState; current: InstanceState }

/** The caller of StartInstances/RunInstances, as far as EBS cares when it creates its grants. */
export interface Launcher {
  /** kms:CreateGrant on the key, which EBS needs to attach an encrypted volume at boot. */
  mayCreateGrant(keyArn: string): boolean;
}

const ANYONE: Launcher = { mayCreateGrant: () => true };
const CLIENT_ERROR_ON_LAUNCH: StateReason = { code: 'Client.InternalError', message: 'Client.InternalError: Client error on launch' };
const USER_SHUTDOWN: StateReason = { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' };

const gmt = (d: Date) => d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' GMT');

export function stopInstance(world: LabWorld, id: string): StateChange {
  const inst = world.instance(id);
  const previous = inst.state;
  if (previous === 'stopped' || previous === 'stopping') return { instanceId: id, previous, current: previous };
  if (previous !== 'running') {
    throw new AwsFault('IncorrectInstanceState', `The instance '${id}' is not in a state from which it can be stopped.`);
  }
  world.commit();
  inst.stateTransitionReason = `User initiated (${gmt(new Date())})`;
  inst.stateReason = USER_SHUTDOWN;
  world.setInstanceState(inst, 'stopping');
  world.clock.after(DURATION_MS.stop, () => inst.state === 'stopping' && world.setInstanceState(inst, 'stopped'));
  return { instanceId: id, previous, current: 'stopping' };
}

export function startInstance(world: LabWorld, id: string, launcher: Launcher = ANYONE): StateChange {
  const inst = world.instance(id);
  const previous = inst.state;
  if (previous === 'running' || previous === 'pending') return { instanceId: id, previous, current: previous };
  if (previous !== 'stopped') {
    throw new AwsFault('IncorrectInstanceState', `The instance '${id}' is not in a state from which it can be started.`);
  }
  // AWS refuses this synchronously (documented in the VM Import troubleshooting page).
  if (!inst.devices[inst.rootDeviceName]) {
    throw new AwsFault('InvalidParameterValue',
      `Invalid value '${id}' for instanceId. Instance does not have a volume attached at root (${inst.rootDeviceName})`);
  }
  world.commit();
  delete inst.stateReason;
  inst.stateTransitionReason = '';
  world.setInstanceState(inst, 'pending');
  boot(world, inst, launcher, 'stopped');
  return { instanceId: id, previous, current: 'pending' };
}

/**
 * pending -> running after the documented start time, unless EBS cannot decrypt an attached volume's
 * data key (key disabled, pending deletion, gone, or no kms:CreateGrant for the caller) or a boot
 * check objects: then `Client.InternalError`, back to stopped (a start) or terminated (a launch).
 */
export function boot(world: LabWorld, inst: InstanceRecord, launcher: Launcher, onFailure: 'stopped' | 'terminated'): void {
  world.clock.after(DURATION_MS.start, () => {
    if (inst.state !== 'pending') return;
    const reason = bootFailure(world, inst, launcher);
    if (reason) {
      inst.stateReason = reason;
      inst.stateTransitionReason = `Server.InternalError (${gmt(new Date())})`;
      if (onFailure === 'terminated') return finishTermination(world, inst);
      return world.setInstanceState(inst, 'stopped');
    }
    inst.launchTime = new Date().toISOString();
    world.setInstanceState(inst, 'running');
  });
}

function bootFailure(world: LabWorld, inst: InstanceRecord, launcher: Launcher): StateReason | undefined {
  for (const volumeId of Object.values(inst.devices)) {
    const vol = world.volumes.get(volumeId);
    if (!vol?.encrypted) continue;
    if (!world.keyUsable(vol.kmsKeyArn)) return CLIENT_ERROR_ON_LAUNCH;
    // AWS-managed keys (aws/ebs) let every principal of the account use them through EC2; a customer
    // key needs the caller's kms:CreateGrant (re:Post knowledge center "kms-iam-ec2-permission").
    const key = world.findKey(vol.kmsKeyArn!)!;
    if (key.manager === 'CUSTOMER' && !launcher.mayCreateGrant(key.arn)) return CLIENT_ERROR_ON_LAUNCH;
  }
  for (const check of world.bootChecks) {
    const reason = check(inst);
    if (reason) return reason;
  }
  return undefined;
}

/** Idempotent, as AWS documents TerminateInstances: a terminated instance answers terminated/terminated. */
export function terminateInstance(world: LabWorld, id: string): StateChange {
  const inst = world.instance(id);
  const previous = inst.state;
  if (previous === 'shutting-down' || previous === 'terminated') return { instanceId: id, previous, current: previous };
  world.commit();
  inst.stateTransitionReason = `User initiated (${gmt(new Date())})`;
  inst.stateReason = USER_SHUTDOWN;
  world.setInstanceState(inst, 'shutting-down');
  world.clock.after(DURATION_MS.terminate, () => inst.state === 'shutting-down' && finishTermination(world, inst));
  return { instanceId: id, previous, current: 'shutting-down' };
}

/** Volumes marked DeleteOnTermination go, the others become available; the ENI and its Elastic IP association go. */
function finishTermination(world: LabWorld, inst: InstanceRecord): void {
  for (const volumeId of Object.values(inst.devices)) {
    const vol = world.volumes.get(volumeId);
    if (!vol) continue;
    const deleteIt = vol.attachment?.deleteOnTermination === true;
    releaseAttachment(world, vol);
    if (deleteIt) world.volumes.delete(volumeId);
  }
  inst.devices = {};
  releaseInstanceAddresses(world, inst.instanceId);
  world.setInstanceState(inst, 'terminated');
}
