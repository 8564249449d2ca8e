// The installable CLI: `npm pack` of this checkout, installed globally into an empty prefix
// (production dependencies only), gives a working `avi-encrypt`: help, version, and a lab that
// starts and stops from the installed files.

import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const tmp = mkdtempSync(join(tmpdir(), 'avi-package-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('npm pack → npm install -g on a clean prefix', () => {
  it('installs a working avi-encrypt without dev dependencies', async () => {
    // The test command has just built dist/; packing must not rebuild it under the other suites.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', tmp], { cwd: ROOT });
    const tarball = join(tmp, packed.stdout.trim().split('\n').pop()!);
    expect(existsSync(tarball)).toBe(true);
    const prefix = join(tmp, 'prefix');
    await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', tarball], { cwd: tmp, timeout: 240_000 });
    const bin = join(prefix, 'bin', 'avi-encrypt');
    const env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env['PATH']}` };

    const help = await run(bin, ['--help'], { env });
    expect(help.stdout).toContain('Migrate Avi Controllers and SEs on AWS to KMS-encrypted volumes.');
    const version = await run(bin, ['--version'], { env });
    expect(version.stdout).toMatch(/^avi-encrypt \d+\.\d+\.\d+\nsupported: /);

    const installed = join(prefix, 'lib', 'node_modules', 'avi-encrypt');
    const deps = readdirSync(join(installed, 'node_modules'));
    for (const dev of ['jest', 'typescript', 'ts-jest', 'aws-sdk-client-mock']) expect(deps).not.toContain(dev);
    expect(existsSync(join(installed, 'dist', 'test'))).toBe(false);

    const lab = join(tmp, 'lab');
    const up = await run(bin, ['lab', 'up', '--dir', lab], { env, cwd: tmp });
    expect(up.stdout).toMatch(/^lab up \(3 nodes/);
    expect(existsSync(join(lab, 'env'))).toBe(true);
    const down = await run(bin, ['lab', 'down', '--dir', lab], { env, cwd: tmp });
    expect(down.stdout).toContain('stopped');
  }, 300_000);
});
