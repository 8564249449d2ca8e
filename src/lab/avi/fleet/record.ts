// The fleet on the lab timeline: `se:<name>` as enable_state/power/oper state (or DELETED), and
// `vs:<name>` as OPER_UP/OPER_DOWN, so a test can prove no VS was ever down or measure each outage.

import { seOperState, serving, vsUp, type SeRecord, type VsRecord } from './model.js';
import { sesOf, vssOf, type FleetState } from './state.js';

export const seTimelineState = (se: SeRecord): string =>
  `${se.enableState}/${se.powered ? 'SE_POWER_ON' : 'SE_POWER_OFF'}/${seOperState(se)}`;

export function recordSe(f: FleetState, se: SeRecord, detail?: string): void {
  const state = seTimelineState(se);
  if (f.timeline.current(`se:${se.name}`) === state) return;
  se.operChanged = new Date();
  f.timeline.record(`se:${se.name}`, state, detail);
}

export function recordVs(f: FleetState, vs: VsRecord): void {
  const up = vsUp(vs, f.ses);
  const state = up ? 'OPER_UP' : 'OPER_DOWN';
  if (f.timeline.current(`vs:${vs.name}`) === state) return;
  vs.operChanged = new Date();
  const on = vs.placements.map((p) => f.ses.get(p.seUuid)).filter((se) => serving(se)).map((se) => se!.name);
  f.timeline.record(`vs:${vs.name}`, state, up ? `served by ${on.join(', ')}` : vs.waitReason ?? 'no Service Engine serves it');
}

export function recordGroup(f: FleetState, groupUuid: string): void {
  for (const se of sesOf(f, groupUuid)) recordSe(f, se);
  for (const vs of vssOf(f, groupUuid)) recordVs(f, vs);
}
