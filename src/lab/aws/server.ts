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

function signed(req: IncomingMessage): boolean {
  return (req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ');
}

function serve(regions: LabRegions, req: IncomingMessage, body: string): { service: 'ec2' | 'kms'; operation: string; reply: AwsReply } {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    const operation = KMS_TARGET.exec(target)?.[1] ?? target;
    if (!signed(req)) return { service: 'kms', operation, reply: kmsFault(new AwsFault('MissingAuthenticationTokenException', 'Missing Authentication Token')) };
    return { service: 'kms', operation, reply: inRegion(req, 'kms', (world) => handleKms(world, operation, body)) };
  }
  // EC2's Query API also accepts GET with the parameters in the URL.
  const q = QueryParams.parse(req.method === 'GET' ? new URL(req.url ?? '/', 'http://lab').search.slice(1) : body);
  const operation = q.get('Action') ?? '';
  const reply = signed(req)
    ? inRegion(req, 'ec2', (world) => handleEc2(world, q))
    : ec2Fault(new AwsFault('AuthFailure', 'AWS was not able to validate the provided access credentials', 401));
  return { service: 'ec2', operation, reply };

  function inRegion(r: IncomingMessage, service: 'ec2' | 'kms', run: (world: LabWorld) => AwsReply): AwsReply {
    let region: string;
    try {
      region = requestRegion(r.headers, service);
    } catch (err) {
      const fault = err as AwsFault;
      return service === 'ec2' ? ec2Fault(fault) : kmsFault(fault);
    }
    return run(regions.get(region));
  }
}

/** `world` is the seeded Region; requests signed for any other Region see that Region's own, empty world. */
export function createAwsHandler(world: LabWorld, log: RequestLog): (req: IncomingMessage, res: ServerResponse) => void {
  const regions = createRegions(world);
  return (req, res) => {
    if (!isAwsRequest(req)) {
      res.writeHead(404).end();
      return;
    }
    readBody(req).then(
      (body) => {
        const { service, operation, reply } = serve(regions, req, body);
        log.record({
          service,
          operation,
          mutating: isMutatingOperation(operation),
          status: reply.status,
          ...(reply.error === undefined ? {} : { error: reply.error }),
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
