// The lab's AWS world and the rules AWS documents for it: instance and volume state machines
// with their real durations (scaled by the clock), attach/detach checks, CreateVolume encryption
// and ClientToken idempotency, and KMS key states that break starts the way AWS does.

import { EventEmitter } from 'node:events';
import type {
  AliasRecord, ImageRecord, InstanceRecord, KeyRecord, LabClock, SnapshotRecord, SubnetRecord, Tags, VolumeRecord, VpcRecord,
  World, WorldEvents,
} from './types.js';
import { AwsFault } from '../aws/fault.js';
import { kindOfId, lookup, newResourceId } from '../aws/resource-ids.js';
import { createKeyRing, type KeyRing } from '../aws/key-ring.js';
import { volumeEncryption, volumePerformance, volumeSize } from '../aws/ebs-volume-rules.js';

/** Documented real durations; the clock scales them. */
export const DURATION_MS = { stop: 30_000, start: 20_000, volumeCreate: 30_000, attach: 5_000, detach: 5_000 } as const;

type InstanceState = InstanceRecord['state'];
export interface StateChange { instanceId: string; previous: InstanceState; current: InstanceState }

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

export interface LabWorld extends World, KeyRing {
  instance(id: string): InstanceRecord;
  volume(id: string): VolumeRecord;
  snapshot(id: string): SnapshotRecord;
  image(id: string): ImageRecord;
  stopInstance(id: string): StateChange;
  startInstance(id: string): StateChange;
  createVolume(spec: VolumeSpec): VolumeRecord;
  attachVolume(volumeId: string, instanceId: string, device: string): VolumeRecord;
  /** Returns the attachment as it was when detaching began. */
  detachVolume(volumeId: string, instanceId?: string, device?: string): NonNullable<VolumeRecord['attachment']>;
  setDeleteOnTermination(instanceId: string, device: string, deleteOnTermination: boolean): void;
  createTags(resourceIds: string[], tags: Tags): void;
  deleteTags(resourceIds: string[], keys: Array<{ key: string; value?: string }>): void;
}

const CLIENT_ERROR_ON_LAUNCH = { code: 'Client.InternalError', message: 'Client.InternalError: Client error on launch' };
const USER_SHUTDOWN = { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' };
const DEVICE_NAME = /^\/dev\/(sd[a-z][0-9]{0,2}|xvd[a-z]{1,2})$/;

const gmt = (d: Date) => d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' GMT');

