// Lab time: every documented duration is multiplied by the time scale, so a 4-minute
// cluster convergence takes 2.4 s at --time-scale 0.01 and the real 4 minutes at 1.

import type { LabClock } from './world/types.js';

export function createClock(scale: number): LabClock {
  if (!(scale > 0 && scale <= 10)) throw new Error(`time scale must be in (0, 10], got ${scale}`);
  return {
    scale,
    scaled: (realMs) => Math.max(1, Math.round(realMs * scale)),
    after(realMs, fn) {
      const t = setTimeout(fn, Math.max(1, Math.round(realMs * scale)));
      t.unref();
      return t;
    },
  };
}
