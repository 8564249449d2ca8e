// The Controller's configuration as the lab keeps it, and the full_system export/import
// format. Sensitive fields are really encrypted with the passphrase (AES-GCM, scrypt key),
// so a restore with the wrong passphrase fails the way the real one does: it cannot decrypt.

import { createCipheriv, createDecipheriv, randomBytes, randomUUID, scryptSync } from 'node:crypto';
import type { ClusterConfig, Cloud } from '../../avi/types.js';
import { HttpError, compareVersions } from './http.js';
import { ADMIN_TENANT, devTenant, type Tenant } from './tenants.js';

export interface SeGroup {
  uuid: string;
  name: string;
  cloud_uuid: string;
  max_se: number;
  ha_mode: string;
  se_name_prefix: string;
  /** Tenant-scoped objects carry their tenant's uuid; absent means admin. */
  tenant_uuid?: string;
  [extra: string]: unknown;
}

export interface ControllerConfig {
  /** False on a factory-fresh Controller (runtime `node_info.has_config`). */
  hasConfig: boolean;
  /** Tenants the admin user may work in; admin first. */
  tenants: Tenant[];
  cluster: ClusterConfig;
  clouds: Cloud[];
  seGroups: SeGroup[];
  /** Held in clear inside the Controller; exported encrypted. */
  secrets: { backupPassphrase: string; seSshPrivateKey: string } | null;
}

export const VERSION = {
  Version: '22.1.3',
  build: 9096,
  Tag: '22.1.3-9096-20230126.090919',
  Product: 'controller',
  ProductName: 'NSX Advanced Load Balancer (lab)',
  Date: '2023-01-26T09:19:19+00:00',
  min_version: 15.2,
} as const;

const node = (ip: string) => ({ name: ip, ip: { addr: ip, type: 'V4' as const } });

export function seededConfig(opts: { nodes: string[]; region: string; vpcId: string }): ControllerConfig {
  const cloudUuid = `cloud-${randomUUID()}`;
  const segroup = (name: string, max_se: number): SeGroup => ({
    uuid: `serviceenginegroup-${randomUUID()}`, name, cloud_uuid: cloudUuid, max_se, ha_mode: 'HA_MODE_SHARED', se_name_prefix: 'Avi',
  });
  return {
    hasConfig: true,
    tenants: [ADMIN_TENANT, devTenant()],
    cluster: { uuid: `cluster-${randomUUID()}`, name: 'cluster-0-1', nodes: opts.nodes.map(node), rejoin_nodes_automatically: true },
    clouds: [{
      uuid: cloudUuid,
      name: 'Default-Cloud',
      vtype: 'CLOUD_AWS',
      aws_configuration: {
        region: opts.region,
        vpc_id: opts.vpcId,
        use_iam_roles: true,
        ebs_encryption: { mode: 'AWS_ENCRYPTION_MODE_NONE' },
        s3_encryption: { mode: 'AWS_ENCRYPTION_MODE_NONE' },
      },
    }],
    seGroups: [segroup('Default-Group', 10), segroup('web-segroup', 4)],
    secrets: { backupPassphrase: randomBytes(12).toString('hex'), seSshPrivateKey: `-----BEGIN PRIVATE KEY-----\n${randomBytes(48).toString('base64')}\n-----END PRIVATE KEY-----` },
  };
}

/** What a factory-fresh Controller boots with: itself as a 1-node cluster under a new uuid, nothing else. */
export function freshConfig(ip: string): ControllerConfig {
  return { hasConfig: false, tenants: [ADMIN_TENANT], cluster: { uuid: `cluster-${randomUUID()}`, name: 'cluster-0-1', nodes: [node(ip)] }, clouds: [], seGroups: [], secrets: null };
}

const PREFIX = '$AES-256-GCM$';

function keyFor(passphrase: string, salt: Buffer): Buffer {
  return scryptSync(passphrase, salt, 32);
}

function encrypt(key: Buffer, text: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(text, 'utf8'), c.final()]);
  return PREFIX + Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
}

function decrypt(key: Buffer, value: unknown, field: string): string {
  if (typeof value !== 'string' || !value.startsWith(PREFIX)) throw new HttpError(400, `Configuration field ${field} is not an encrypted value`);
  const raw = Buffer.from(value.slice(PREFIX.length), 'base64');
  try {
    const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  } catch {
    throw new HttpError(400, 'Passphrase is incorrect: cannot decrypt the sensitive fields of this configuration');
  }
}

