// The lab's AWS world of one Region: its records, the lookups AWS answers with NotFound (including
// for resources still inside the consistency delay), and the one point every change passes, so a
// DryRun request runs every check and stops before changing anything. The rules sit beside it:
// instances.ts, volumes.ts, launch.ts, copy-image.ts, addresses.ts.

import { EventEmitter } from 'node:events';
import type {
  AddressRecord, AliasRecord, ImageRecord, InstanceRecord, KeyRecord, LabClock, SecurityGroupRecord, SnapshotRecord,
  StateReason, SubnetRecord, Tags, VolumeRecord, VpcRecord, World, WorldEvents,
} from './types.js';
import { AwsFault } from '../aws/fault.js';
import { checkIdShape, kindOfId, notFound, type ResourceKind } from '../aws/resource-ids.js';
import { createKeyRing, type KeyRing } from '../aws/key-ring.js';
import { startInstance, stopInstance, type Launcher, type StateChange } from './instances.js';
import { deleteSnapshot } from './snapshots.js';
import { attachVolume, createVolume, deleteVolume, detachVolume, setDeleteOnTermination, type VolumeSpec } from './volumes.js';

export type { Launcher, StateChange } from './instances.js';
export type { VolumeSpec } from './volumes.js';

export { DURATION_MS } from './durations.js';

/** A hook consulted when an instance boots: a reason makes the start fail as AWS's do (the seam for start faults). */
export type BootCheck = (inst: InstanceRecord) => StateReason | undefined;

/** What a ClientToken was used for: AWS keeps tokens for at least 24 h. */
export interface ClientTokenUse {
  fingerprint: string;
  ids: string[];
}

export interface LabWorld extends World, KeyRing {
  readonly securityGroups: Map<string, SecurityGroupRecord>;
  /** Elastic IPs by allocation id. */
  readonly addresses: Map<string, AddressRecord>;
  /** IAM instance profile ARNs that exist in the account (IAM itself is not modelled). */
  readonly instanceProfiles: Set<string>;
  /** Wall-clock ms a new resource stays NotFound to other calls (0 = at once visible); set after seeding. */
  consistencyDelayMs: number;
  /** Extra boot checks (fault injection); the KMS key checks are built in. */
  readonly bootChecks: BootCheck[];
  /** `<Action>:<token>` -> what it produced. */
  readonly clientTokens: Map<string, ClientTokenUse>;
  instance(id: string): InstanceRecord;
  volume(id: string): VolumeRecord;
  snapshot(id: string): SnapshotRecord;
  image(id: string): ImageRecord;
  address(allocationId: string): AddressRecord;
  subnet(id: string): SubnetRecord;
  securityGroup(id: string): SecurityGroupRecord;
  /** The records of a map that calls can see now (what a Describe without ids lists). */
  listed<T>(map: Map<string, T>): T[];
  visible(id: string): boolean;
  /** Marks resources as just created: NotFound to other calls for the consistency delay. */
  created(...ids: string[]): void;
  /** Every change calls this after its checks and before its first write: a DryRun ends here. */
  commit(): void;
  /** Runs fn as a DryRun: all its checks, none of its changes. */
  dryRun(fn: () => void): void;
  /** Moves an instance to a state and tells the listeners (the simulated Controller). */
  setInstanceState(inst: InstanceRecord, to: InstanceRecord['state']): void;
  /** Whether EBS can use the key now (it exists here and is Enabled). */
  keyUsable(keyArn: string | undefined): boolean;
  stopInstance(id: string): StateChange;
  startInstance(id: string, launcher?: Launcher): StateChange;
  createVolume(spec: VolumeSpec): VolumeRecord;
  attachVolume(volumeId: string, instanceId: string, device: string): VolumeRecord;
  /** Returns the attachment as it was when detaching began. */
  detachVolume(volumeId: string, instanceId?: string, device?: string): NonNullable<VolumeRecord['attachment']>;
  setDeleteOnTermination(instanceId: string, device: string, deleteOnTermination: boolean): void;
  /** An available (or failed) volume goes `deleting`, then away. */
  deleteVolume(volumeId: string): void;
  /** Refused while a registered AMI uses the snapshot. */
  deleteSnapshot(snapshotId: string): void;
  createTags(resourceIds: string[], tags: Tags): void;
  /** A key alone removes the tag whatever its value; with a value, only if it matches (DeleteTags). */
  deleteTags(resourceIds: string[], keys: Array<{ key: string; value?: string }>): void;
}

/** Thrown at the commit point of a DryRun, caught by dryRun(). */
class DryRunReachedChange extends Error {}

