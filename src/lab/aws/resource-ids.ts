// AWS-shaped identifiers and the errors AWS gives for unknown or malformed ones.

import { randomBytes, randomUUID } from 'node:crypto';
import { AwsFault } from './fault.js';

/** `i-`, `vol-`, `snap-`, `ami-`, ... followed by 17 lowercase hex digits, as AWS issues today. */
export function newResourceId(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

export const newKeyId = (): string => randomUUID();
export const newRequestId = (): string => randomUUID();

export type ResourceKind = 'instance' | 'volume' | 'snapshot' | 'image' | 'address' | 'subnet' | 'security-group';

interface KindRule {
  prefix: string;
  notFound: string;
  malformed: string;
  missing: (id: string) => string;
}

const KINDS: Record<ResourceKind, KindRule> = {
  instance: {
    prefix: 'i',
    notFound: 'InvalidInstanceID.NotFound',
    malformed: 'InvalidInstanceID.Malformed',
    missing: (id) => `The instance ID '${id}' does not exist`,
  },
  volume: {
    prefix: 'vol',
    notFound: 'InvalidVolume.NotFound',
    malformed: 'InvalidVolumeID.Malformed',
    missing: (id) => `The volume '${id}' does not exist.`,
  },
  snapshot: {
    prefix: 'snap',
    notFound: 'InvalidSnapshot.NotFound',
    malformed: 'InvalidSnapshotID.Malformed',
    missing: (id) => `The snapshot '${id}' does not exist.`,
  },
  image: {
    prefix: 'ami',
    notFound: 'InvalidAMIID.NotFound',
    malformed: 'InvalidAMIID.Malformed',
    missing: (id) => `The image id '[${id}]' does not exist`,
  },
  address: {
    prefix: 'eipalloc',
    notFound: 'InvalidAllocationID.NotFound',
    malformed: 'InvalidAllocationID.Malformed',
    missing: (id) => `The allocation ID '${id}' does not exist`,
  },
  subnet: {
    prefix: 'subnet',
    notFound: 'InvalidSubnetID.NotFound',
    malformed: 'InvalidSubnetID.Malformed',
    missing: (id) => `The subnet ID '${id}' does not exist`,
  },
  'security-group': {
    prefix: 'sg',
    notFound: 'InvalidGroup.NotFound',
    malformed: 'InvalidGroupId.Malformed',
    missing: (id) => `The security group '${id}' does not exist`,
  },
};

/** Which kind of EC2 resource an id names, judged by its prefix (for CreateTags). */
export function kindOfId(id: string): ResourceKind | undefined {
  const prefix = id.split('-')[0];
  return (Object.keys(KINDS) as ResourceKind[]).find((k) => KINDS[k].prefix === prefix);
}

/** Throws the AWS Malformed error unless the id has the kind's prefix and 8 or 17 hex digits. */
export function checkIdShape(kind: ResourceKind, id: string): void {
  const { prefix, malformed } = KINDS[kind];
  if (!new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`).test(id)) {
    throw new AwsFault(malformed, `Invalid id: "${id}" (expecting "${prefix}-...")`);
  }
}

export function notFound(kind: ResourceKind, id: string): AwsFault {
  return new AwsFault(KINDS[kind].notFound, KINDS[kind].missing(id));
}

/** Looks a resource up by id, with AWS's Malformed and NotFound errors. */
export function lookup<T>(kind: ResourceKind, map: Map<string, T>, id: string): T {
  checkIdShape(kind, id);
  const found = map.get(id);
  if (!found) throw notFound(kind, id);
  return found;
}
