// One loopback HTTP handler for both simulated services, told apart the way AWS SDK requests
// differ: KMS sends `X-Amz-Target: TrentService.<Op>` with JSON, EC2 sends a form with `Action=`.
// Signatures are not checked, but a SigV4 Authorization header is required, as AWS would, and its
// credential scope picks the Region whose world answers (regions.ts).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LabWorld } from '../world/world.js';
import { isMutatingOperation, type RequestLog } from '../request-log.js';
import { ec2Fault, handleEc2, type AwsReply } from './ec2.js';
import { AwsFault } from './fault.js';
import { handleKms, kmsFault } from './kms.js';
import { QueryParams } from './query.js';
import { createRegions, requestRegion, type LabRegions } from './regions.js';
import { createCaller, type Caller } from './caller.js';
import type { IamPolicy } from './iam-policy.js';
import { newRequestId } from './resource-ids.js';

/** `/_lab/*` belongs to the lab's own endpoints, mounted by whoever owns the listener. */
export function isAwsRequest(req: IncomingMessage): boolean {
  return !(req.url ?? '/').startsWith('/_lab/');
}

const KMS_TARGET = /^TrentService\.(\w+)$/;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A KMS request with `"DryRun": true` in its JSON body (CreateGrant and the cryptographic operations take it). */
function kmsDryRun(body: string): boolean {
  try {
    return (JSON.parse(body) as { DryRun?: unknown } | null)?.DryRun === true;
  } catch {
    return false;
  }
}

function signed(req: IncomingMessage): boolean {
  return (req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ');
}

interface ServeContext {
  regions: LabRegions;
  caller: Caller;
  pageSize?: number;
  admit?: AwsHandlerOptions['admit'];
}

interface Served {
  service: 'ec2' | 'kms';
  operation: string;
  reply: AwsReply;
  region?: string;
  dryRun?: boolean;
  ids?: string[];
}

/** Parameters that name one resource (`VolumeId`) or a list of them (`InstanceId.1`, `ResourceId.2`). */
const ID_PARAM = /^(InstanceId|VolumeId|ImageId|SnapshotId|SourceImageId|ResourceId|AllocationId)(\.\d+)?$/;

/** The ids a request names, for the request log (which request was about which resource). */
function namedIds(q: QueryParams): string[] | undefined {
  const ids = q.entries().filter(([k]) => ID_PARAM.test(k)).map(([, v]) => v);
  return ids.length ? ids : undefined;
}

function serve(ctx: ServeContext, req: IncomingMessage, body: string): Served {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    const operation = KMS_TARGET.exec(target)?.[1] ?? target;
    if (!signed(req)) return { service: 'kms', operation, reply: kmsFault(new AwsFault('MissingAuthenticationTokenException', 'Missing Authentication Token')) };
    const dryRun = kmsDryRun(body);
    return { service: 'kms', operation, ...(dryRun ? { dryRun } : {}), ...inRegion('kms', operation, (world) => handleKms(world, operation, body, ctx)) };
  }
  // EC2's Query API also accepts GET with the parameters in the URL.
  const q = QueryParams.parse(req.method === 'GET' ? new URL(req.url ?? '/', 'http://lab').search.slice(1) : body);
  const operation = q.get('Action') ?? '';
  if (!signed(req)) {
    return { service: 'ec2', operation, reply: ec2Fault(new AwsFault('AuthFailure', 'AWS was not able to validate the provided access credentials', 401)) };
  }
  const dryRun = q.get('DryRun') === 'true';
  const ids = namedIds(q);
  return { service: 'ec2', operation, ...(dryRun ? { dryRun } : {}), ...(ids ? { ids } : {}), ...inRegion('ec2', operation, (world) => handleEc2(world, q, ctx)) };

  function inRegion(service: 'ec2' | 'kms', operation: string, run: (world: LabWorld) => AwsReply): { reply: AwsReply; region?: string } {
    const fail = (fault: AwsFault) => (service === 'ec2' ? ec2Fault(fault) : kmsFault(fault));
    let region: string;
    try {
      region = requestRegion(req.headers, service);
    } catch (err) {
      return { reply: fail(err as AwsFault) };
    }
    const refused = ctx.admit?.(service, operation, region);
    return { reply: refused ? fail(refused) : run(ctx.regions.get(region)), region };
  }
}

export interface AwsHandlerOptions {
  /** `lab up --iam-policy`: the identity policy of the lab's credentials; none = allow-all. */
  policy?: IamPolicy;
  /** `lab up --page-size`: the most items any Describe or List page holds. */
  pageSize?: number;
  /**
   * The seam for fault injection (throttling, outages): asked before each request is served; a fault
   * it returns is the answer. Not used by the lab itself yet.
   */
  admit?: (service: 'ec2' | 'kms', operation: string, region: string) => AwsFault | undefined;
}

/** `world` is the seeded Region; requests signed for any other Region see that Region's own, empty world. */
export function createAwsHandler(world: LabWorld, log: RequestLog, opts: AwsHandlerOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const regions = createRegions(world);
  const caller = createCaller(world.accountId, opts.policy);
  const ctx: ServeContext = { regions, caller, ...(opts.pageSize === undefined ? {} : { pageSize: opts.pageSize }), ...(opts.admit ? { admit: opts.admit } : {}) };
  return (req, res) => {
    if (!isAwsRequest(req)) {
      res.writeHead(404).end();
      return;
    }
    readBody(req).then(
      (body) => {
        const { service, operation, reply, region, dryRun, ids } = serve(ctx, req, body);
        log.record({
          service,
          operation,
          // A DryRun changes nothing, whatever it answers.
          mutating: !dryRun && isMutatingOperation(operation),
          ...(dryRun ? { dryRun } : {}),
          ...(region === undefined ? {} : { region }),
          status: reply.status,
          ...(reply.error === undefined ? {} : { error: reply.error }),
          ...(ids ? { ids } : {}),
        });
        res.writeHead(reply.status, {
          'content-type': reply.contentType,
          'content-length': Buffer.byteLength(reply.body),
          'x-amzn-requestid': newRequestId(),
        });
        res.end(reply.body);
      },
      () => res.writeHead(400).end(),
    );
  };
}
