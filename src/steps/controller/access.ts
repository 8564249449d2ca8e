// May the Avi user write the cluster object (PUT /api/cluster, the configuration export and
// import)? A superuser may. Otherwise its roles are read: Avi roles grant NO_ACCESS, READ_ACCESS
// or WRITE_ACCESS per resource (PERMISSION_CONTROLLER, PERMISSION_CLOUD, ...; Avi object model
// Role/Permission). UNVERIFIED: that PERMISSION_CONTROLLER is the privilege behind /api/cluster
// and configuration export/import, and that the login's `user.access` lists every role.

import type { AviRole } from '../../avi/types.js';
import { fail, pass, type CheckResult } from '../check-result.js';
import type { Reads } from '../gateways.js';

const ID = 'avi-cluster-write';
const TITLE = 'The Avi user may write the cluster configuration';
export const CLUSTER_PRIVILEGE = 'PERMISSION_CONTROLLER';

/** A tenant_ref names the tenant by uuid in its path, and by name after `#` with include_name. */
const namesTenant = (ref: string | undefined, tenant: string): boolean =>
  !!ref && (ref.endsWith(`/tenant/${tenant}`) || ref.endsWith(`#${tenant}`) || ref.includes(`/tenant/${tenant}#`));

export async function clusterWriteCheck(reads: Pick<Reads, 'access'>, tenant: string): Promise<CheckResult> {
  const user = await reads.access.currentUser();
  if (!user) return pass(ID, TITLE, 'the login reports no user', 'the Controller did not say who is logged in');
  if (user.superuser) return pass(ID, TITLE, `${user.username} is a superuser`);
  const inTenant = user.access.filter((a) => a.allTenants || namesTenant(a.tenantRef, tenant));
  const entries = inTenant.length ? inTenant : user.access;
  if (entries.length === 0) return pass(ID, TITLE, `${user.username}: no roles listed at login`, 'the login does not list the user\'s roles');
  const roles: AviRole[] = [];
  for (const entry of entries) {
    try {
      roles.push(await reads.access.getRole(entry.roleRef));
    } catch {
      return pass(ID, TITLE, `${user.username}: role ${entry.roleRef}`, 'the role could not be read');
    }
  }
  const access = (r: AviRole) => r.privileges.find((p) => p.resource === CLUSTER_PRIVILEGE)?.type ?? 'NO_ACCESS';
  const writer = roles.find((r) => access(r) === 'WRITE_ACCESS');
  const caveat = inTenant.length ? undefined : `no role names tenant ${tenant}; every role of the user was read`;
  if (writer) return pass(ID, TITLE, `${user.username}: role ${writer.name} has WRITE_ACCESS on ${CLUSTER_PRIVILEGE}`, caveat);
  const had = roles.map((r) => `${r.name} ${access(r)}`).join(', ');
  return fail(ID, TITLE,
    `Avi user ${user.username} may not write the cluster configuration (${CLUSTER_PRIVILEGE}: ${had}); give it a role with WRITE_ACCESS on ${CLUSTER_PRIVILEGE} (System-Admin has it), or run as an admin user`);
}
