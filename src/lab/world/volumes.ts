// EBS volume rules: CreateVolume (encryption, ClientToken idempotency, the key checked while the
// volume is created, not when the call is accepted), attach/detach with their state, zone, device
// and Marketplace product-code checks, and DeleteOnTermination.

import type { Tags, VolumeRecord } from './types.js';
import type { LabWorld } from './world.js';
import { AwsFault } from '../aws/fault.js';
import { newResourceId } from '../aws/resource-ids.js';
import { volumeEncryption, volumePerformance, volumeSize } from '../aws/ebs-volume-rules.js';
import { DURATION_MS } from './durations.js';
import { idempotent } from './client-token.js';

export interface VolumeSpec {
  availabilityZone: string;
  size?: number;
  snapshotId?: string;
  volumeType?: string;
  iops?: number;
  throughput?: number;
  encrypted?: boolean;
  kmsKeyId?: string;
  tags?: Tags;
  clientToken?: string;
}

const DEVICE_NAME = /^\/dev\/(sd[a-z][0-9]{0,2}|xvd[a-z]{1,2})$/;

export function createVolume(world: LabWorld, spec: VolumeSpec): VolumeRecord {
  const { clientToken, ...asked } = spec;
  return idempotent(world, 'CreateVolume', clientToken, asked, (ids) => world.volumes.get(ids[0]!)!, () => {
    if (![...world.subnets.values()].some((s) => s.availabilityZone === spec.availabilityZone)) {
      throw new AwsFault('InvalidParameterValue', `Invalid availability zone: [${spec.availabilityZone}]`);
    }
    const snap = spec.snapshotId === undefined ? undefined : world.snapshot(spec.snapshotId);
    const size = volumeSize(spec.size, snap);
    const volumeType = spec.volumeType ?? 'gp2';
    const performance = volumePerformance(volumeType, size, spec);
    const encryption = volumeEncryption(spec, snap, world);
    world.commit();
    const vol: VolumeRecord = {
      volumeId: newResourceId('vol'),
      state: 'creating',
      availabilityZone: spec.availabilityZone,
      size,
      volumeType,
      ...performance,
      ...encryption,
      ...(snap ? { snapshotId: snap.snapshotId } : {}),
      content: snap?.content ?? 'data',
      ...(snap?.productCodes ? { productCodes: snap.productCodes.map((c) => ({ ...c })) } : {}),
      ...(clientToken === undefined ? {} : { clientToken }),
      createTime: new Date().toISOString(),
      tags: { ...spec.tags },
    };
    world.volumes.set(vol.volumeId, vol);
    world.created(vol.volumeId);
    // AWS: an invalid KmsKeyId "can appear to complete, but eventually fails" (CreateVolume API
    // reference); KMS is consulted while the volume is created, so an unusable key ends in `error`.
    const readable = !snap?.encrypted || world.keyUsable(snap.kmsKeyArn);
    world.clock.after(DURATION_MS.volumeCreate, () => {
      if (vol.state !== 'creating') return;
      vol.state = readable && (!vol.encrypted || world.keyUsable(vol.kmsKeyArn)) ? 'available' : 'error';
      world.events.emit('volume', vol);
    });
    return { result: vol, ids: [vol.volumeId] };
  });
}

/** AWS: a volume with Marketplace product codes attaches to, or detaches from, a stopped instance only (EBS user guide). */
function marketplaceRule(vol: VolumeRecord, instanceId: string, state: string, verb: 'attach' | 'detach'): void {
  if (!vol.productCodes?.length || state === 'stopped') return;
  throw new AwsFault('IncorrectInstanceState', verb === 'attach'
    ? `Cannot attach volume '${vol.volumeId}' with Marketplace codes as the instance '${instanceId}' is not in the 'stopped' state.`
    : `Unable to detach volume '${vol.volumeId}' with Marketplace codes from instance '${instanceId}' as the instance is not in the 'stopped' state.`);
}

