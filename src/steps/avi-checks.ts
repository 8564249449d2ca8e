// The Controller-side checks every runbook of a Controller shares: its version, and whether the
// Avi user may write the objects the runbook changes. A superuser may; otherwise its roles are
// read: Avi roles grant NO_ACCESS, READ_ACCESS or WRITE_ACCESS per resource (PERMISSION_CONTROLLER,
// PERMISSION_CLOUD, PERMISSION_SERVICEENGINEGROUP, ...; Avi object model Role/Permission).
// UNVERIFIED: which privilege governs which API (PERMISSION_CONTROLLER for /api/cluster and the
// configuration export/import), and that the login's `user.access` lists every role.

import type { AviRole } from '../avi/types.js';
import { fail, pass, type CheckResult } from './check-result.js';
import type { Reads } from './gateways.js';

/** What a runbook writes on the Controller, and the privilege each needs. */
export interface AviWrites {
  /** "the cluster configuration", "the cloud, SE groups and SEs". */
  what: string;
  privileges: string[];
}

/** A tenant_ref names the tenant by uuid in its path, and by name after `#` with include_name. */
const namesTenant = (ref: string | undefined, tenant: string): boolean =>
  !!ref && (ref.endsWith(`/tenant/${tenant}`) || ref.endsWith(`#${tenant}`) || ref.includes(`/tenant/${tenant}#`));

export async function writeAccessCheck(reads: Pick<Reads, 'access'>, tenant: string, writes: AviWrites): Promise<CheckResult> {
  const id = 'avi-write-access';
  const title = `The Avi user may write ${writes.what}`;
  const user = await reads.access.currentUser();
  if (!user) return pass(id, title, 'the login reports no user', 'the Controller did not say who is logged in');
  if (user.superuser) return pass(id, title, `${user.username} is a superuser`);
  const inTenant = user.access.filter((a) => a.allTenants || namesTenant(a.tenantRef, tenant));
  const entries = inTenant.length ? inTenant : user.access;
  if (entries.length === 0) return pass(id, title, `${user.username}: no roles listed at login`, 'the login does not list the user\'s roles');
  const roles: AviRole[] = [];
  for (const entry of entries) {
    try {
      roles.push(await reads.access.getRole(entry.roleRef));
    } catch {
      return pass(id, title, `${user.username}: role ${entry.roleRef}`, 'the role could not be read');
    }
  }
  const access = (r: AviRole, resource: string) => r.privileges.find((p) => p.resource === resource)?.type ?? 'NO_ACCESS';
  const missing = writes.privileges.filter((p) => !roles.some((r) => access(r, p) === 'WRITE_ACCESS'));
  const caveat = inTenant.length ? undefined : `no role names tenant ${tenant}; every role of the user was read`;
  if (missing.length === 0) return pass(id, title, `${user.username}: ${roles.map((r) => r.name).join(', ')} with WRITE_ACCESS on ${writes.privileges.join(', ')}`, caveat);
  const had = missing.map((p) => `${p}: ${roles.map((r) => `${r.name} ${access(r, p)}`).join(', ')}`).join('; ');
  return fail(id, title,
    `Avi user ${user.username} may not write ${writes.what} (${had}); give it a role with WRITE_ACCESS on ${missing.join(', ')} (System-Admin has it), or run as an admin user`);
}

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
