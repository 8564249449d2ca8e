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