export function attachVolume(world: LabWorld, volumeId: string, instanceId: string, device: string): VolumeRecord {
  const vol = world.volume(volumeId);
  const inst = world.instance(instanceId);
  if (!DEVICE_NAME.test(device)) {
    throw new AwsFault('InvalidParameterValue', `Value (${device}) for parameter device is invalid. ${device} is not a valid EBS device name.`);
  }
  if (vol.attachment || vol.state === 'in-use') throw new AwsFault('VolumeInUse', `${volumeId} is already attached to an instance`);
  if (vol.state !== 'available') throw new AwsFault('IncorrectState', `${volumeId} is not 'available'.`);
  if (inst.state !== 'running' && inst.state !== 'stopped') {
    throw new AwsFault('IncorrectInstanceState', `Instance '${instanceId}' is not 'running' or 'stopped'.`);
  }
  if (vol.availabilityZone !== inst.availabilityZone) {
    throw new AwsFault('InvalidVolume.ZoneMismatch',
      `The volume '${volumeId}' is not in the same availability zone as instance '${instanceId}'`);
  }
  if (inst.devices[device]) throw new AwsFault('InvalidParameterValue', `Attachment point ${device} is already in use`);
  marketplaceRule(vol, instanceId, inst.state, 'attach');
  world.commit();
  const attachment: NonNullable<VolumeRecord['attachment']> = {
    instanceId, device, state: 'attaching', deleteOnTermination: false, attachTime: new Date().toISOString(),
  };
  vol.attachment = attachment;
  vol.state = 'in-use';
  inst.devices[device] = volumeId;
  world.events.emit('volume', vol);
  world.clock.after(DURATION_MS.attach, () => {
    if (vol.attachment !== attachment) return;
    // A running instance must decrypt the data key now; a stopped one only at its next start.
    if (vol.encrypted && inst.state === 'running' && !world.keyUsable(vol.kmsKeyArn)) return releaseAttachment(world, vol);
    attachment.state = 'attached';
    world.events.emit('volume', vol);
  });
  return vol;
}

/** Ends an attachment at once: the device is free and the volume available. */
export function releaseAttachment(world: LabWorld, vol: VolumeRecord): void {
  const att = vol.attachment;
  if (!att) return;
  const inst = world.instances.get(att.instanceId);
  if (inst && inst.devices[att.device] === vol.volumeId) delete inst.devices[att.device];
  delete vol.attachment;
  vol.state = 'available';
  world.events.emit('volume', vol);
}

export function detachVolume(world: LabWorld, volumeId: string, instanceId?: string, device?: string) {
  const vol = world.volume(volumeId);
  const att = vol.attachment;
  if (!att) throw new AwsFault('IncorrectState', `Volume '${volumeId}' is in the '${vol.state}' state.`);
  if (instanceId !== undefined) world.instance(instanceId);
  if ((instanceId !== undefined && instanceId !== att.instanceId) || (device !== undefined && device !== att.device)) {
    throw new AwsFault('InvalidAttachment.NotFound',
      `The volume '${volumeId}' is not attached to instance '${instanceId ?? att.instanceId}' at ${device ?? att.device}`);
  }
  if (att.state === 'detaching') throw new AwsFault('IncorrectState', `Volume '${volumeId}' is in the 'detaching' state.`);
  const inst = world.instance(att.instanceId);
  marketplaceRule(vol, inst.instanceId, inst.state, 'detach');
  if (att.device === inst.rootDeviceName && inst.state !== 'stopped') {
    throw new AwsFault('IncorrectState', `Unable to detach root volume '${volumeId}' from instance '${inst.instanceId}'`);
  }
  world.commit();
  const before = { ...att };
  att.state = 'detaching';
  world.events.emit('volume', vol);
  world.clock.after(DURATION_MS.detach, () => vol.attachment === att && releaseAttachment(world, vol));
  return before;
}

/**
 * AWS: "The volume must be in the available state (not attached to an instance)" (DeleteVolume API
 * reference): an attached one is VolumeInUse. A volume in `error` can be deleted too (its only use).
 * The answer to a volume already `deleting` is UNVERIFIED; the lab says IncorrectState.
 */
export function deleteVolume(world: LabWorld, volumeId: string): void {
  const vol = world.volume(volumeId);
  if (vol.attachment || vol.state === 'in-use') {
    throw new AwsFault('VolumeInUse', `Volume ${volumeId} is currently attached to ${vol.attachment?.instanceId ?? 'an instance'}`);
  }
  if (vol.state !== 'available' && vol.state !== 'error') throw new AwsFault('IncorrectState', `The volume '${volumeId}' is '${vol.state}'.`);
  world.commit();
  vol.state = 'deleting';
  world.clock.after(DURATION_MS.volumeDelete, () => world.volumes.get(volumeId) === vol && world.volumes.delete(volumeId));
}

export function setDeleteOnTermination(world: LabWorld, instanceId: string, device: string, deleteOnTermination: boolean): void {
  const inst = world.instance(instanceId);
  const vol = world.volumes.get(inst.devices[device] ?? '');
  if (!vol?.attachment) throw new AwsFault('InvalidInstanceAttributeValue', `No device is currently mapped at ${device}`);
  world.commit();
  vol.attachment.deleteOnTermination = deleteOnTermination;
}
