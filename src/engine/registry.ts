// The engine's view of runbooks/index.ts: the module for a strategy, or a refusal that names
// what exists.

import { isStrategy, REGISTRY, STRATEGIES } from '../../runbooks/index.js';
import type { AnyRunbookModule } from '../runbook/module.js';
import { EXIT, UserFacingError } from './exit-codes.js';

export function runbookFor(strategy: string): AnyRunbookModule {
  if (!isStrategy(strategy)) {
    throw new UserFacingError(`unknown strategy "${strategy}": use --strategy with one of ${STRATEGIES.join(', ')}`, EXIT.usage);
  }
  return REGISTRY[strategy];
}
