// Tenants of the simulated Controller: the X-Avi-Tenant / X-Avi-Tenant-UUID headers pick the
// tenant a request works in; tenant-scoped objects (clouds, SE groups, ...) are visible only
// there, while system objects (the cluster, configuration export/import) answer in any tenant.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface Tenant {
  /** The default tenant's uuid is plainly "admin"; others are tenant-<uuid4> (reference §2). */
  uuid: string;
  name: string;
}

export const ADMIN_TENANT: Tenant = { uuid: 'admin', name: 'admin' };

/** The seeded second tenant: the admin user may use it, and it holds no cloud. */
export function devTenant(): Tenant {
  return { uuid: `tenant-${randomUUID()}`, name: 'dev' };
}

/** Which tenant the request works in, or why it cannot be used. */
export type TenantChoice = { tenant: Tenant } | { refused: string };

/**
 * Docs: "X-Avi-Tenant: tenant context; if not present, the default tenant for the user is used"
 * (API overview); X-Avi-Tenant-UUID names it by uuid. The admin user's default tenant is admin.
 * The `*` (all tenants) form seen in devops scripts is not modelled.
 */
export function chooseTenant(req: IncomingMessage, tenants: Tenant[]): TenantChoice {
  const uuid = header(req, 'x-avi-tenant-uuid');
  const name = header(req, 'x-avi-tenant');
  if (uuid !== undefined) {
    const t = tenants.find((x) => x.uuid === uuid);
    if (!t || (name !== undefined && t.name !== name)) return { refused: `Invalid tenant uuid ${uuid}` };
    return { tenant: t };
  }
  if (name === undefined) return { tenant: ADMIN_TENANT };
  const t = tenants.find((x) => x.name === name);
  return t ? { tenant: t } : { refused: `Invalid tenant ${name}` };
}

/** The login response's `tenants`: every tenant the (superuser) admin may work in. */
export function loginTenants(tenants: Tenant[], origin: string): Record<string, unknown>[] {
  return tenants.map((t) => ({ url: `${origin}/api/tenant/${t.uuid}`, uuid: t.uuid, name: t.name, local: true }));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}