export function createWorld(opts: { region: string; accountId: string; clock: LabClock; consistencyDelayMs?: number }): LabWorld {
  const { region, accountId, clock } = opts;
  const consistencyDelayMs = opts.consistencyDelayMs ?? 0;
  const instances = new Map<string, InstanceRecord>();
  const volumes = new Map<string, VolumeRecord>();
  const snapshots = new Map<string, SnapshotRecord>();
  const images = new Map<string, ImageRecord>();
  const subnets = new Map<string, SubnetRecord>();
  const securityGroups = new Map<string, SecurityGroupRecord>();
  const addresses = new Map<string, AddressRecord>();
  const keys = new Map<string, KeyRecord>();
  const aliases = new Map<string, AliasRecord>();
  const keyRing: KeyRing = createKeyRing({ region, accountId, keys, aliases, clock });
  const events = new EventEmitter<WorldEvents>();
  const hiddenUntil = new Map<string, number>();
  let dry = false;

  const visible = (id: string) => (hiddenUntil.get(id) ?? 0) <= Date.now();

  function find<T>(kind: ResourceKind, map: Map<string, T>, id: string): T {
    checkIdShape(kind, id);
    const found = map.get(id);
    if (!found || !visible(id)) throw notFound(kind, id);
    return found;
  }

  /** The taggable records behind these ids; all are checked before any is changed. */
  function taggable(resourceIds: string[]): Array<{ tags: Tags }> {
    const maps: Partial<Record<ResourceKind, Map<string, { tags: Tags }>>> = { instance: instances, volume: volumes, snapshot: snapshots, image: images, address: addresses };
    return resourceIds.map((id) => {
      const kind = kindOfId(id);
      const map = kind && maps[kind];
      if (!kind || !map) throw new AwsFault('InvalidID', `The ID '${id}' is not valid`);
      return find(kind, map, id);
    });
  }

  const world: LabWorld = {
    region, accountId, clock, events, consistencyDelayMs, instances, volumes, snapshots, images, subnets, securityGroups,
    addresses, keys, aliases,
    vpcs: new Map<string, VpcRecord>(),
    instanceProfiles: new Set<string>(),
    bootChecks: [],
    clientTokens: new Map(),
    ...keyRing,
    rootVolume(instanceId) {
      const inst = instances.get(instanceId);
      return inst && volumes.get(inst.devices[inst.rootDeviceName] ?? '');
    },
    instanceByPrivateIp: (ip) => [...instances.values()].find((i) => i.privateIp === ip && i.state !== 'terminated'),
    instance: (id) => find('instance', instances, id),
    volume: (id) => find('volume', volumes, id),
    snapshot: (id) => find('snapshot', snapshots, id),
    image: (id) => find('image', images, id),
    address: (id) => find('address', addresses, id),
    subnet: (id) => find('subnet', subnets, id),
    securityGroup: (id) => find('security-group', securityGroups, id),
    listed: (map) => [...map.entries()].filter(([id]) => visible(id)).map(([, v]) => v),
    visible,
    created(...ids) {
      if (world.consistencyDelayMs > 0) for (const id of ids) hiddenUntil.set(id, Date.now() + world.consistencyDelayMs);
    },
    commit() {
      if (dry) throw new DryRunReachedChange();
    },
    dryRun(fn) {
      dry = true;
      try {
        fn();
      } catch (err) {
        if (!(err instanceof DryRunReachedChange)) throw err;
      } finally {
        dry = false;
      }
    },
    setInstanceState(inst, to) {
      const from = inst.state;
      inst.state = to;
      events.emit('instance', inst, from);
    },
    keyUsable: (keyArn) => keyArn !== undefined && keyRing.findKey(keyArn)?.state === 'Enabled',
    stopInstance: (id) => stopInstance(world, id),
    startInstance: (id, launcher) => startInstance(world, id, launcher),
    createVolume: (spec) => createVolume(world, spec),
    attachVolume: (volumeId, instanceId, device) => attachVolume(world, volumeId, instanceId, device),
    detachVolume: (volumeId, instanceId, device) => detachVolume(world, volumeId, instanceId, device),
    setDeleteOnTermination: (instanceId, device, dot) => setDeleteOnTermination(world, instanceId, device, dot),
    deleteVolume: (volumeId) => deleteVolume(world, volumeId),
    deleteSnapshot: (snapshotId) => deleteSnapshot(world, snapshotId),
    createTags(resourceIds, tags) {
      const targets = taggable(resourceIds);
      world.commit();
      for (const t of targets) Object.assign(t.tags, tags);
    },
    deleteTags(resourceIds, keys) {
      const targets = taggable(resourceIds);
      world.commit();
      for (const t of targets) {
        for (const { key, value } of keys) if (value === undefined || t.tags[key] === value) delete t.tags[key];
      }
    },
  };
  return world;
}
