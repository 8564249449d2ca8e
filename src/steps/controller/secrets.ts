// A secret a later step needs is asked for before anything changes: a prompt must never wait for
// a person while a node is down. (The backup passphrase is asked by the export, also before.)

import type { StepDeps } from '../deps.js';
import { check } from '../effect.js';
import type { ControllerData } from './context.js';

/** The initial admin password of a factory-fresh Controller (AVI_NODE_PASSWORD, a prompt, or the Avi password). */
export function askNodePassword(deps: Pick<StepDeps, 'nodePassword'>) {
  return check<ControllerData, ControllerData>(async () => {
    await deps.nodePassword();
  });
}
