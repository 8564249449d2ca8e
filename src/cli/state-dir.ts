// --state-dir holds run folders, locks and backups: it must be (or become) a directory we can
// write. Checked offline, so a bad path is one usage line instead of an internal error mid-run.

import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { EXIT, UserFacingError } from '../engine/exit-codes.js';

// Kernel and device trees: nothing there is a place for run state.
const SYSTEM_TREES = ['/dev', '/proc', '/sys'];

/** stat, with "not there" for both ENOENT and ENOTDIR (a path under a file). */
function kindOf(path: string) {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

export function validateStateDir(stateDir: string, from: string, opts: { write: boolean } = { write: true }): void {
  const usage = (why: string) => new UserFacingError(`${from} "${stateDir}" ${why}: point it at a directory you can write, e.g. ./.avi-encrypt`, EXIT.usage);
  const path = resolve(stateDir);
  if (SYSTEM_TREES.some((t) => path === t || path.startsWith(t + sep))) throw usage('is inside a system tree');
  // The deepest part of the path that exists must be a writable directory.
  let existing = path;
  for (;;) {
    const kind = kindOf(existing);
    if (kind) {
      if (!kind.isDirectory()) throw usage(existing === path ? 'is a file, not a directory' : `cannot be created: ${existing} is a file`);
      break;
    }
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  if (!opts.write) return;
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch {
    throw usage(existing === path ? 'is not writable' : `cannot be created: ${existing} is not writable`);
  }
}
