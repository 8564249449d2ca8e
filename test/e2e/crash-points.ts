// The crash matrix's tools: kill the CLI (SIGKILL) right after the journal says a step started (the
// journal is fsynced before the step acts), or a few lab requests later inside a long wait; resume;
// and the census of what a run left in EC2, read through the lab's EC2 API, so that two runs of the
// same runbook (one crashed and resumed, one not) can be compared resource for resource.

import { expect } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeImagesCommand, DescribeInstancesCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, type EC2Client, type Filter,
} from '@aws-sdk/client-ec2';
import { TAG } from '../../src/aws/types.js';
import { ec2For, pollUntil, runCli, runDirs, spawnCli, waitForExit, type CliResult, type TestLab } from './lab-harness.js';

/** Where to kill: right after `step` starts (its nth start in this run), or `polls` lab requests later (inside its wait). */
export interface CrashPoint {
  step: string;
  kind: 'check' | 'action' | 'wait';
  /** Requests the lab must see after the step started before the kill: > 0 kills inside a long wait. */
  polls?: number;
}

interface JournalLine { event: string; step?: string; item?: string }

/** The journal of the state dir's only run; a last line cut short by a kill is skipped. */
export function journal(stateDir: string): JournalLine[] {
  const [dir] = runDirs(stateDir);
  const path = dir ? join(dir, 'journal.jsonl') : '';
  if (!path || !existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').flatMap((l) => {
    try {
      return l.trim() ? [JSON.parse(l) as JournalLine] : [];
    } catch {
      return [];
    }
  });
}

const starts = (stateDir: string, step: string) => journal(stateDir).filter((e) => e.event === 'step-started' && e.step === step).length;

/**
 * Runs `first` (a migrate), killing it at the first crash point, then `resume --yes` killed at each
 * next point, then a last `resume --yes` to the end. Returns the last result, the points hit, every output.
 */
export async function crashAndResume(lab: TestLab, first: string[], env: NodeJS.ProcessEnv, points: CrashPoint[]): Promise<{ final: CliResult; hit: string[]; outputs: CliResult[] }> {
  const hit: string[] = [];
  const outputs: CliResult[] = [];
  let args = first;
  for (const p of points) {
    const before = starts(lab.stateDir, p.step);
    const child = spawnCli(args, env);
    await pollUntil(() => child.exitCode !== null || starts(lab.stateDir, p.step) > before, `${p.step} started`, 90_000, 2);
    if (p.polls && child.exitCode === null) {
      const seen = lab.requests.list().length;
      await pollUntil(() => child.exitCode !== null || lab.requests.list().length >= seen + p.polls!, `${p.polls} requests inside ${p.step}`, 90_000, 2);
    }
    child.kill('SIGKILL');
    const r = await waitForExit(child);
    if (r.signal !== 'SIGKILL') throw new Error(`the run ended before the crash point ${p.step} (exit ${String(r.code)})\n${r.stdout}\n${r.stderr}`);
    outputs.push(r);
    hit.push(`${p.kind} ${p.step}${p.polls ? ' (inside)' : ''}`);
    args = ['resume', '--yes', '--state-dir', lab.stateDir];
  }
  const final = await runCli(args, env, { timeoutMs: 120_000 });
  return { final, hit, outputs: [...outputs, final] };
}

/** What a run left, by resource kind, without ids: duplicates show as repeated rows, orphans as extra or idle rows. */
export interface Census {
  /** Every instance not terminated: role (or Name), node, state, root encrypted, root key. */
  instances: string[];
  /** Resources tagged with the run id: role, node, state (volumes: attached or not), encrypted. */
  taggedVolumes: string[];
  taggedInstances: string[];
  taggedSnapshots: string[];
  taggedImages: string[];
}

const tagsOf = (x: { Tags?: Array<{ Key?: string; Value?: string }> }): Record<string, string> =>
  Object.fromEntries((x.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
/** Role and node tags; else the Name, SEs' random suffix dropped ("se"). */
function label(x: { Tags?: Array<{ Key?: string; Value?: string }> }): string {
  const t = tagsOf(x);
  const name = t['Name']?.startsWith('Avi-se-') ? 'se' : (t['Name'] ?? 'unnamed');
  return `${t[TAG.role] ?? name}:${t[TAG.node] ?? '-'}`;
}

export async function census(lab: TestLab, runId: string): Promise<Census> {
  const ec2: EC2Client = ec2For(lab);
  const mine: Filter[] = [{ Name: `tag:${TAG.runId}`, Values: [runId] }];
  const key = (k?: string) => (k === lab.seed.customerKeyArn ? 'customer-key' : k ? 'other-key' : 'no-key');
  try {
    const reservations = (await ec2.send(new DescribeInstancesCommand({}))).Reservations ?? [];
    const vols = (await ec2.send(new DescribeVolumesCommand({}))).Volumes ?? [];
    const rootOf = (id?: string) => vols.find((v) => v.VolumeId === id);
    const instances = reservations.flatMap((r) => r.Instances ?? []).filter((i) => i.State?.Name !== 'terminated').map((i) => {
      const root = rootOf(i.BlockDeviceMappings?.find((b) => b.DeviceName === i.RootDeviceName)?.Ebs?.VolumeId);
      return `${label(i)} ${i.State?.Name} encrypted=${String(root?.Encrypted)} ${key(root?.KmsKeyId)}`;
    });
    const tagged = {
      taggedVolumes: ((await ec2.send(new DescribeVolumesCommand({ Filters: mine }))).Volumes ?? []).map((v) => `${label(v)} ${v.State} encrypted=${String(v.Encrypted)} ${key(v.KmsKeyId)}`),
      taggedInstances: ((await ec2.send(new DescribeInstancesCommand({ Filters: mine }))).Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => `${label(i)} ${i.State?.Name}`),
      taggedSnapshots: ((await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: mine }))).Snapshots ?? []).map((s) => `${label(s)} ${s.State} encrypted=${String(s.Encrypted)} ${key(s.KmsKeyId)}`),
      taggedImages: ((await ec2.send(new DescribeImagesCommand({ Owners: ['self'], Filters: mine }))).Images ?? []).map((i) => `${label(i)} ${i.State}`),
    };
    const sorted = (xs: string[]) => [...xs].sort();
    return {
      instances: sorted(instances), taggedVolumes: sorted(tagged.taggedVolumes), taggedInstances: sorted(tagged.taggedInstances),
      taggedSnapshots: sorted(tagged.taggedSnapshots), taggedImages: sorted(tagged.taggedImages),
    };
  } finally {
    ec2.destroy();
  }
}

/** The run id of the state dir's only run. */
export function onlyRunId(stateDir: string): string {
  const dirs = runDirs(stateDir);
  expect(dirs).toHaveLength(1);
  return dirs[0]!.split('/').at(-1)!;
}

export function expectOk(r: CliResult): void {
  if (r.code !== 0) throw new Error(`exit ${String(r.code)} (${String(r.signal)})\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
}
