// Who answers a gate: a person at a terminal, --yes (or `approve`) in advance, or nobody, in
// which case the run rests there, saved, until `avi-encrypt approve`.

import type { GateAnswer } from '../runbook/machine.js';
import type { GateRequest } from './run.js';

export type GateAsker = (request: GateRequest) => Promise<GateAnswer>;

export function gateAsker(opts: { yes: boolean; interactive: boolean; confirm: (q: string) => Promise<boolean>; out: NodeJS.WritableStream }): GateAsker {
  return async (r) => {
    if (opts.yes) return { approved: true, by: '--yes' };
    if (!opts.interactive) return { approved: false, by: 'no terminal to ask on' };
    opts.out.write(`\n${r.title}: ${r.impact}\n`);
    return (await opts.confirm('Go ahead?')) ? { approved: true, by: 'terminal' } : { approved: false, by: 'declined at the terminal' };
  };
}

/** A plan approves every gate and lists it. */
export function planGates(seen: GateRequest[]): GateAsker {
  return async (r) => {
    seen.push(r);
    return { approved: true, by: 'plan' };
  };
}
