// The dry-run face of the gateway: every EC2 write, and KMS CreateGrant, sent with DryRun=true,
// answered as a verdict instead of an error. AWS: "Checks whether you have the required
// permissions for the action, without actually making the request … If you have the required
// permissions, the error response is DryRunOperation. Otherwise, it is UnauthorizedOperation"
// (EC2 API reference, DryRun); KMS answers DryRunOperationException or AccessDeniedException
// (KMS developer guide, "Testing your permissions").

import type { EC2Client } from '@aws-sdk/client-ec2';
import { CreateGrantCommand, type GrantOperation, type KMSClient } from '@aws-sdk/client-kms';
import { awsCall } from './errors.js';
import { createCleanupWrites } from './cleanup-calls.js';
import { createAwsWrites } from './gateway-writes.js';
import { createLaunchWrites } from './launch-writes.js';
import { AwsError, type DryRunVerdict, type Ec2DryRun, type Ec2Writes, type KmsDryRun } from './types.js';

const ALLOWED = new Set(['DryRunOperation', 'DryRunOperationException']);
const DENIED = new Set(['UnauthorizedOperation', 'AccessDeniedException']);

/** What a DryRun request's answer means; `operation` is the API action ("StopInstances"). */
export function verdictOf(operation: string, error: unknown): DryRunVerdict {
  if (!(error instanceof AwsError)) throw error;
  if (ALLOWED.has(error.code)) return { verdict: 'allowed', operation };
  if (DENIED.has(error.code)) return { verdict: 'denied', operation, message: error.message };
  return { verdict: 'unproven', operation, code: error.code, message: error.message };
}

/** A DryRun that came back without an error sent nothing (an empty tag list) or was not honoured. */
const NOTHING_SENT = (operation: string): DryRunVerdict => ({
  verdict: 'unproven', operation, code: 'NothingSent', message: `${operation} had nothing to send`,
});

/** EC2's API action for each write method (the IAM action is `ec2:` and this). */
export const EC2_OPERATION: Record<keyof Ec2Writes, string> = {
  createVolume: 'CreateVolume', stopInstance: 'StopInstances', startInstance: 'StartInstances', detachVolume: 'DetachVolume',
  attachVolume: 'AttachVolume', setDeleteOnTermination: 'ModifyInstanceAttribute', tagResources: 'CreateTags', untagResources: 'DeleteTags',
  copyImage: 'CopyImage', runInstance: 'RunInstances', terminateInstance: 'TerminateInstances', associateAddress: 'AssociateAddress',
  deleteVolume: 'DeleteVolume', deleteSnapshot: 'DeleteSnapshot',
};

export function createEc2DryRun(clients: { ec2: EC2Client }): Ec2DryRun {
  const dryRun = { dryRun: true };
  const writes: Ec2Writes = { ...createAwsWrites(clients, dryRun), ...createLaunchWrites(clients, dryRun), ...createCleanupWrites(clients, dryRun) };
  const face = {} as Record<keyof Ec2Writes, (...args: unknown[]) => Promise<DryRunVerdict>>;
  for (const method of Object.keys(EC2_OPERATION) as Array<keyof Ec2Writes>) {
    face[method] = async (...args) => {
      try {
        await (writes[method] as (...a: unknown[]) => Promise<unknown>)(...args);
        return NOTHING_SENT(EC2_OPERATION[method]);
      } catch (e) {
        return verdictOf(e instanceof AwsError ? e.operation : EC2_OPERATION[method], e);
      }
    };
  }
  return face as Ec2DryRun;
}

export function createKmsDryRun({ kms }: { kms: KMSClient }): KmsDryRun {
  return {
    async createGrant(keyArn, granteePrincipal, operations) {
      try {
        await awsCall('CreateGrant', () => kms.send(new CreateGrantCommand({
          KeyId: keyArn, GranteePrincipal: granteePrincipal, Operations: operations as GrantOperation[], DryRun: true,
        })));
        return NOTHING_SENT('CreateGrant');
      } catch (e) {
        return verdictOf('CreateGrant', e);
      }
    },
  };
}
