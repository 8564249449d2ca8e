// Who the run acts as: the login's `user` kept by the session (superuser, roles per tenant) and
// a role read by its ref, over real HTTPS against the fake Controller.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAviClient } from '../../src/avi/client.js';
import { createSelfSignedCertificate, type LabCertificate } from '../../src/lab/tls.js';
import { FakeController, PASSWORD, USERNAME } from './fake-controller.js';

let dir: string;
let cert: LabCertificate;
let fake: FakeController;

const client = () => createAviClient({ controller: fake.url, username: USERNAME, password: PASSWORD, tenant: 'admin', caBundle: cert.caPath, retryDeadlineMs: 2_000 });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'avi-access-'));
  cert = createSelfSignedCertificate(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  fake = await FakeController.start(cert);
});
afterEach(() => fake.stop());

describe('AccessReads', () => {
  it('currentUser logs in if needed and gives the login\'s user with its roles', async () => {
    fake.user = {
      username: 'ops', is_superuser: false, name: 'ops',
      access: [{ role_ref: `${fake.url}/api/role/role-7#Operators`, tenant_ref: `${fake.url}/api/tenant/admin#admin`, all_tenants: false }, { nonsense: 1 }],
    };
    const avi = client();
    expect(await avi.currentUser()).toEqual({
      username: 'ops', superuser: false,
      access: [{ roleRef: `${fake.url}/api/role/role-7#Operators`, tenantRef: `${fake.url}/api/tenant/admin#admin`, allTenants: false }],
    });
    expect(fake.logins).toBe(1);
  });

  it('no user in the login body is undefined, not a guess', async () => {
    expect(await client().currentUser()).toBeUndefined();
  });

  it('getRole GETs the role\'s path, whatever host its ref names', async () => {
    fake.routes.set('GET /api/role/role-7', () => ({ status: 200, body: { name: 'Operators', privileges: [{ resource: 'PERMISSION_CONTROLLER', type: 'READ_ACCESS' }] } }));
    const role = await client().getRole('https://10.9.9.9/api/role/role-7#Operators');
    expect(role).toEqual({ name: 'Operators', privileges: [{ resource: 'PERMISSION_CONTROLLER', type: 'READ_ACCESS' }] });
  });
});