export function createWorld(opts: { region: string; accountId: string; clock: LabClock }): LabWorld {
  const { region, accountId, clock } = opts;
  const events = new EventEmitter<WorldEvents>();
  const instances = new Map<string, InstanceRecord>();
  const volumes = new Map<string, VolumeRecord>();
  const snapshots = new Map<string, SnapshotRecord>();
  const images = new Map<string, ImageRecord>();
  const vpcs = new Map<string, VpcRecord>();
  const subnets = new Map<string, SubnetRecord>();
  const keys = new Map<string, KeyRecord>();
  const aliases = new Map<string, AliasRecord>();
  const keyRing: KeyRing = createKeyRing({ region, accountId, keys, aliases });
  /** ClientToken -> what was asked and what it produced; AWS keeps tokens for at least 24 h. */
  const volumeTokens = new Map<string, { fingerprint: string; volumeId: string }>();

  const keyUsable = (keyArn: string | undefined) => keyArn !== undefined && keyRing.findKey(keyArn)?.state === 'Enabled';

  function change(inst: InstanceRecord, to: InstanceState): void {
    const from = inst.state;
    inst.state = to;
    events.emit('instance', inst, from);
  }

  function attachedVolumes(inst: InstanceRecord): VolumeRecord[] {
    return Object.values(inst.devices).flatMap((id) => volumes.get(id) ?? []);
  }

  function stopInstance(id: string): StateChange {
    const inst = lookup('instance', instances, id);
    const previous = inst.state;
    if (previous === 'stopped' || previous === 'stopping') return { instanceId: id, previous, current: previous };
    if (previous !== 'running') {
      throw new AwsFault('IncorrectInstanceState', `The instance '${id}' is not in a state from which it can be stopped.`);
    }
    inst.stateTransitionReason = `User initiated (${gmt(new Date())})`;
    inst.stateReason = USER_SHUTDOWN;
    change(inst, 'stopping');
    clock.after(DURATION_MS.stop, () => inst.state === 'stopping' && change(inst, 'stopped'));
    return { instanceId: id, previous, current: 'stopping' };
  }

  function startInstance(id: string): StateChange {
    const inst = lookup('instance', instances, id);
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
    delete inst.stateReason;
    inst.stateTransitionReason = '';
    change(inst, 'pending');
    clock.after(DURATION_MS.start, () => {
      if (inst.state !== 'pending') return;
      // EBS must decrypt every encrypted volume's data key at boot; an unusable key sends the instance back.
      if (attachedVolumes(inst).some((v) => v.encrypted && !keyUsable(v.kmsKeyArn))) {
        inst.stateReason = CLIENT_ERROR_ON_LAUNCH;
        inst.stateTransitionReason = `Server.InternalError (${gmt(new Date())})`;
        change(inst, 'stopped');
        return;
      }
      inst.launchTime = new Date().toISOString();
      change(inst, 'running');
    });
    return { instanceId: id, previous, current: 'pending' };
  }

  function createVolume(spec: VolumeSpec): VolumeRecord {
    const { clientToken, ...asked } = spec;
    const fingerprint = JSON.stringify(Object.entries({ ...asked, tags: Object.entries(asked.tags ?? {}).sort() }).sort());
    const earlier = clientToken === undefined ? undefined : volumeTokens.get(clientToken);
    if (earlier) {
      if (earlier.fingerprint !== fingerprint) {
        throw new AwsFault('IdempotentParameterMismatch',
          `The client token '${clientToken}' was used with different parameters in a previous request.`);
      }
      return lookup('volume', volumes, earlier.volumeId);
    }
    if (![...subnets.values()].some((s) => s.availabilityZone === spec.availabilityZone)) {
      throw new AwsFault('InvalidParameterValue', `Invalid availability zone: [${spec.availabilityZone}]`);
    }
    const snap = spec.snapshotId === undefined ? undefined : lookup('snapshot', snapshots, spec.snapshotId);
    const size = volumeSize(spec.size, snap);
    const volumeType = spec.volumeType ?? 'gp2';
    const vol: VolumeRecord = {
      volumeId: newResourceId('vol'),
      state: 'creating',
      availabilityZone: spec.availabilityZone,
      size,
      volumeType,
      ...volumePerformance(volumeType, size, spec),
      ...volumeEncryption(spec, snap, keyRing),
      ...(snap ? { snapshotId: snap.snapshotId } : {}),
      content: snap?.content ?? 'data',
      ...(clientToken === undefined ? {} : { clientToken }),
      createTime: new Date().toISOString(),
      tags: { ...spec.tags },
    };
    volumes.set(vol.volumeId, vol);
    if (clientToken !== undefined) volumeTokens.set(clientToken, { fingerprint, volumeId: vol.volumeId });
    // KMS is consulted while the volume is created, not when the request is accepted.
    const readable = !snap?.encrypted || keyUsable(snap.kmsKeyArn);
    clock.after(DURATION_MS.volumeCreate, () => {
      if (vol.state !== 'creating') return;
      vol.state = readable && (!vol.encrypted || keyUsable(vol.kmsKeyArn)) ? 'available' : 'error';
    });
    return vol;
  }

  function attachVolume(volumeId: string, instanceId: string, device: string): VolumeRecord {
    const vol = lookup('volume', volumes, volumeId);
    const inst = lookup('instance', instances, instanceId);
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
    const attachment: NonNullable<VolumeRecord['attachment']> = {
      instanceId, device, state: 'attaching', deleteOnTermination: false, attachTime: new Date().toISOString(),
    };
    vol.attachment = attachment;
    vol.state = 'in-use';
    inst.devices[device] = volumeId;
    clock.after(DURATION_MS.attach, () => {
      if (vol.attachment !== attachment) return;
      // A running instance must decrypt the data key now; a stopped one only at its next start.
      if (vol.encrypted && inst.state === 'running' && !keyUsable(vol.kmsKeyArn)) return release(vol);
      attachment.state = 'attached';
    });
    return vol;
  }

  function release(vol: VolumeRecord): void {
    const att = vol.attachment;
    if (!att) return;
    const inst = instances.get(att.instanceId);
    if (inst && inst.devices[att.device] === vol.volumeId) delete inst.devices[att.device];
    delete vol.attachment;
    vol.state = 'available';
  }

  function detachVolume(volumeId: string, instanceId?: string, device?: string) {
    const vol = lookup('volume', volumes, volumeId);
    const att = vol.attachment;
    if (!att) throw new AwsFault('IncorrectState', `Volume '${volumeId}' is in the '${vol.state}' state.`);
    if (instanceId !== undefined) lookup('instance', instances, instanceId);
    if ((instanceId !== undefined && instanceId !== att.instanceId) || (device !== undefined && device !== att.device)) {
      throw new AwsFault('InvalidAttachment.NotFound',
        `The volume '${volumeId}' is not attached to instance '${instanceId ?? att.instanceId}' at ${device ?? att.device}`);
    }
    if (att.state === 'detaching') throw new AwsFault('IncorrectState', `Volume '${volumeId}' is in the 'detaching' state.`);
    const inst = lookup('instance', instances, att.instanceId);
    if (att.device === inst.rootDeviceName && inst.state !== 'stopped') {
      throw new AwsFault('IncorrectState', `Unable to detach root volume '${volumeId}' from instance '${inst.instanceId}'`);
    }
    const before = { ...att };
    att.state = 'detaching';
    clock.after(DURATION_MS.detach, () => vol.attachment === att && release(vol));
    return before;
  }

  function setDeleteOnTermination(instanceId: string, device: string, deleteOnTermination: boolean): void {
    const inst = lookup('instance', instances, instanceId);
    const vol = volumes.get(inst.devices[device] ?? '');
    if (!vol?.attachment) throw new AwsFault('InvalidInstanceAttributeValue', `No device is currently mapped at ${device}`);
    vol.attachment.deleteOnTermination = deleteOnTermination;
  }

  /** The taggable records behind these ids; all are checked before any is changed. */
  function taggable(resourceIds: string[]): Array<{ tags: Tags }> {
    const maps = { instance: instances, volume: volumes, snapshot: snapshots, image: images } as const;
    return resourceIds.map((id) => {
      const kind = kindOfId(id);
      if (!kind) throw new AwsFault('InvalidID', `The ID '${id}' is not valid`);
      return lookup(kind, maps[kind] as Map<string, { tags: Tags }>, id);
    });
  }

  function createTags(resourceIds: string[], tags: Tags): void {
    for (const t of taggable(resourceIds)) Object.assign(t.tags, tags);
  }

  function deleteTags(resourceIds: string[], keys: Array<{ key: string; value?: string }>): void {
    for (const t of taggable(resourceIds)) {
      for (const { key, value } of keys) if (value === undefined || t.tags[key] === value) delete t.tags[key];
    }
  }

  return {
    region, accountId, clock, events, vpcs, subnets, instances, volumes, snapshots, images, keys, aliases,
    ...keyRing,
    rootVolume(instanceId) {
      const inst = instances.get(instanceId);
      return inst && volumes.get(inst.devices[inst.rootDeviceName] ?? '');
    },
    instanceByPrivateIp: (ip) => [...instances.values()].find((i) => i.privateIp === ip && i.state !== 'terminated'),
    instance: (id) => lookup('instance', instances, id),
    volume: (id) => lookup('volume', volumes, id),
    snapshot: (id) => lookup('snapshot', snapshots, id),
    image: (id) => lookup('image', images, id),
    stopInstance, startInstance, createVolume, attachVolume, detachVolume, setDeleteOnTermination, createTags, deleteTags,
  };
}
