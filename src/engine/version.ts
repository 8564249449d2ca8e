// This avi-encrypt's version, from its package.json: saved with every run, so a run made by
// another version can say which version to finish it with.

import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function toolVersion(): string {
  if (cached !== undefined) return cached;
  cached = 'unknown';
  // src/engine/ under ts-jest, dist/src/engine/ when built: walk up to our package.json.
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'avi-encrypt' && pkg.version) return (cached = pkg.version);
    } catch {
      // try the next candidate
    }
  }
  return cached;
}

/**
 * The Avi Controller versions this avi-encrypt works with: EBS/S3 encryption of a cloud appeared
 * in 17.2.3 (reference §7); joining a new Controller VM needs ClusterNode.password, 18.2.3.
 */
export const SUPPORTED_AVI = 'Avi Vantage / NSX Advanced Load Balancer 17.2.3 or later (controller-new-vms: 18.2.3 or later); the lab simulates 22.1.3';

/** What --version prints. */
export function versionLine(): string {
  return `avi-encrypt ${toolVersion()}\nsupported: ${SUPPORTED_AVI}`;
}
