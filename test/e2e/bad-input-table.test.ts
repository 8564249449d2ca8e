// Bad input, as one table across the commands (plan, migrate, resume, approve, status, describe,
// lab) and every strategy: each case is one diagnostic line, its exit code (2 usage, 3 refused by
// the preflight), and no mutating call in the lab's request log.
//
// Cases already covered elsewhere are not repeated here:
//   bad-input.test.ts      unreachable Controller, wrong password, TLS without a CA bundle, unknown strategy,
//                          the key not found / Disabled / PendingDeletion / asymmetric, AMI unencrypted or of
//                          another key, a node IP without an instance, a held lock, resume of an unknown or
//                          malformed run id, AVI_PASSWORD missing, --password on the command line, http://,
//                          an unknown tenant, another region, an unknown --profile, no AWS credentials,
//                          --state-dir a file (migrate), lab up on a busy folder, lab down on a missing one
//   se-bad-input.test.ts   unknown / non-AWS cloud, unknown SE group, key of another region, malformed key ARN,
//                          a legacy HA group for scale-out, --concurrency 0, no --cloud, another strategy's setting
//   new-vms-bad-input.test.ts  a 1-node cluster, an AMI of another region or key, an instance type without
//                          EBS encryption, a subnet without a free address
//   swap-one-node.test.ts  AMIs, SSH key and host key of the 1-node restore
//   run-files.test.ts      corrupt run.json / snapshot.json, a run of another runbook shape
//   lab-cli.test.ts        lab fault: unknown kind, start-fails without --instance, a bad --for
//
// Build first: npx tsc -p tsconfig.json && node --experimental-vm-modules node_modules/jest/bin/jest.js test/e2e/bad-input-table

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mutatingCount, runCli, startTestLab, type TestLab } from './lab-harness.js';
import { envWith } from './swap-helpers.js';

let lab: TestLab;
let waitingRun = '';
const f = (name: string) => join(lab.dir, name);
const S = () => ['--state-dir', lab.stateDir];
const RUN_ID = '20260101-000000-controller-swap-abcd';

interface Case {
  name: string;
  args: () => string[];
  code: 2 | 3;
  says: RegExp | (() => RegExp);
  env?: () => Record<string, string | undefined>;
}

