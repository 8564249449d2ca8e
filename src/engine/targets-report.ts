// Where every item of a halted run stands, from the run's own state: what a failure or a
// rollback report says about each target, whatever the runbook.

import { ROOT } from '../runbook/lanes.js';
import type { RunContext } from '../runbook/context.js';
import type { BuiltRunbook } from '../runbook/machine.js';

const SAID: Record<string, string> = {
  done: 'done',
  skipped: 'passed over (nothing to do)',
  pending: 'not started',
  active: 'in progress',
};

export function itemStates<D>(built: BuiltRunbook<D>, ctx: RunContext<D>): string[] {
  const lines: string[] = [];
  for (const [key, loop] of Object.entries(ctx.loops)) {
    if (key === ROOT || !loop.open) continue;
    for (const item of loop.items) {
      const step = (id: string | undefined) => (id ? built.steps.get(id)?.title ?? id : 'its start');
      let said = SAID[item.status] ?? item.status;
      if (item.status === 'rolled-back') said = `rolled back: put back as it was before the run (stopped at "${step(item.failure?.step)}")`;
      if (item.status === 'failed') {
        said = item.rollbackFailure
          ? `failed, and its rollback stopped at "${step(item.rollbackFailure.step)}": ${item.rollbackFailure.message}`
          : `failed at "${step(item.failure?.step)}", left as it was at that point`;
      }
      lines.push(`${item.key.padEnd(15)} ${said}`);
    }
  }
  return lines;
}
