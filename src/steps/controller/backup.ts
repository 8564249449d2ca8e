// Document steps 2 and 7 (1 node): back up the configuration before the stop, restore it
// onto the Controller that booted from the fresh encrypted root.

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

export function restoreConfig(deps: Pick<StepDeps, 'reads' | 'writes' | 'files' | 'backupPassphrase'>) {
  return action<ControllerData, ControllerData>(
    async ({ data }) => {
      if (!data.backupFile) throw new Error('no configuration backup recorded for this run; cannot restore');
      // A fresh Controller has a cluster of its own; the backed-up uuid back means the restore happened.
      const current = await deps.reads.cluster.getCluster();
      if (data.clusterUuid && current.uuid === data.clusterUuid) return;
      const text = await deps.files.load(data.backupFile);
      await deps.writes.cluster.importConfiguration(text, await deps.backupPassphrase());
    },
    async (_s, w) => {
      await w.cluster.importConfiguration('<the backup>', '');
    },
  );
}
