// The fleet report: every instance a runbook is about (Controller nodes, Service Engines) with each
// of its volumes, encrypted or not, with which key, against the key it should use. Read live, reads
// only. `avi-encrypt verify` prints it, every `migrate` ends with it, the runbooks' own verify steps
// judge their nodes and SEs by the same rows, and `doctor` looks up the keys it names.
// The verdict is about root volumes, the ones the documented paths encrypt; another volume that is
// not encrypted with the key (a Controller's data disk) is a warning: no runbook migrates it.

import type { InstanceInfo } from '../../aws/types.js';
import type { Reads } from '../gateways.js';

export interface VolumeRow {
  volumeId: string;
  device: string;
  root: boolean;
  /** creating | available | in-use | ... ; "missing" when EC2 no longer knows it. */
  state: string;
  encrypted: boolean;
  /** The key ARN EC2 reports for the volume (DescribeVolumes KmsKeyId is a key ARN). */
  keyArn?: string;
  /** Encrypted with the expected key. */
  ok: boolean;
}

/** The key an instance's volumes should use, and where that comes from. */
export interface ExpectedKey {
  /** Undefined when there is none to expect (the cloud does not encrypt) or it could not be resolved. */
  arn?: string;
  /** "--kms-key alias/avi-controller", "cloud Default-Cloud ebs_encryption (blank master_key: alias/aws/ebs)". */
  from: string;
}

export interface InstanceRow {
  /** What the instance is to Avi: "Controller", "SE". */
  kind: string;
  /** Its name there: the node IP, the SE name. */
  name: string;
  /** Where it belongs: "cluster <uuid>", "cloud Default-Cloud / SE group web-segroup". */
  group: string;
  instanceId: string;
  state: string;
  /** The AMI it was launched from (doctor checks the key of an encrypted one). */
  imageId?: string;
  expected: ExpectedKey;
  volumes: VolumeRow[];
  /** Its root volume encrypted with the expected key. */
  ok: boolean;
}

/** A key a part of the deployment depends on beyond its volumes (the cloud's ebs_encryption, s3_encryption). */
export interface KeyUse {
  /** Key ARN, or the alias a blank master key stands for (alias/aws/ebs). */
  keyRef: string;
  kind: 'cloud-ebs' | 'cloud-s3';
  /** "cloud Default-Cloud aws_configuration.ebs_encryption". */
  what: string;
  /** The Avi cloud it belongs to (the remedy names it). */
  cloud: string;
}

export interface FleetReport {
  /** What the report covers: "Controller cluster 9f2c…", "SEs of cloud Default-Cloud (SE groups web-segroup)". */
  subjects: string[];
  instances: InstanceRow[];
  keyUses: KeyUse[];
  /** What is wrong besides the root volumes, or could not be read: one line each. */
  problems: string[];
  /** Other volumes not encrypted with the expected key: reported, not failed. */
  warnings: string[];
  ok: boolean;
}

/** One instance with every EBS volume it has, each judged against the expected key. */
export async function instanceRow(
  reads: Pick<Reads, 'ec2'>,
  instance: InstanceInfo,
  who: { kind: string; name: string; group: string; expected: ExpectedKey },
): Promise<InstanceRow> {
  const volumes: VolumeRow[] = [];
  for (const device of instance.blockDevices) {
    const volume = await reads.ec2.describeVolume(device.volumeId).catch((e: { code?: string }) => {
      if (e.code === 'InvalidVolume.NotFound') return undefined;
      throw e;
    });
    const encrypted = volume?.encrypted ?? false;
    volumes.push({
      volumeId: device.volumeId, device: device.device, root: device.device === instance.rootDeviceName,
      state: volume?.state ?? 'missing', encrypted, ...(volume?.kmsKeyId ? { keyArn: volume.kmsKeyId } : {}),
      ok: encrypted && who.expected.arn !== undefined && volume?.kmsKeyId === who.expected.arn,
    });
  }
  return {
    ...who, instanceId: instance.instanceId, state: instance.state, ...(instance.imageId ? { imageId: instance.imageId } : {}),
    volumes, ok: volumes.some((v) => v.root) && volumes.filter((v) => v.root).every((v) => v.ok),
  };
}

/** What is wrong with one volume, in one line that names the instance, the volume and both keys; undefined when it is right. */
export function volumeProblem(row: InstanceRow, volume: VolumeRow): string | undefined {
  if (volume.ok) return undefined;
  const has = volume.state === 'missing' ? 'is gone' : volume.encrypted ? `is encrypted with ${volume.keyArn ?? 'an unknown key'}` : 'is unencrypted';
  const want = row.expected.arn ? `not with the expected ${row.expected.arn} (${row.expected.from})` : `and no key is expected: ${row.expected.from}`;
  return `${row.kind} ${row.name} (${row.instanceId}): ${volume.root ? 'root' : 'volume'} ${volume.volumeId} at ${volume.device} ${has}, ${want}`;
}

/** Every problem of the rows, one line per wrong root (an instance without an EBS root is one too). */
export function rowProblems(rows: InstanceRow[]): string[] {
  return rows.flatMap((r) => (r.volumes.some((v) => v.root)
    ? r.volumes.flatMap((v) => (v.root ? volumeProblem(r, v) ?? [] : []))
    : [`${r.kind} ${r.name} (${r.instanceId}) has no EBS root volume`]));
}

const rowWarnings = (rows: InstanceRow[]): string[] =>
  rows.flatMap((r) => r.volumes.flatMap((v) => (v.root ? [] : (volumeProblem(r, v)?.concat(': not a root volume, no runbook migrates it') ?? []))));

export function fleetReport(subjects: string[], instances: InstanceRow[], keyUses: KeyUse[], problems: string[]): FleetReport {
  return { subjects, instances, keyUses, problems, warnings: rowWarnings(instances), ok: problems.length === 0 && instances.every((i) => i.ok) };
}

/** Several runbooks' reports as one: an instance two of them cover is listed once. */
export function mergeReports(reports: FleetReport[]): FleetReport {
  const byInstance = new Map<string, InstanceRow>();
  for (const r of reports) for (const i of r.instances) if (!byInstance.has(i.instanceId)) byInstance.set(i.instanceId, i);
  const uses = new Map<string, KeyUse>();
  for (const r of reports) for (const u of r.keyUses) uses.set(`${u.kind}|${u.what}|${u.keyRef}`, u);
  const unique = <T>(xs: T[]) => [...new Set(xs)];
  return fleetReport(unique(reports.flatMap((r) => r.subjects)), [...byInstance.values()], [...uses.values()], unique(reports.flatMap((r) => r.problems)));
}
