// A rehearsal's story, for finding where a gap comes from: each step in lab seconds (start, length,
// expected), the lag the bench measures for it, and the lab's timeline between. Not part of `npm run bench`.
//
//   node dist/bench/trace.js <strategy> [nodes] [time-scale]

import { DEFAULT_FLEET } from '../src/lab/avi/fleet/options.js';
import { detectionLags } from './calc/lag.js';
import { stepWindows } from './calc/windows.js';
import { rehearse } from './rehearse.js';

const [strategy = 'controller-swap', nodes = '3', scale = '0.03'] = process.argv.slice(2);
const se = strategy.startsWith('se-');
const reh = await rehearse({
  strategy, nodes: nodes === '1' ? 1 : 3, timeScale: Number(scale), fleet: se ? DEFAULT_FLEET : false, ...(se ? { args: ['--cloud', 'Default-Cloud'] } : {}),
});
const t0 = Date.parse(reh.journal[0]!.at);
const lab = (ms: number) => ((ms - t0) / Number(scale) / 1000).toFixed(1).padStart(7);
const inv = stepWindows(reh.journal);
const lagOf = new Map(detectionLags(inv, reh.timeline, reh.requests).map((l) => [`${l.step}@${l.item ?? ''}`, l]));
const lags = new Map([...lagOf].map(([k, l]) => [k, l.lagMs]));
const rows = [
  ...inv.map((i) => ({ at: i.start, text: `${lab(i.start)} STEP ${i.step}${i.item ? `@${i.item}` : ''} ${((i.end - i.start) / Number(scale) / 1000).toFixed(1)} s${i.expectedMs ? ` (expected ${(i.expectedMs / Number(scale) / 1000).toFixed(0)} s)` : ''}${lags.has(`${i.step}@${i.item ?? ''}`) ? ` lag ${(lags.get(`${i.step}@${i.item ?? ''}`)! / Number(scale) / 1000).toFixed(1)} s after ${lagOf.get(`${i.step}@${i.item ?? ''}`)!.change}` : ''}` })),
  ...reh.timeline.filter((e) => Date.parse(e.at) >= t0).map((e) => ({ at: Date.parse(e.at), text: `${lab(Date.parse(e.at))}      ${e.subject} ${e.state}${e.detail ? ` (${e.detail})` : ''}` })),
  ...(process.env['TRACE_REQUESTS'] ? reh.requests.filter((r) => Date.parse(r.at) >= t0).map((r) => ({ at: Date.parse(r.at), text: `${lab(Date.parse(r.at))}        > ${r.operation}${r.ids ? ` ${r.ids.join(',')}` : ''} ${r.status}` })) : []),
].sort((a, b) => a.at - b.at);
for (const r of rows) process.stdout.write(`${r.text}\n`);
