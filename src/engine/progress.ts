// Human progress on stdout. On a terminal a wait redraws one line in place; anywhere
// else (CI, `| tee`, a file) only plain lines are written, and a wait prints only when
// its value changes or every 30 s, so a 10-minute cluster wait costs ~20 lines, not 600.

export interface Progress {
  stepStarted(id: string, title: string, node?: string): void;
  stepFinished(id: string): void;
  stepFailed(id: string, message: string): void;
  waiting(id: string, what: string, lastValue: string): void;
  info(line: string): void;
  close(): void;
}

/** Non-TTY: repeat an unchanged wait line this often. */
const QUIET_REPEAT_MS = 30_000;
const CLEAR_LINE = '\r\x1b[2K';

/** `850 ms`, `12 s`, `3 min 4 s`, `2 h 5 min`. */
export function formatElapsed(ms: number): string {
  const t = Math.max(0, Math.floor(ms));
  if (t < 1000) return `${t} ms`;
  const s = Math.floor(t / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min ${s % 60} s`;
  return `${Math.floor(min / 60)} h ${min % 60} min`;
}

interface StepState {
  label: string;
  startedAt: number;
  wait?: { what: string; value: string; since: number; printedAt: number };
}

export function createProgress(opts: {
  out: NodeJS.WritableStream;
  tty: boolean;
  now?: () => number;
}): Progress {
  const { out, tty } = opts;
  const now = opts.now ?? (() => Date.now());
  const steps = new Map<string, StepState>();
  let live: string | undefined; // TTY only: the line currently drawn without a newline

  const oneLine = (s: string) => s.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  // A redrawn line must not wrap: \r + clear only reaches the terminal's last row.
  const fit = (s: string) => {
    const cols = (out as { columns?: number }).columns;
    return cols && s.length >= cols ? s.slice(0, Math.max(0, cols - 2)) + '…' : s;
  };

  /** A permanent line; on a TTY the live line is cleared first and redrawn below it. */
  const print = (line: string) => {
    if (tty && live !== undefined) out.write(`${CLEAR_LINE}${line}\n${live}`);
    else out.write(`${line}\n`);
  };
  const setLive = (line: string | undefined) => {
    live = line === undefined ? undefined : fit(line);
    out.write(`${CLEAR_LINE}${live ?? ''}`);
  };
  const elapsedOf = (st: StepState | undefined) => (st ? ` (${formatElapsed(now() - st.startedAt)})` : '');
  const end = (id: string, line: string) => {
    steps.delete(id);
    if (tty && live !== undefined) {
      live = undefined;
      out.write(CLEAR_LINE);
    }
    print(line);
  };

  return {
    stepStarted(id, title, node) {
      const label = node ? `${title} ${node}` : title;
      steps.set(id, { label, startedAt: now() });
      if (tty) setLive(`… ${label}`);
      else print(`… ${label}`);
    },
    stepFinished(id) {
      const st = steps.get(id);
      end(id, `✓ ${st?.label ?? id}${elapsedOf(st)}`);
    },
    stepFailed(id, message) {
      const st = steps.get(id);
      end(id, `✗ ${st?.label ?? id}${elapsedOf(st)}: ${oneLine(message)}`);
    },
    waiting(id, what, lastValue) {
      const t = now();
      const st = steps.get(id) ?? { label: id, startedAt: t };
      steps.set(id, st);
      const value = oneLine(lastValue);
      if (!st.wait || st.wait.what !== what) st.wait = { what, value, since: t, printedAt: -Infinity };
      const w = st.wait;
      const line = `  waiting for ${what}: ${value}, ${formatElapsed(t - w.since)}`;
      if (tty) {
        setLive(line);
      } else if (value !== w.value || t - w.printedAt >= QUIET_REPEAT_MS) {
        print(line);
        w.printedAt = t;
      }
      w.value = value;
    },
    info(line) {
      print(line);
    },
    close() {
      if (tty && live !== undefined) setLive(undefined);
    },
  };
}
