// KMS CreateGrant and its DryRun in the lab, through the real @aws-sdk/client-kms: the answers
// AWS documents (DryRunOperationException 412, AccessDeniedException naming kms:CreateGrant, the
// key-state exceptions), and a DryRun that changes nothing and is logged as such.

import { afterEach, describe, expect, it } from '@jest/globals';
import { CreateGrantCommand, type CreateGrantCommandInput } from '@aws-sdk/client-kms';
import { parseIamPolicy } from '../../src/lab/aws/iam-policy.js';
import { ACCOUNT, failure, startLab, type Lab } from './aws-harness.js';

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

const GRANTEE = `arn:aws:iam::${ACCOUNT}:root`;
const grant = (KeyId: string, more: Partial<CreateGrantCommandInput> = {}) =>
  new CreateGrantCommand({ KeyId, GranteePrincipal: GRANTEE, Operations: ['Decrypt', 'CreateGrant'], DryRun: true, ...more });

describe('CreateGrant with DryRun', () => {
  it('answers DryRunOperationException (412) for a usable customer key, logged as a DryRun that mutates nothing', async () => {
    lab = await startLab({ nodes: 1 });
    const err = await failure(lab.kms.send(grant(lab.seed.customerKeyArn)));
    expect({ name: err.name, status: err.$metadata.httpStatusCode }).toEqual({ name: 'DryRunOperationException', status: 412 });
    const logged = lab.log.list().filter((r) => r.operation === 'CreateGrant');
    expect(logged).toEqual([expect.objectContaining({ service: 'kms', dryRun: true, mutating: false, status: 412 })]);
  });

  it('without DryRun makes the grant (a mutating call)', async () => {
    lab = await startLab({ nodes: 1 });
    const out = await lab.kms.send(grant(lab.seed.customerKeyArn, { DryRun: false }));
    expect(out.GrantId).toMatch(/^[0-9a-f]{64}$/);
    expect(lab.log.list().filter((r) => r.operation === 'CreateGrant').map((r) => r.mutating)).toEqual([true]);
  });

  it('names kms:CreateGrant in AccessDeniedException when the identity policy does not allow it, DryRun or not', async () => {
    lab = await startLab({
      nodes: 1,
      policy: parseIamPolicy(JSON.stringify({ Version: '2012-10-17', Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'kms:CreateGrant', Resource: '*' },
      ] })),
    });
    for (const DryRun of [true, false]) {
      const err = await failure(lab.kms.send(grant(lab.seed.customerKeyArn, { DryRun })));
      expect(err.name).toBe('AccessDeniedException');
      expect(err.message).toContain(`not authorized to perform: kms:CreateGrant on resource: ${lab.seed.customerKeyArn}`);
    }
  });

  it('refuses a Disabled key (DisabledException) and one pending deletion (KMSInvalidStateException)', async () => {
    lab = await startLab({ nodes: 1 });
    const disabled = lab.world.createKey({ description: 'disabled' });
    lab.world.disableKey(disabled.keyId);
    const pending = lab.world.createKey({ description: 'pending' });
    lab.world.scheduleKeyDeletion(pending.keyId, 7);
    const d = await failure(lab.kms.send(grant(disabled.arn)));
    expect({ name: d.name, message: d.message }).toEqual({ name: 'DisabledException', message: `${disabled.arn} is disabled.` });
    const p = await failure(lab.kms.send(grant(pending.arn)));
    expect({ name: p.name, message: p.message }).toEqual({ name: 'KMSInvalidStateException', message: `${pending.arn} is pending deletion.` });
  });

  it('refuses a direct grant on the AWS managed key (its key policy allows use through EC2 only)', async () => {
    lab = await startLab({ nodes: 1 });
    const err = await failure(lab.kms.send(grant(lab.seed.awsManagedKeyArn)));
    expect(err.name).toBe('AccessDeniedException');
    expect(err.message).toMatch(/no resource-based policy allows the kms:CreateGrant action/);
  });

  it('checks its parameters: key id or ARN only, a grantee ARN, known operations', async () => {
    lab = await startLab({ nodes: 1 });
    expect((await failure(lab.kms.send(grant(lab.seed.customerKeyAlias)))).name).toBe('NotFoundException');
    expect((await failure(lab.kms.send(grant(lab.seed.customerKeyArn, { GranteePrincipal: 'somebody' })))).name).toBe('InvalidArnException');
    const ops = await failure(lab.kms.send(grant(lab.seed.customerKeyArn, { Operations: ['Delete' as never] })));
    expect(ops.name).toBe('ValidationException');
  });
});
