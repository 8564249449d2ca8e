// Document steps 2 and 7 (1 node): back up the configuration before the stop, restore it
// onto the Controller that booted from the fresh encrypted root.

import { AviError } from '../../avi/types.js';
import type { StepDeps } from '../deps.js';
import { action } from '../effect.js';
import type { ControllerData } from './context.js';

export const BACKUP_NAME = 'controller-config.json';

export function exportConfig(deps: Pick<StepDeps, 'writes' | 'files' | 'backupPassphrase'>) {
  return action<ControllerData, ControllerData>(
    async ({ data }) => {
      if (data.backupFile) {
        const kept = await deps.files.load(data.backupFile).catch(() => '');
        if (kept.length > 0) return;
      }
      const text = await deps.writes.cluster.exportConfiguration(await deps.backupPassphrase());
      if (!text.trim()) throw new Error('the Controller returned an empty configuration export; nothing was stopped');
      return { backupFile: await deps.files.save(BACKUP_NAME, text) };
    },
    async (_s, w) => {
      await w.cluster.exportConfiguration('');
      return { backupFile: `<run folder>/backups/${BACKUP_NAME}` };
    },
  );
}

/**
 * The backed-up configuration onto the Controller that booted from the fresh root. That
 * Controller is factory-default: it refuses the configured admin password and accepts only its
 * initial one, so the import logs in with that (a session of its own); the run's session logs
 * in again once the restored configuration serves.
 */
export function restoreConfig(deps: Pick<StepDeps, 'reads' | 'writes' | 'files' | 'backupPassphrase' | 'nodePassword'>) {
  return action<ControllerData, ControllerData>(
    async ({ data }) => {
      if (!data.backupFile) throw new Error('no configuration backup recorded for this run; cannot restore');
      if (await restoredAlready(deps.reads, data)) return;
      const text = await deps.files.load(data.backupFile);
      await deps.writes.cluster.importConfiguration(text, await deps.backupPassphrase(), await deps.nodePassword());
    },
    async (_s, w) => {
      await w.cluster.importConfiguration('<the backup>', '');
    },
  );
}

/** The backed-up cluster uuid is back (a re-run after the restore); a fresh Controller refuses our login or has a uuid of its own. */
export async function restoredAlready(reads: Pick<StepDeps['reads'], 'cluster'>, data: ControllerData): Promise<boolean> {
  try {
    return !!data.clusterUuid && (await reads.cluster.getCluster()).uuid === data.clusterUuid;
  } catch (e) {
    if (e instanceof AviError && e.kind === 'auth' && e.status === 401) return false;
    throw e;
  }
}
