// Who is calling: the lab's one set of credentials, an IAM user of the lab account, whose identity
// policy (`lab up --iam-policy`) decides each action on each resource. Refusals take each
// service's documented shape: EC2 UnauthorizedOperation with an encoded message, KMS AccessDeniedException.

import { randomBytes } from 'node:crypto';
import type { Launcher } from '../world/instances.js';
import { AwsFault } from './fault.js';
import { decide, type Decision, type IamPolicy } from './iam-policy.js';

export interface Caller {
  readonly accountId: string;
  readonly arn: string;
  /** The first resource the action is not allowed on, with the decision; undefined when all are allowed. */
  refusal(action: string, resources: string[]): { resource: string; decision: Exclude<Decision, 'allow'> } | undefined;
  /** What EBS may do on the caller's behalf at boot (kms:CreateGrant on the volume keys). */
  readonly launcher: Launcher;
}

export const LAB_USER = 'avi-encrypt-lab';

export function createCaller(accountId: string, policy: IamPolicy | undefined): Caller {
  const refusal: Caller['refusal'] = (action, resources) => {
    for (const resource of resources) {
      const decision = decide(policy, action, resource);
      if (decision !== 'allow') return { resource, decision };
    }
    return undefined;
  };
  return {
    accountId,
    arn: `arn:aws:iam::${accountId}:user/${LAB_USER}`,
    refusal,
    launcher: { mayCreateGrant: (keyArn) => refusal('kms:CreateGrant', [keyArn]) === undefined },
  };
}

/**
 * EC2: "You are not authorized to perform this operation. Encoded authorization failure message: …"
 * (HTTP 403). The message is opaque, as AWS's is without sts:DecodeAuthorizationMessage (not modelled).
 */
export function ec2Unauthorized(): AwsFault {
  const encoded = randomBytes(96).toString('base64url');
  return new AwsFault('UnauthorizedOperation', `You are not authorized to perform this operation. Encoded authorization failure message: ${encoded}`, 403);
}

/** KMS: "User: <arn> is not authorized to perform: kms:<Op> on resource: <key arn> because no identity-based policy allows …". */
export function kmsAccessDenied(caller: Caller, action: string, resource: string, decision: Exclude<Decision, 'allow'>): AwsFault {
  const why = decision === 'explicit-deny'
    ? 'with an explicit deny in an identity-based policy'
    : `because no identity-based policy allows the ${action} action`;
  return new AwsFault('AccessDeniedException', `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${resource} ${why}`);
}
