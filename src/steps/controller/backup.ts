// Document steps 2 and 7 (1 node): back up the configuration before the stop, restore it
// onto the Controller that booted from the fresh encrypted root.

import type { StepDeps } from '../deps.js';
import type { ControllerContext } from './context.js';

export const BACKUP_NAME = 'controller-config.json';

export function exportConfig(deps: StepDeps) {
  return async (ctx: ControllerContext): Promise<Partial<ControllerContext>> => {
    if (ctx.backupFile) {
      const kept = await deps.backups.load(ctx.backupFile).catch(() => '');
      if (kept.length > 0) return {};
    }
    const text = await deps.avi.exportConfiguration(await deps.backupPassphrase());
    if (!text.trim()) throw new Error('the Controller returned an empty configuration export; nothing was stopped');
    return { backupFile: await deps.backups.save(BACKUP_NAME, text) };
  };
}

export function restoreConfig(deps: StepDeps) {
  return async (ctx: ControllerContext): Promise<Partial<ControllerContext>> => {
    if (!ctx.backupFile) throw new Error('no configuration backup recorded for this run; cannot restore');
    // A fresh Controller has a cluster of its own; the backed-up uuid back means the restore happened.
    const current = await deps.avi.getCluster();
    if (ctx.clusterUuid && current.uuid === ctx.clusterUuid) return {};
    const text = await deps.backups.load(ctx.backupFile);
    await deps.avi.importConfiguration(text, await deps.backupPassphrase());
    return {};
  };
}
