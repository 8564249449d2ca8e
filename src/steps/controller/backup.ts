// Document step 2 (1 node): back up the configuration before the stop; restore.ts puts it back
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
