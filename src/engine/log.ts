// The run's detailed log: JSON lines in the run folder (stdout stays for human progress).
// Redaction runs before json(), on the info object itself, because winston keeps the
// level and the formatted line under Symbol keys that a fresh object would lose.

import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import winston from 'winston';
import type { Redactor } from './redact.js';

const MESSAGE = Symbol.for('message');

/** The file stream under each run logger, so closeLogger can wait for it. */
const files = new WeakMap<winston.Logger, WriteStream>();

function redactFormat(redactor: Redactor) {
  return winston.format((info) => {
    // redact() walks string keys only (and turns nested Errors into plain objects,
    // which format.errors does not do: it handles only a top-level Error).
    const clean = redactor.redact({ ...info }) as Record<string, unknown>;
    const target = info as Record<string | symbol, unknown>;
    for (const key of Object.keys(info)) delete target[key];
    Object.assign(info, clean);
    const formatted = target[MESSAGE];
    if (typeof formatted === 'string') target[MESSAGE] = redactor.redact(formatted);
    return info;
  })();
}

export function createRunLogger(file: string, redactor: Redactor, runId: string): winston.Logger {
  // mode applies when the file is created; logs can carry hostnames and ids, so 0600.
  const stream = createWriteStream(file, { flags: 'a', mode: 0o600 });
  stream.on('error', (err) => {
    // A broken log file must not crash a migration half-way; say so once, on stderr.
    process.stderr.write(`avi-encrypt: cannot write the run log ${file}: ${err.message}\n`);
  });
  const logger = winston.createLogger({
    level: 'debug',
    defaultMeta: { runId },
    format: winston.format.combine(
      winston.format.errors({ stack: true }),
      winston.format.timestamp(),
      redactFormat(redactor),
      winston.format.json(),
    ),
    transports: [new winston.transports.Stream({ stream })],
  });
  files.set(logger, stream);
  return logger;
}

const closing = new WeakMap<winston.Logger, Promise<void>>();

/** Ends the logger and resolves once every line is written and the file is closed. Idempotent. */
export function closeLogger(logger: winston.Logger): Promise<void> {
  let done = closing.get(logger);
  if (!done) {
    done = endAndFlush(logger);
    closing.set(logger, done);
  }
  return done;
}

async function endAndFlush(logger: winston.Logger): Promise<void> {
  // winston streams come from readable-stream 3, which has no `writableFinished` getter.
  const state = (logger as unknown as { _writableState?: { finished?: boolean } })._writableState;
  if (!state?.finished) {
    // The logger's 'finish' waits for its transports; the Stream transport has by then
    // handed every line to the file stream, which we then end and wait to close.
    const finished = once(logger, 'finish');
    logger.end();
    await finished;
  }
  const stream = files.get(logger);
  if (stream && !stream.closed && !stream.destroyed) {
    const closed = once(stream, 'close');
    stream.end();
    await closed.catch(() => undefined);
  }
}
