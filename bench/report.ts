// One line per measurement: name, value, target, PASS/FAIL. A target is a bound with a
// direction; `info` lines carry context (no target) and never fail the run.

export interface Measurement {
  name: string;
  value: number;
  unit: string;
  /** Upper bound (`max`) or lower bound (`min`); absent for informational lines. */
  max?: number;
  min?: number;
  /** Set when the bench itself broke: the line fails whatever the value. */
  error?: string;
}

export function passed(m: Measurement): boolean | undefined {
  if (m.error) return false;
  if (m.max !== undefined) return m.value < m.max;
  if (m.min !== undefined) return m.value > m.min;
  return undefined;
}

const fmt = (n: number): string => (Math.abs(n) >= 100 || Number.isInteger(n) ? n.toFixed(0) : n.toFixed(2));

export function line(m: Measurement): string {
  const value = m.error ? 'n/a' : `${fmt(m.value)} ${m.unit}`;
  const target = m.max !== undefined ? `< ${fmt(m.max)} ${m.unit}` : m.min !== undefined ? `> ${fmt(m.min)} ${m.unit}` : '-';
  const ok = passed(m);
  const verdict = ok === undefined ? 'INFO' : ok ? 'PASS' : 'FAIL';
  return `${m.name.padEnd(34)} ${value.padStart(16)}   target ${target.padEnd(16)} ${verdict}${m.error ? `  (${m.error})` : ''}`;
}

export function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export const ms = (startNs: bigint): number => Number(process.hrtime.bigint() - startNs) / 1e6;

/** Runs a bench; if it throws, every measurement it promised is reported as a failure. */
export async function guarded(names: string[], bench: () => Promise<Measurement[]>): Promise<Measurement[]> {
  try {
    return await bench();
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    return names.map((name) => ({ name, value: NaN, unit: '', error: why }));
  }
}