const tenantRef = '/api/tenant/?name=admin';

/** A `full_system` export document. Refs are by name, as in real exports, so they survive new uuids. */
export function exportConfiguration(config: ControllerConfig, passphrase: string): Record<string, unknown> {
  const salt = randomBytes(16);
  const key = keyFor(passphrase, salt);
  const cloudName = new Map(config.clouds.map((c) => [c.uuid, c.name]));
  const doc: Record<string, unknown> = {
    META: { version: { ...VERSION }, full_system: true, export_time: new Date().toISOString(), passphrase_salt: salt.toString('base64') },
    Tenant: config.tenants.map((t) => ({ ...t, local: true })),
    Cluster: [{ ...config.cluster, tenant_ref: tenantRef }],
    Cloud: config.clouds.map((c) => ({ ...c, tenant_ref: tenantRef })),
    ServiceEngineGroup: config.seGroups.map(({ cloud_uuid, ...g }) => ({ ...g, tenant_ref: tenantRef, cloud_ref: `/api/cloud/?tenant=admin&name=${cloudName.get(cloud_uuid) ?? ''}` })),
  };
  if (config.secrets) {
    doc.BackupConfiguration = [{ name: 'Backup-Configuration', save_local: true, maximum_backups_stored: 4, backup_passphrase: encrypt(key, config.secrets.backupPassphrase), tenant_ref: tenantRef }];
    doc.CloudConnectorUser = [{ name: 'aviseuser', private_key: encrypt(key, config.secrets.seSshPrivateKey), tenant_ref: tenantRef }];
  }
  return doc;
}

/** Parses and decrypts an export; throws HttpError 400 for anything a restore would refuse. */
export function importConfiguration(input: unknown, passphrase: unknown): ControllerConfig {
  const doc = (typeof input === 'string' ? parseJson(input) : input) as Record<string, any> | null;
  if (!doc || typeof doc !== 'object' || !doc.META?.version?.Version) throw new HttpError(400, 'configuration is not an Avi configuration export (no META.version)');
  if (typeof passphrase !== 'string' || passphrase === '') throw new HttpError(400, 'passphrase is required to import a configuration with encrypted fields');
  const from = String(doc.META.version.Version);
  if ((compareVersions(from, VERSION.Version) ?? 1) > 0) throw new HttpError(400, `Cannot import configuration from version ${from} into ${VERSION.Version}`);
  const clusters = Array.isArray(doc.Cluster) ? doc.Cluster : [];
  if (clusters.length !== 1) throw new HttpError(400, 'configuration must hold exactly one Cluster object');
  const key = keyFor(passphrase, Buffer.from(String(doc.META.passphrase_salt ?? ''), 'base64'));
  const backup = doc.BackupConfiguration?.[0];
  const connector = doc.CloudConnectorUser?.[0];
  const secrets = backup && connector
    ? { backupPassphrase: decrypt(key, backup.backup_passphrase, 'BackupConfiguration.backup_passphrase'), seSshPrivateKey: decrypt(key, connector.private_key, 'CloudConnectorUser.private_key') }
    : null;
  const strip = <T extends Record<string, unknown>>({ tenant_ref, url, ...rest }: T) => rest;
  const clouds = (Array.isArray(doc.Cloud) ? doc.Cloud : []).map((c: Cloud) => strip(c) as Cloud);
  const byName = new Map(clouds.map((c: Cloud) => [c.name, c.uuid]));
  const seGroups = (Array.isArray(doc.ServiceEngineGroup) ? doc.ServiceEngineGroup : []).map(({ cloud_ref, ...g }: Record<string, unknown>) => {
    const name = new URLSearchParams(String(cloud_ref ?? '').split('?')[1] ?? '').get('name') ?? '';
    return { ...strip(g), cloud_uuid: byName.get(name) ?? '' } as SeGroup;
  });
  const tenants = (Array.isArray(doc.Tenant) ? doc.Tenant : [ADMIN_TENANT]).map((t: Tenant) => ({ uuid: String(t.uuid), name: String(t.name) }));
  return { hasConfig: true, tenants, cluster: strip(clusters[0]) as ClusterConfig, clouds, seGroups, secrets };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'configuration is not valid JSON');
  }
}

/** The tenant a scoped object lives in. */
export function tenantOf(obj: Record<string, unknown>): string {
  return typeof obj.tenant_uuid === 'string' ? obj.tenant_uuid : ADMIN_TENANT.uuid;
}