const plan = (strategy: string, ...more: string[]) => () => ['plan', '--strategy', strategy, ...S(), ...(strategy.startsWith('se-') ? ['--cloud', 'Default-Cloud'] : []), ...more];
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const CASES: Case[] = [
  // Any command
  { name: 'an unknown command', args: () => ['frobnicate'], code: 2, says: /^Unknown argument: frobnicate \(see avi-encrypt --help\)$/ },
  { name: 'an unknown option', args: () => ['migrate', '--strategy', 'controller-swap', '--frob', '1', ...S()], code: 2, says: /^Unknown argument: frob / },
  // plan / migrate: settings common to every strategy
  { name: 'plan without a strategy', args: () => ['plan', ...S()], code: 2, says: /^strategy is not set: set --strategy \(one of controller-swap, controller-new-vms, se-scale-out, se-relaunch\)/ },
  { name: '--poll-interval below zero', args: plan('controller-swap', '--poll-interval', '-5'), code: 2, says: /^--poll-interval must be a positive number of milliseconds or MIN-MAX \(got "-5"\): set it to e\.g\. 1000-60000$/ },
  { name: '--wait-timeout 0', args: plan('controller-new-vms', '--wait-timeout', '0'), code: 2, says: /^--wait-timeout must be a positive number of minutes \(got 0\)/ },
  { name: 'AVI_ENCRYPT_WAIT_TIMEOUT not a number', args: plan('se-relaunch'), env: () => ({ AVI_ENCRYPT_WAIT_TIMEOUT: 'soon' }), code: 2, says: /^AVI_ENCRYPT_WAIT_TIMEOUT must be a positive number of minutes \(got "soon"\)/ },
  { name: '--config that does not exist', args: plan('controller-swap', '--config', 'no-such.yaml'), code: 2, says: /^config file "no-such\.yaml" cannot be read \(ENOENT\)/ },
  { name: '--config that is not YAML', args: () => plan('controller-swap', '--config', f('bad.yaml'))(), code: 2, says: /^config file ".*bad\.yaml" is not valid YAML/ },
  { name: '--config holding a password', args: () => plan('se-scale-out', '--config', f('password.yaml'))(), code: 2, says: /contains "password": secrets don't go in config files; use AVI_PASSWORD/ },
  { name: '--config with an unknown key', args: () => plan('controller-swap', '--config', f('unknown.yaml'))(), code: 2, says: /^unknown key "frobnicate" in config file .*: allowed keys: / },
  { name: '--config with a key of the wrong type', args: () => plan('controller-swap', '--config', f('type.json'))(), code: 2, says: /^pollInterval in .*type\.json must be a positive number of milliseconds or MIN-MAX \(got "soon"\)/ },
  { name: '--controller that is not a URL', args: plan('controller-swap', '--controller', 'not-a-url'), code: 2, says: /^--controller "not-a-url" is not a URL: use https:\/\/<controller-address>\[:port\]$/ },
  { name: 'a key alias that does not exist', args: plan('controller-new-vms', '--kms-key', 'alias/no-such-key'), code: 3, says: /KMS key alias\/no-such-key was not found in this region; pass an existing key with --kms-key/ },
  // controller-swap
  { name: 'swap: --restore-via of neither kind', args: plan('controller-swap', '--restore-via', 'carrier-pigeon'), code: 2, says: /^restore method "carrier-pigeon" \(--restore-via\) is not ssh or api$/ },
  { name: 'swap: AVI_ENCRYPT_RESTORE_VIA of neither kind', args: plan('controller-swap'), env: () => ({ AVI_ENCRYPT_RESTORE_VIA: 'fax' }), code: 2, says: /^restore method "fax" .*is not ssh or api$/ },
  { name: "swap: new-vms's --terminate-old", args: plan('controller-swap', '--terminate-old'), code: 2, says: /^--terminate-old is a setting of controller-new-vms, not of controller-swap: drop it$/ },
  { name: 'swap: --encrypted-ami that is not an AMI id', args: plan('controller-swap', '--encrypted-ami', 'not-an-ami'), code: 2, says: /^AMI "not-an-ami" \(--encrypted-ami\) is not an AMI id/ },
  { name: 'swap: --source-ami not in the region', args: plan('controller-swap', '--source-ami', 'ami-00000000000000000'), code: 3, says: /source AMI ami-00000000000000000 was not found in this region .*check --source-ami$/ },
  // controller-new-vms
  { name: 'new-vms: --encrypted-ami not in the region', args: plan('controller-new-vms', '--encrypted-ami', 'ami-00000000000000000'), code: 3, says: /AMI ami-00000000000000000 was not found in this region .*check --encrypted-ami$/ },
  { name: "new-vms: swap's --restore-via", args: plan('controller-new-vms', '--restore-via', 'ssh'), code: 2, says: /^--restore-via is a setting of controller-swap, not of controller-new-vms: drop it$/ },
  { name: "new-vms: the SE runbooks' --cloud", args: plan('controller-new-vms', '--cloud', 'Default-Cloud'), code: 2, says: /^--cloud is a setting of se-scale-out, se-relaunch, not of controller-new-vms: drop it$/ },
  // se-scale-out, se-relaunch
  { name: 'se-relaunch: --concurrency 99', args: plan('se-relaunch', '--concurrency', '99'), code: 2, says: /^--concurrency must be a whole number of SE groups from 1 to 32 \(got 99\)/ },
  { name: 'se-relaunch: --concurrency 1.5', args: plan('se-relaunch', '--concurrency', '1.5'), code: 2, says: /^--concurrency must be a whole number of SE groups from 1 to 32 \(got 1\.5\)/ },
  { name: "se-scale-out: new-vms's --terminate-old", args: plan('se-scale-out', '--terminate-old'), code: 2, says: /^--terminate-old is a setting of controller-new-vms, not of se-scale-out: drop it$/ },
  { name: 'se-scale-out: an empty --se-group', args: plan('se-scale-out', '--se-group', ''), code: 2, says: /^--se-group must name SE groups/ },
  {
    name: 'migrate beside an unfinished run of another strategy of the same cluster', code: 2,
    args: () => ['migrate', '--strategy', 'controller-swap', '--yes', ...S()],
    says: () => new RegExp(`^run ${waitingRun} for this target \\(se-scale-out: cloud Default-Cloud of Controller ${esc(lab.env['AVI_CONTROLLER']!)}\\) did not finish \\(it waits for an approval\\); finish it with avi-encrypt resume ${waitingRun}$`),
  },
  // resume, approve, status
  { name: 'resume with --state-dir a file', args: () => ['resume', '--yes', '--state-dir', f('a-file')], code: 2, says: /^--state-dir ".*a-file" is a file, not a directory/ },
  { name: 'approve without a run id', args: () => ['approve', ...S()], code: 2, says: /^Not enough non-option arguments: got 0, need at least 1/ },
  { name: 'approve an unknown run', args: () => ['approve', RUN_ID, ...S()], code: 2, says: () => new RegExp(`^no run ${RUN_ID} in ${esc(lab.stateDir)}; avi-encrypt status lists the runs$`) },
  { name: 'approve a malformed run id', args: () => ['approve', '../x', ...S()], code: 2, says: /^run id "\.\.\/x" is not a run name/ },
  { name: 'status of a malformed run id', args: () => ['status', '../etc', ...S()], code: 2, says: /^run id "\.\.\/etc" is not a run name/ },
  { name: 'status of an unknown run', args: () => ['status', RUN_ID, ...S()], code: 2, says: () => new RegExp(`^no run ${RUN_ID} in ${esc(lab.stateDir)}$`) },
  { name: 'status with --state-dir a file', args: () => ['status', '--state-dir', f('a-file')], code: 2, says: /is a file, not a directory/ },
  // describe
  { name: 'describe without a strategy', args: () => ['describe'], code: 2, says: /^Missing required argument: strategy/ },
  { name: 'describe an unknown strategy', args: () => ['describe', '--strategy', 'blue-green'], code: 2, says: /^unknown strategy "blue-green"/ },
  { name: 'describe in an unknown format', args: () => ['describe', '--strategy', 'se-relaunch', '--format', 'pdf'], code: 2, says: /^invalid value pdf for --format: choose one of text, mermaid, json$/ },
  // lab
  { name: 'lab up with 2 nodes', args: () => ['lab', 'up', '--nodes', '2', '--dir', f('lab2')], code: 2, says: /^invalid value 2 for --nodes: choose one of 1, 3$/ },
  { name: 'lab up with --time-scale 0', args: () => ['lab', 'up', '--time-scale', '0', '--dir', f('lab2')], code: 2, says: /^--time-scale must be > 0 and <= 10 \(got 0\)/ },
  { name: 'lab up with --page-size 0', args: () => ['lab', 'up', '--page-size', '0', '--dir', f('lab2')], code: 2, says: /^--page-size must be a whole number >= 1 \(got 0\)/ },
  { name: 'lab status where no lab runs', args: () => ['lab', 'status', '--dir', f('no-lab')], code: 2, says: /^no lab is running in .*no-lab: start one with "avi-encrypt lab up --dir / },
];

beforeAll(async () => {
  lab = await startTestLab(3);
  writeFileSync(f('bad.yaml'), 'not: [valid\n');
  writeFileSync(f('password.yaml'), 'password: hunter2\n');
  writeFileSync(f('unknown.yaml'), 'frobnicate: 1\n');
  writeFileSync(f('type.json'), '{"pollInterval": "soon"}');
  writeFileSync(f('a-file'), '');
  // An SE run waiting at its approval gate, which comes before any change: it holds the cluster.
  const waiting = await runCli(['migrate', '--strategy', 'se-scale-out', '--cloud', 'Default-Cloud', ...S()], lab.cliEnv);
  expect({ code: waiting.code, mutating: mutatingCount(lab) }).toEqual({ code: 7, mutating: 0 });
  waitingRun = /avi-encrypt approve (\S+)/.exec(waiting.stdout)![1]!;
}, 60_000);
afterAll(async () => lab?.stop());

describe('bad input: one line, its exit code, no mutating call', () => {
  it('has at least 30 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(30));

  it.each(CASES)('$name', async (c) => {
    const before = mutatingCount(lab);
    const r = await runCli(c.args(), envWith(lab, c.env?.() ?? {}));
    const shown = `exit ${String(r.code)}\n${r.stdout}\n${r.stderr}`;
    // The one line is on stderr; stdout stays empty, but for plan's preflight checklist, whose ✗ line says the same.
    const said = r.stderr.split('\n').filter((l) => l.trim() !== '');
    expect({ code: r.code, lines: said.length, shown }).toEqual({ code: c.code, lines: 1, shown });
    const message = said[0]!.replace(/^avi-encrypt: /, '');
    expect(message).toMatch(typeof c.says === 'function' ? c.says() : c.says);
    if (r.stdout.trim()) {
      expect({ command: c.args()[0], code: r.code }).toEqual({ command: 'plan', code: 3 });
      expect(r.stdout.split('\n').filter((l) => l.trim().startsWith('✗')).some((l) => l.includes(message))).toBe(true);
    }
    expect(mutatingCount(lab)).toBe(before);
  }, 30_000);
});
