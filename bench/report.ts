// One row per measurement: name, value, the lower bound it is held against (if any), the target,
// and PASS / MISS (INFO for context rows). A target is an upper or lower limit on the value, a
// limit on value / bound, or a verdict the bench computed itself (with the target in words).

export interface Measurement {
  name: string;
  value: number;
  unit: string;
  /** value <= max, value >= min. */
  max?: number;
  min?: number;
  /** The lower bound the value is compared with (same unit); with maxRatio: value <= maxRatio x bound. */
  bound?: number;
  maxRatio?: number;
  /** A verdict computed by the bench, and its target in words. */
  pass?: boolean;
  target?: string;
  /** Context shown beside the value (what it counts, where the gap comes from). */
  note?: string;
  /** Set when the bench itself broke: the row misses whatever the value. */
  error?: string;
}

export function passed(m: Measurement): boolean | undefined {
  if (m.error) return false;
  if (m.pass !== undefined) return m.pass;
  if (m.bound !== undefined && m.maxRatio !== undefined) return m.value <= m.maxRatio * m.bound;
  if (m.max !== undefined) return m.value <= m.max;
  if (m.min !== undefined) return m.value >= m.min;
  return undefined;
}

export const fmt = (n: number): string => (!Number.isFinite(n) ? String(n) : Math.abs(n) >= 100 || Number.isInteger(n) ? n.toFixed(0) : n.toFixed(2));

export function targetText(m: Measurement): string {
  if (m.target) return m.target;
  if (m.maxRatio !== undefined) return `<= ${fmt(m.maxRatio)} x bound`;
  if (m.max !== undefined) return `<= ${fmt(m.max)} ${m.unit}`;
  if (m.min !== undefined) return `>= ${fmt(m.min)} ${m.unit}`;
  return '-';
}

export const verdict = (m: Measurement): 'PASS' | 'MISS' | 'INFO' => {
  const ok = passed(m);
  return ok === undefined ? 'INFO' : ok ? 'PASS' : 'MISS';
};

export function line(m: Measurement): string {
  const value = m.error ? 'n/a' : `${fmt(m.value)} ${m.unit}`;
  const bound = m.bound === undefined || m.error ? '' : `${fmt(m.bound)} ${m.unit}  x${(m.value / m.bound).toFixed(2)}`;
  const tail = m.error ? `  (${m.error})` : m.note ? `  ${m.note}` : '';
  return `${m.name.padEnd(44)} ${value.padStart(14)}  ${bound.padEnd(22)} ${targetText(m).padEnd(26)} ${verdict(m)}${tail}`;
}

export const HEADER = `${'measure'.padEnd(44)} ${'measured'.padStart(14)}  ${'lower bound, ratio'.padEnd(22)} ${'target'.padEnd(26)} verdict`;

/** The same rows as a Markdown table (the README's performance section quotes one). */
export function markdown(rows: Measurement[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const out = ['| measure | measured | lower bound | ratio | target | |', '|---|---|---|---|---|---|'];
  for (const m of rows) {
    const value = m.error ? 'n/a' : `${fmt(m.value)} ${m.unit}`;
    const bound = m.bound === undefined || m.error ? '' : `${fmt(m.bound)} ${m.unit}`;
    const ratio = m.bound === undefined || m.error ? '' : `${(m.value / m.bound).toFixed(2)}`;
    out.push(`| ${cell(m.name)} | ${cell(value)} | ${cell(bound)} | ${ratio} | ${cell(targetText(m))} | ${verdict(m)} |`);
  }
  return out.join('\n');
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

/** Runs a bench; if it throws, every measurement it promised is reported as a miss. */
export async function guarded(names: string[], bench: () => Promise<Measurement[]>): Promise<Measurement[]> {
  try {
    return await bench();
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    return names.map((name) => ({ name, value: NaN, unit: '', error: why }));
  }
}
