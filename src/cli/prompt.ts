// Secrets are read at execution time from the environment or a no-echo prompt, never from argv.

import { StringDecoder } from 'node:string_decoder';
import { EXIT, UserFacingError } from '../engine/exit-codes.js';

export interface PromptIo {
  /** Default process.stdin. */
  input?: NodeJS.ReadableStream;
  /** Default process.stderr, so prompts never mix into --json output on stdout. */
  output?: NodeJS.WritableStream;
}

type MaybeTty = NodeJS.ReadableStream & { isTTY?: boolean; isRaw?: boolean; setRawMode?: (raw: boolean) => unknown };

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACE = new Set(['\u007f', '\b']);

export function isInteractive(input: NodeJS.ReadableStream): boolean {
  const tty = input as MaybeTty;
  return tty.isTTY === true && typeof tty.setRawMode === 'function';
}

/** Asks `question` and reads one line: without echo on a terminal, plainly from a pipe. */
export function readSecret(question: string, opts: PromptIo = {}): Promise<string> {
  const input = (opts.input ?? process.stdin) as MaybeTty;
  const output = opts.output ?? process.stderr;
  output.write(question);
  const answer = isInteractive(input) ? readRaw(input) : readLine(input);
  // Enter was not echoed, so end the prompt line ourselves (also on Ctrl-C).
  return answer.finally(() => output.write('\n'));
}

function readRaw(input: MaybeTty): Promise<string> {
  return new Promise((resolve, reject) => {
    const wasRaw = input.isRaw === true;
    const decoder = new StringDecoder('utf8');
    let secret = '';
    const finish = (err?: Error): void => {
      input.removeListener('data', onData);
      input.removeListener('error', finish);
      input.setRawMode?.(wasRaw);
      input.pause();
      if (err) reject(err);
      else resolve(secret);
    };
    const onData = (chunk: string | Buffer): void => {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      if (text.startsWith('\u001b')) return; // arrow keys and other escape sequences
      for (const ch of text) {
        if (ch === '\r' || ch === '\n' || ch === CTRL_D) return finish();
        if (ch === CTRL_C) return finish(new UserFacingError('cancelled at the prompt (Ctrl-C)', EXIT.interrupted));
        if (BACKSPACE.has(ch)) secret = Array.from(secret).slice(0, -1).join('');
        else if (ch >= ' ') secret += ch;
      }
    };
    input.setRawMode?.(true);
    input.on('data', onData);
    input.once('error', finish);
    input.resume();
  });
}

function readLine(input: MaybeTty): Promise<string> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let buffered = '';
    const cleanup = (): void => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
      input.pause();
    };
    const onData = (chunk: string | Buffer): void => {
      buffered += typeof chunk === 'string' ? chunk : decoder.write(chunk);
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      cleanup();
      // Leave what follows the line for the next reader (e.g. a second secret on the pipe).
      const rest = buffered.slice(nl + 1);
      if (rest) input.unshift(Buffer.from(rest, 'utf8'));
      resolve(buffered.slice(0, nl).replace(/\r$/, ''));
    };
    const onEnd = (): void => {
      cleanup();
      resolve((buffered + decoder.end()).replace(/\r$/, ''));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', onError);
    input.resume();
  });
}

/** The environment wins; otherwise prompt, but only on a terminal so scripts fail fast instead of hanging. */
export async function secretFromEnvOrPrompt(
  envName: string,
  question: string,
  env: NodeJS.ProcessEnv,
  io: PromptIo = {},
): Promise<string> {
  const fromEnv = env[envName];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const input = io.input ?? process.stdin;
  if (!isInteractive(input)) {
    throw new UserFacingError(
      `${envName} is not set and stdin is not a terminal to prompt on: export ${envName} before running`,
      EXIT.usage,
    );
  }
  const secret = await readSecret(question, { ...io, input });
  if (secret === '') throw new UserFacingError(`nothing was entered: type it at the prompt or set ${envName}`, EXIT.usage);
  return secret;
}
