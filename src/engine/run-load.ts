// A run named on the command line (`resume`, `verify --run`, `cleanup --run`): its folder and its
// run.json, or a one-line refusal that says where to look.

import { EXIT, UserFacingError } from './exit-codes.js';
import { loadMeta, type RunMeta } from './run-meta.js';
import { runFolder, type RunFolder } from './run-folder.js';

export async function loadRun(stateDir: string, runId: string): Promise<{ folder: RunFolder; meta: RunMeta }> {
  let folder: RunFolder;
  try {
    folder = runFolder(stateDir, runId);
  } catch {
    throw new UserFacingError(`${runId} is not a run id; avi-encrypt status lists the runs in ${stateDir}`, EXIT.usage);
  }
  const meta = await loadMeta(folder.meta);
  if (!meta) throw new UserFacingError(`no run ${runId} in ${stateDir}; avi-encrypt status lists the runs`, EXIT.usage);
  return { folder, meta };
}
