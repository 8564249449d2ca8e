// What the restore does inside one SSH connection: an SFTP upload, a command whose prompts are
// answered on stdin, and removing the upload again.

import type { Client } from 'ssh2';
import { ShellError } from './shell-types.js';

export interface ScriptRun {
  /** Exit status; null when the channel closed without one. */
  code: number | null;
  /** stdout and stderr, interleaved as they came. */
  output: string;
}

// restore_config.py asks "... continue (yes/no)" and, without --passphrase, for the passphrase
// (the lab's script; a real one's prompt wording is UNVERIFIED, reference §4).
const CONFIRM = /\(yes\/no\)\s*$/i;
const PASSPHRASE = /passphrase\s*:\s*$/i;

export function upload(client: Client, path: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    client.sftp((err, sftp) => {
      if (err) return reject(new ShellError(`SFTP is not available on the Controller: ${err.message}`, 'script'));
      // Mode 0600: the export holds the whole configuration.
      sftp.writeFile(path, text, { mode: 0o600 }, (e) => {
        sftp.end();
        if (e) reject(new ShellError(`uploading the export to ${path} failed: ${e.message}`, 'script'));
        else resolve();
      });
    });
  });
}

/** Runs `command`, answering the confirmation with yes and the passphrase prompt with `passphrase`. */
export function runScript(client: Client, command: string, passphrase: string, timeoutMs: number): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(new ShellError(`cannot run ${command.split(' ')[0]}: ${err.message}`, 'script'));
      let output = '';
      let code: number | null = null;
      const answered = { confirm: false, passphrase: false };
      const timer = setTimeout(() => {
        stream.close();
        reject(new ShellError(`${command.split(' ')[0]} did not finish within ${Math.round(timeoutMs / 1000)} s`, 'script'));
      }, Math.max(timeoutMs, 1_000));
      const seen = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (!answered.confirm && CONFIRM.test(output)) {
          answered.confirm = true;
          stream.write('yes\n');
        }
        if (!answered.passphrase && PASSPHRASE.test(output)) {
          answered.passphrase = true;
          stream.write(`${passphrase}\n`);
        }
      };
      stream.on('data', seen);
      stream.stderr.on('data', seen);
      stream.on('exit', (c: number | null) => (code = c));
      stream.on('close', () => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });
  });
}

/** Removes a file; false when it could not be removed (the caller reports it). */
export function removeFile(client: Client, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    client.exec(`rm -f ${path}`, (err, stream) => {
      if (err) return resolve(false);
      let code: number | null = null;
      stream.on('exit', (c: number | null) => (code = c));
      stream.on('close', () => resolve(code === 0));
      stream.resume();
      stream.stderr.resume();
    });
  });
}
