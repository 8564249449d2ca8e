// AWS is regional: a request reaches the Region its SigV4 credential scope (and, with AWS's own
// host names, its endpoint) names, and sees only that Region's instances, volumes, images, keys
// and aliases. The lab's seeded world is one Region; every other Region is its own, empty world.

import type { IncomingHttpHeaders } from 'node:http';
import { createWorld, type LabWorld } from '../world/world.js';
import { AwsFault } from './fault.js';

export interface LabRegions {
  /** The seeded Region. */
  readonly home: LabWorld;
  /** The world of a Region, created empty the first time a request names it. */
  get(region: string): LabWorld;
}

export function createRegions(home: LabWorld): LabRegions {
  const worlds = new Map<string, LabWorld>([[home.region, home]]);
  return {
    home,
    get(region) {
      let world = worlds.get(region);
      if (!world) {
        world = createWorld({ region, accountId: home.accountId, clock: home.clock, consistencyDelayMs: home.consistencyDelayMs });
        worlds.set(region, world);
      }
      return world;
    },
  };
}

// Commercial, GovCloud and China Region names: us-east-1, ap-southeast-2, us-gov-west-1, cn-north-1.
const REGION_NAME = /^(us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov)-[a-z]+-\d{1,2}$/;
// `Credential=<key id>/<yyyymmdd>/<region>/<service>/aws4_request` in the Authorization header.
const CREDENTIAL_SCOPE = /Credential=[^/,\s]+\/\d{8}\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;
// AWS's own endpoints name the Region: ec2.eu-west-1.amazonaws.com, kms.eu-west-1.amazonaws.com.
const REGIONAL_HOST = /^(?:ec2|kms)(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?(?::\d+)?$/;

export const isRegionName = (name: string): boolean => REGION_NAME.test(name);

/**
 * The Region a signed request is for. A scope AWS does not know, or an endpoint of another Region,
 * fails the signature check as on AWS: "Credential should be scoped to a valid region".
 */
export function requestRegion(headers: IncomingHttpHeaders, service: 'ec2' | 'kms'): string {
  const scope = CREDENTIAL_SCOPE.exec(headers.authorization ?? '');
  const region = scope?.[1] ?? '';
  const endpointRegion = REGIONAL_HOST.exec(headers.host ?? '')?.[1];
  if (!REGION_NAME.test(region) || (endpointRegion !== undefined && endpointRegion !== region)) {
    throw signatureFault(service, `Credential should be scoped to a valid region, not '${region}'. `);
  }
  return region;
}

function signatureFault(service: 'ec2' | 'kms', message: string): AwsFault {
  // EC2 answers SignatureDoesNotMatch (403); KMS, a JSON service, InvalidSignatureException (400).
  return service === 'ec2' ? new AwsFault('SignatureDoesNotMatch', message, 403) : new AwsFault('InvalidSignatureException', message, 400);
}
