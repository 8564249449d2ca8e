// The EC2 Query front end: picks the action, applies the caller's IAM policy, honours DryRun, and
// renders the XML response or the EC2 error document (`<Response><Errors><Error>…`) the SDK's ec2
// protocol parser expects.

import type { LabWorld } from '../world/world.js';
import { CATALOG_ACTIONS } from './ec2-catalog.js';
import { INSTANCE_ACTIONS } from './ec2-instances.js';
import { VOLUME_ACTIONS } from './ec2-volumes.js';
import { IMAGE_ACTIONS } from './ec2-images.js';
import { ADDRESS_ACTIONS } from './ec2-addresses.js';
import { LAUNCH_ACTIONS } from './ec2-launch.js';
import { INSTANCE_TYPE_ACTIONS } from './ec2-instance-types.js';
import { AwsFault } from './fault.js';
import type { QueryParams } from './query.js';
import { newRequestId } from './resource-ids.js';
import { EC2_NAMESPACE, renderDocument, type XmlTree } from './xml.js';
import { ec2Unauthorized, type Caller } from './caller.js';
import { ec2Resources } from './ec2-authz.js';
import type { LabRegions } from './regions.js';

/** What an action knows of its request besides the parameters. */
export interface Ec2Context {
  caller: Caller;
  /** `lab up --page-size`: no page holds more items, whatever MaxResults says. */
  pageSize?: number;
  /** The other Regions' worlds (CopyImage's SourceRegion). */
  regions?: LabRegions;
}

/** One EC2 action: query parameters in, the body inside `<ActionResponse>` out. */
export type Ec2Action = (world: LabWorld, q: QueryParams, ctx: Ec2Context) => XmlTree;

export const EC2_ACTIONS: Record<string, Ec2Action> = { ...INSTANCE_ACTIONS, ...VOLUME_ACTIONS, ...IMAGE_ACTIONS, ...ADDRESS_ACTIONS, ...LAUNCH_ACTIONS, ...INSTANCE_TYPE_ACTIONS, ...CATALOG_ACTIONS };

export interface AwsReply {
  status: number;
  contentType: string;
  body: string;
  /** The AWS error code, when the reply is an error. */
  error?: string;
}

export function ec2Fault(fault: AwsFault): AwsReply {
  const body = renderDocument('Response', {
    Errors: { Error: { Code: fault.code, Message: fault.message } },
    RequestID: newRequestId(),
  });
  return { status: fault.status, contentType: 'text/xml;charset=UTF-8', body, error: fault.code };
}

export function handleEc2(world: LabWorld, q: QueryParams, ctx: Ec2Context): AwsReply {
  const action = q.get('Action');
  try {
    if (!action) throw new AwsFault('MissingAction', 'The request must contain the parameter Action');
    const run = Object.hasOwn(EC2_ACTIONS, action) ? EC2_ACTIONS[action] : undefined;
    if (!run) throw new AwsFault('InvalidAction', `The action ${action} is not valid for this web service.`);
    const authorize = () => {
      if (ctx.caller.refusal(`ec2:${action}`, ec2Resources(world, action, q))) throw ec2Unauthorized();
    };
    // AWS: DryRun "checks whether you have the required permissions for the action"; the lab also runs
    // the action's parameter and existence checks, stopping at its first change (world.commit()).
    if (q.bool('DryRun')) {
      world.dryRun(() => run(world, q, ctx));
      authorize();
      throw new AwsFault('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
    }
    authorize();
    const tree = run(world, q, ctx);
    const body = renderDocument(`${action}Response`, { requestId: newRequestId(), ...tree }, EC2_NAMESPACE);
    return { status: 200, contentType: 'text/xml;charset=UTF-8', body };
  } catch (err) {
    if (err instanceof AwsFault) return ec2Fault(err);
    return ec2Fault(new AwsFault('InternalError', `Lab failure: ${(err as Error).message}`, 500));
  }
}
