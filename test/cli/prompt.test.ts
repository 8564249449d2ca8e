import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { EXIT, UserFacingError } from '../../src/engine/exit-codes.js';
import { readSecret, secretFromEnvOrPrompt } from '../../src/cli/prompt.js';

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

/** A PassThrough that looks like a terminal and records raw-mode switches. */
function fakeTty(): PassThrough & { isTTY: boolean; rawModes: boolean[]; setRawMode: (raw: boolean) => void } {
  const s = new PassThrough() as PassThrough & { isTTY: boolean; rawModes: boolean[]; setRawMode: (raw: boolean) => void };
  s.isTTY = true;
  s.rawModes = [];
  s.setRawMode = (raw) => void s.rawModes.push(raw);
  return s;
}

describe('readSecret', () => {
  it('reads one line from a non-TTY stream and leaves the rest', async () => {
    const input = new PassThrough();
    const out = sink();
    input.end('s3cret\r\nsecond\n');
    expect(await readSecret('Avi password: ', { input, output: out.stream })).toBe('s3cret');
    expect(await readSecret('Passphrase: ', { input, output: out.stream })).toBe('second');
    expect(out.text()).toBe('Avi password: \nPassphrase: \n');
  });

  it('resolves what was read when the stream ends without a newline', async () => {
    const input = new PassThrough();
    input.end('no-newline');
    expect(await readSecret('? ', { input, output: sink().stream })).toBe('no-newline');
  });

  it('on a TTY: raw mode, no echo, backspace edits, raw mode restored', async () => {
    const input = fakeTty();
    const out = sink();
    const answer = readSecret('Avi password: ', { input, output: out.stream });
    input.write('se');
    input.write('\u007fecret');
    input.write('\r');
    expect(await answer).toBe('secret');
    expect(input.rawModes).toEqual([true, false]);
    expect(out.text()).toBe('Avi password: \n'); // nothing typed is echoed
  });

  it('on a TTY: Ctrl-C rejects with the interrupted exit code', async () => {
    const input = fakeTty();
    const answer = readSecret('Avi password: ', { input, output: sink().stream });
    input.write('abc\u0003');
    const err = await answer.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserFacingError);
    expect((err as UserFacingError).exitCode).toBe(EXIT.interrupted);
    expect(input.rawModes).toEqual([true, false]);
  });
});

describe('secretFromEnvOrPrompt', () => {
  it('takes the environment first without prompting', async () => {
    const out = sink();
    const input = fakeTty();
    expect(await secretFromEnvOrPrompt('AVI_PASSWORD', 'Avi password: ', { AVI_PASSWORD: 'from-env' }, { input, output: out.stream })).toBe('from-env');
    expect(out.text()).toBe('');
    expect(input.rawModes).toEqual([]);
  });

  it('without the env var and without a terminal, fails naming the variable', async () => {
    const err = await secretFromEnvOrPrompt('AVI_BACKUP_PASSPHRASE', 'Passphrase: ', {}, { input: new PassThrough(), output: sink().stream }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserFacingError);
    const { message, exitCode } = err as UserFacingError;
    expect(exitCode).toBe(EXIT.usage);
    expect(message).toContain('export AVI_BACKUP_PASSPHRASE');
    expect(message).not.toContain('\n');
  });

  it('prompts on a terminal when the env var is unset, and refuses an empty answer', async () => {
    const input = fakeTty();
    const answer = secretFromEnvOrPrompt('AVI_PASSWORD', 'Avi password: ', { AVI_PASSWORD: '' }, { input, output: sink().stream });
    input.write('pw\n');
    expect(await answer).toBe('pw');
    const empty = secretFromEnvOrPrompt('AVI_PASSWORD', 'Avi password: ', {}, { input, output: sink().stream });
    input.write('\r');
    await expect(empty).rejects.toThrow(/set AVI_PASSWORD/);
  });
});
