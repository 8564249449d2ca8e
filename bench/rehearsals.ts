// The runbooks the bench rehearses, one lab each, one after the other. The lab runs at 1/TIME_SCALE
// of real time; a second of lab time is then TIME_SCALE seconds here, enough for the engine's own
// costs (a few fsyncs per step, an HTTP round trip per look) to stay small against the targets.

import { DEFAULT_FLEET } from '../src/lab/avi/fleet/options.js';
import { rehearse, type Rehearsal, type RehearsalSpec } from './rehearse.js';
import type { Measurement } from './report.js';
import { newVmsRows, seRows, swapRows } from './runbooks.js';

export const TIME_SCALE = 0.03;

const SE = ['--cloud', 'Default-Cloud'];
const RUNBOOKS: Array<{ spec: RehearsalSpec; rows: (r: Rehearsal) => Measurement[] }> = [
  { spec: { strategy: 'controller-swap', nodes: 3, timeScale: TIME_SCALE, fleet: false }, rows: swapRows },
  { spec: { strategy: 'controller-swap', nodes: 1, timeScale: TIME_SCALE, fleet: false }, rows: swapRows },
  // Without the lab's encrypted AMI: the default launch, the node's own AMI with an encrypted root.
  { spec: { strategy: 'controller-new-vms', nodes: 3, timeScale: TIME_SCALE, fleet: false, dropEnv: ['AVI_ENCRYPT_ENCRYPTED_AMI'] }, rows: newVmsRows },
  { spec: { strategy: 'se-scale-out', nodes: 1, timeScale: TIME_SCALE, fleet: DEFAULT_FLEET, args: SE }, rows: (r) => seRows(r) },
  { spec: { strategy: 'se-relaunch', nodes: 1, timeScale: TIME_SCALE, fleet: DEFAULT_FLEET, args: SE }, rows: (r) => seRows(r) },
];

const label = (s: RehearsalSpec) => (s.strategy.startsWith('controller-') ? `${s.strategy}.${s.nodes}-node` : s.strategy);

export async function benchRunbooks(): Promise<Measurement[]> {
  const rows: Measurement[] = [];
  for (const { spec, rows: measure } of RUNBOOKS) {
    try {
      const reh = await rehearse(spec);
      rows.push(...measure(reh), { name: `${label(spec)}.peak-rss`, value: reh.peakKiB / 1024, unit: 'MiB', max: 256 });
    } catch (e) {
      rows.push({ name: `${label(spec)}.*`, value: NaN, unit: '', error: e instanceof Error ? e.message.split('\n')[0]! : String(e) });
    }
  }
  return rows;
}
