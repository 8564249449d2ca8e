// End to end: the real CLI (dist/, as a subprocess) against the in-process lab. Final state is
// read back through the EC2 API with a real SDK client and through the lab's timeline/request log,
// never through avi-encrypt's own code paths.
//
// Build first: npx tsc -p tsconfig.json && node --experimental-vm-modules node_modules/jest/bin/jest.js test/e2e/migrate

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand, DescribeVolumesCommand, type EC2Client, type Volume } from '@aws-sdk/client-ec2';
import { createAviClient } from '../../src/avi/client.js';
import type { AviGateway } from '../../src/avi/types.js';
import { TAG } from '../../src/aws/types.js';
import { EXIT } from '../../src/engine/exit-codes.js';
import type { Plan } from '../../src/engine/plan/types.js';
import type { TimelineEntry } from '../../src/lab/world/types.js';
import type { ControllerNode } from '../../src/steps/controller/context.js';
import {
  TEST_PASSPHRASE, ec2For, migrateArgs, mutatingCount, pollUntil, runCli, runDirs, spawnCli, startTestLab, waitForExit,
  type CliResult, type TestLab,
} from './lab-harness.js';

const LONG = 120_000;
const ENCRYPTED_ROLE = 'encrypted-root';

// ---------------------------------------------------------------------------------------------
// Helpers reading the world from outside avi-encrypt

interface RootView {
  instanceId: string;
  state: string;
  rootDevice: string;
  rootVolumeId: string;
  deleteOnTermination: boolean;
  /** device -> volume id, every EBS mapping */
  devices: Record<string, string>;
}

async function describeRoots(ec2: EC2Client, instanceIds: string[]): Promise<Map<string, RootView>> {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: instanceIds }));
  const views = new Map<string, RootView>();
  for (const inst of (out.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
    const rootDevice = inst.RootDeviceName!;
    const mappings = inst.BlockDeviceMappings ?? [];
    const root = mappings.find((m) => m.DeviceName === rootDevice);
    views.set(inst.InstanceId!, {
      instanceId: inst.InstanceId!,
      state: inst.State?.Name ?? 'unknown',
      rootDevice,
      rootVolumeId: root?.Ebs?.VolumeId ?? '(none)',
      deleteOnTermination: root?.Ebs?.DeleteOnTermination ?? (undefined as unknown as boolean),
      devices: Object.fromEntries(mappings.map((m) => [m.DeviceName!, m.Ebs?.VolumeId ?? ''])),
    });
  }
  expect([...views.keys()].sort()).toEqual([...instanceIds].sort());
  return views;
}

async function allVolumes(ec2: EC2Client): Promise<Volume[]> {
  return (await ec2.send(new DescribeVolumesCommand({}))).Volumes ?? [];
}

const tagsOf = (v: Volume): Record<string, string> => Object.fromEntries((v.Tags ?? []).map((t) => [t.Key!, t.Value!]));

function expectExit(r: CliResult, code: number): void {
  if (r.code !== code) {
    throw new Error(`expected exit ${code}, got ${r.code} (signal ${r.signal})\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
}

interface JournalLine {
  at: string;
  runId: string;
  event: string;
  step?: string;
  item?: string;
}

function readJournal(runDir: string): JournalLine[] {
  return readFileSync(join(runDir, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as JournalLine);
}

/** The one run folder; fails if there is not exactly one. */
function onlyRunDir(lab: TestLab): string {
  const dirs = runDirs(lab.stateDir);
  expect(dirs).toHaveLength(1);
  return dirs[0]!;
}

/** Replays the timeline: the largest number of Controller nodes not CLUSTER_ACTIVE at the same time. */
function maxNodesDownAtOnce(timeline: TimelineEntry[], ips: string[]): number {
  const state = new Map<string, string>();
  let max = 0;
  for (const e of timeline) {
    if (!ips.includes(e.subject)) continue;
    state.set(e.subject, e.state);
    max = Math.max(max, ips.filter((ip) => (state.get(ip) ?? 'CLUSTER_ACTIVE') !== 'CLUSTER_ACTIVE').length);
  }
  return max;
}

/** IPs in the order their instance was first powered off, from the lab's timeline. */
function stopOrder(timeline: TimelineEntry[], ips: string[]): string[] {
  const order: string[] = [];
  for (const e of timeline) {
    if (ips.includes(e.subject) && e.state === 'CLUSTER_INACTIVE' && /^instance (stopping|stopped)/.test(e.detail ?? '') && !order.includes(e.subject)) {
      order.push(e.subject);
    }
  }
  return order;
}

const currentLeader = (lab: TestLab): string => {
  const leader = lab.timeline.list().filter((e) => e.subject === 'leader').at(-1)?.state;
  expect(leader).toBeDefined();
  return leader!;
};

const opCount = (lab: TestLab, operation: string): number =>
  lab.requests.list().filter((r) => r.operation === operation && r.status < 400).length;

function aviClientFor(lab: TestLab): AviGateway {
  return createAviClient({
    controller: lab.env['AVI_CONTROLLER']!,
    username: lab.env['AVI_USERNAME']!,
    password: lab.env['AVI_PASSWORD']!,
    tenant: 'admin',
    caBundle: lab.env['AVI_ENCRYPT_CA_BUNDLE']!,
    retryDeadlineMs: 10_000,
  });
}

/** Every file in the run folder, recursively, as text. */
function filesUnder(dir: string): Array<{ path: string; text: string }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [{ path: p, text: readFileSync(p, 'utf8') }];
  });
}

/** Shared post-conditions of a successful migrate, for 1 and 3 nodes. */
async function verifyMigrated(lab: TestLab, ec2: EC2Client, before: Map<string, RootView>, volumesBefore: Volume[], result: CliResult) {
  const ids = lab.seed.nodes.map((n) => n.instanceId);
  const after = await describeRoots(ec2, ids);
  const volumes = new Map((await allVolumes(ec2)).map((v) => [v.VolumeId!, v]));
  const existedBefore = new Set(volumesBefore.map((v) => v.VolumeId!));
  const runDir = onlyRunDir(lab);
  const runId = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).runId as string;

  for (const node of lab.seed.nodes) {
    const b = before.get(node.instanceId)!;
    const a = after.get(node.instanceId)!;
    // Same instance (looked up by its id), same root device, running again.
    expect(a.instanceId).toBe(node.instanceId);
    expect(a.state).toBe('running');
    expect(a.rootDevice).toBe(b.rootDevice);
    // A NEW volume at the root device, encrypted with the customer key.
    expect(a.rootVolumeId).not.toBe(b.rootVolumeId);
    expect(existedBefore.has(a.rootVolumeId)).toBe(false);
    const fresh = volumes.get(a.rootVolumeId);
    expect(fresh).toBeDefined();
    expect(fresh!.Encrypted).toBe(true);
    expect(fresh!.KmsKeyId).toBe(lab.seed.customerKeyArn);
    expect(fresh!.State).toBe('in-use');
    expect(fresh!.AvailabilityZone).toBe(node.az);
    expect(fresh!.SnapshotId).toBe(lab.seed.encryptedSnapshotId);
    expect(tagsOf(fresh!)).toMatchObject({ [TAG.role]: ENCRYPTED_ROLE, [TAG.node]: node.ip, [TAG.runId]: runId });
    // DeleteOnTermination carried over from the old root, whatever it was.
    expect({ node: node.ip, dot: a.deleteOnTermination }).toEqual({ node: node.ip, dot: b.deleteOnTermination });
    // The old root is kept, detached, and says what replaced it.
    const old = volumes.get(b.rootVolumeId);
    expect(old).toBeDefined();
    expect(old!.State).toBe('available');
    expect(old!.Attachments ?? []).toHaveLength(0);
    expect(tagsOf(old!)[TAG.replacedBy]).toBe(a.rootVolumeId);
    // Other disks are untouched (node 1 has a data disk at /dev/sdb).
    for (const [device, volumeId] of Object.entries(b.devices)) {
      if (device !== b.rootDevice) expect(a.devices[device]).toBe(volumeId);
    }
    expect(Object.keys(a.devices).sort()).toEqual(Object.keys(b.devices).sort());
    // The Controller node really booted from the new encrypted volume (the lab saw it).
    const boots = lab.timeline.list().filter((e) => e.subject === node.ip && e.state === 'CLUSTER_WARM_REBOOT');
    expect(boots.map((e) => e.detail)).toEqual([expect.stringContaining(`booting from ${a.rootVolumeId}`)]);
    expect(boots[0]!.detail).toContain('encrypted');
  }

  // Exactly one encrypted volume created per node: by tag, and by the requests EC2 received.
  const created = [...volumes.values()].filter((v) => tagsOf(v)[TAG.role] === ENCRYPTED_ROLE);
  expect(created).toHaveLength(lab.seed.nodes.length);
  expect(created.map((v) => tagsOf(v)[TAG.node]).sort()).toEqual(lab.seed.nodes.map((n) => n.ip).sort());
  expect(opCount(lab, 'CreateVolume')).toBe(lab.seed.nodes.length);
  expect(volumes.size).toBe(volumesBefore.length + lab.seed.nodes.length);

  // Run folder: run.json done, journal with matching step-started/step-finished entries.
  const meta = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { status: string; runId: string };
  expect(meta.status).toBe('done');
  const journal = readJournal(runDir);
  expect(journal[0]?.event).toBe('run-started');
  expect(journal.at(-1)?.event).toBe('run-finished');
  expect(journal.filter((e) => /failed|interrupted/.test(e.event))).toEqual([]);
  const started = journal.filter((e) => e.event === 'step-started');
  const finished = journal.filter((e) => e.event === 'step-finished');
  expect(started.length).toBeGreaterThan(0);
  expect(finished.map((e) => `${e.step}@${e.item ?? ''}`)).toEqual(started.map((e) => `${e.step}@${e.item ?? ''}`));
  for (const step of ['check-key', 'check-encrypted-ami', 'discover-nodes', 'create-volumes', 'verify']) {
    expect(finished.filter((e) => e.step === step)).toHaveLength(1);
  }
  const perNode = ['stop-node', 'node-stopped', 'detach-old-root', 'old-root-detached', 'attach-new-root', 'new-root-attached',
    'keep-delete-on-termination', 'start-node', 'cluster-ready', 'tag-old-root'];
  for (const node of lab.seed.nodes) {
    for (const step of perNode) expect(finished.filter((e) => e.step === step && e.item === node.ip)).toHaveLength(1);
  }

  // No secret on disk (nor on the terminal).
  const password = lab.env['AVI_PASSWORD']!;
  expect(password.length).toBeGreaterThan(8);
  for (const name of ['run.json', 'snapshot.json', 'journal.jsonl', 'log.jsonl']) {
    const text = readFileSync(join(runDir, name), 'utf8');
    expect(text.length).toBeGreaterThan(0);
    expect({ file: name, hasPassword: text.includes(password) }).toEqual({ file: name, hasPassword: false });
    expect({ file: name, hasPassphrase: text.includes(TEST_PASSPHRASE) }).toEqual({ file: name, hasPassphrase: false });
  }
  for (const f of filesUnder(runDir)) {
    expect({ file: f.path, leaks: f.text.includes(password) || f.text.includes(TEST_PASSPHRASE) }).toEqual({ file: f.path, leaks: false });
  }
  for (const text of [result.stdout, result.stderr]) {
    expect(text.includes(password) || text.includes(TEST_PASSPHRASE)).toBe(false);
  }
  return { after, runDir, runId, journal };
}

// ---------------------------------------------------------------------------------------------

describe('migrate --strategy controller-swap, 3-node cluster', () => {
  let lab: TestLab;
  let ec2: EC2Client;
  let before: Map<string, RootView>;
  let volumesBefore: Volume[];
  let leaderBefore: string;
  let result: CliResult;

  beforeAll(async () => {
    lab = await startTestLab(3);
    ec2 = ec2For(lab);
    before = await describeRoots(ec2, lab.seed.nodes.map((n) => n.instanceId));
    volumesBefore = await allVolumes(ec2);
    leaderBefore = currentLeader(lab);
    result = await runCli(migrateArgs(lab), lab.cliEnv, { timeoutMs: 100_000 });
  }, LONG);
  afterAll(async () => {
    ec2?.destroy();
    await lab?.stop();
  });

  it('seeds what the test relies on (node 2 keeps its root on termination)', () => {
    const dots = lab.seed.nodes.map((n) => before.get(n.instanceId)!.deleteOnTermination);
    expect(dots).toEqual([true, false, true]);
    expect(lab.seed.nodes.map((n) => n.ip)).toContain(leaderBefore);
  });

  it('exits 0 and leaves every node on a new KMS-encrypted root, old roots kept and tagged', async () => {
    expectExit(result, EXIT.ok);
    await verifyMigrated(lab, ec2, before, volumesBefore, result);
  }, LONG);

  it('ends with the cluster CLUSTER_UP_HA_ACTIVE and every node active', () => {
    const timeline = lab.timeline.list();
    expect(timeline.filter((e) => e.subject === 'cluster').at(-1)?.state).toBe('CLUSTER_UP_HA_ACTIVE');
    for (const n of lab.seed.nodes) expect(timeline.filter((e) => e.subject === n.ip).at(-1)?.state).toBe('CLUSTER_ACTIVE');
  });

  it('stops followers first and the leader last, one node down at a time', () => {
    const ips = lab.seed.nodes.map((n) => n.ip);
    const timeline = lab.timeline.list();
    const order = stopOrder(timeline, ips);
    expect(order).toHaveLength(3);
    expect(order[2]).toBe(leaderBefore);
    expect(new Set(order).size).toBe(3);
    // Never two nodes out at once: the next node is stopped only after the cluster is READY again.
    expect(maxNodesDownAtOnce(timeline, ips)).toBe(1);
    // The EC2 side agrees: three StopInstances, and the journal's stop-node order is the same.
    expect(opCount(lab, 'StopInstances')).toBe(3);
    expect(opCount(lab, 'StartInstances')).toBe(3);
    const journal = readJournal(onlyRunDir(lab));
    expect(journal.filter((e) => e.event === 'step-started' && e.step === 'stop-node').map((e) => e.item)).toEqual(order);
  });
});

describe('migrate --strategy controller-swap, 1-node cluster', () => {
  let lab: TestLab;
  let ec2: EC2Client;
  let before: Map<string, RootView>;
  let volumesBefore: Volume[];
  let uuidBefore: string;
  let cloudsBefore: unknown;
  let result: CliResult;

  beforeAll(async () => {
    lab = await startTestLab(1);
    ec2 = ec2For(lab);
    before = await describeRoots(ec2, lab.seed.nodes.map((n) => n.instanceId));
    volumesBefore = await allVolumes(ec2);
    const avi = aviClientFor(lab);
    uuidBefore = (await avi.getCluster()).uuid;
    cloudsBefore = (await avi.listClouds()).map((c) => ({ uuid: c.uuid, name: c.name }));
    result = await runCli(migrateArgs(lab), lab.cliEnv, { timeoutMs: 100_000 });
  }, LONG);
  afterAll(async () => {
    ec2?.destroy();
    await lab?.stop();
  });

  it('exits 0 and leaves the node on a new KMS-encrypted root, old root kept and tagged', async () => {
    expectExit(result, EXIT.ok);
    expect(before.get(lab.seed.nodes[0]!.instanceId)!.deleteOnTermination).toBe(true);
    const { journal } = await verifyMigrated(lab, ec2, before, volumesBefore, result);
    for (const step of ['export-config', 'controller-up', 'restore-config']) {
      expect(journal.filter((e) => e.event === 'step-finished' && e.step === step)).toHaveLength(1);
    }
    // The backup is taken before anything is created or stopped.
    const firstOf = (step: string) => journal.findIndex((e) => e.event === 'step-started' && e.step === step);
    expect(firstOf('export-config')).toBeGreaterThanOrEqual(0);
    expect(firstOf('export-config')).toBeLessThan(firstOf('create-volumes'));
    expect(firstOf('export-config')).toBeLessThan(firstOf('stop-node'));
  }, LONG);

  it('keeps the configuration backup in the run folder, mode 0600, holding this cluster', () => {
    const runDir = onlyRunDir(lab);
    const backups = readdirSync(join(runDir, 'backups'));
    expect(backups).toHaveLength(1);
    const file = join(runDir, 'backups', backups[0]!);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { META?: { full_system?: boolean }; Cluster?: Array<{ uuid: string }> };
    expect(doc.META?.full_system).toBe(true);
    expect(doc.Cluster?.[0]?.uuid).toBe(uuidBefore);
  });

  it('restores the configuration: same cluster uuid and clouds as before, cluster UP_NO_HA', async () => {
    // The node really came up factory-fresh (so the restore was needed) ...
    const ip = lab.seed.nodes[0]!.ip;
    const timeline = lab.timeline.list();
    expect(timeline.some((e) => e.subject === ip && /factory-fresh/.test(e.detail ?? ''))).toBe(true);
    // ... and now serves the configuration it had.
    const avi = aviClientFor(lab);
    expect((await avi.getCluster()).uuid).toBe(uuidBefore);
    expect((await avi.listClouds()).map((c) => ({ uuid: c.uuid, name: c.name }))).toEqual(cloudsBefore);
    expect(timeline.filter((e) => e.subject === 'cluster').at(-1)?.state).toBe('CLUSTER_UP_NO_HA');
    // The restore completed and persisted onto the new encrypted root.
    const root = before.get(lab.seed.nodes[0]!.instanceId)!;
    const now = lab.world.rootVolume(root.instanceId);
    expect(now?.volumeId).not.toBe(root.rootVolumeId);
    expect(now?.encrypted).toBe(true);
    expect(now?.content).toBe('configured');
  }, LONG);
});

describe('plan and migrate --dry-run change nothing', () => {
  let lab: TestLab;
  let ec2: EC2Client;
  let before: Map<string, RootView>;
  let volumesBefore: Volume[];
  let leader: string;
  const results: Record<string, CliResult> = {};
  const mutatingDuring: Record<string, number> = {};

  beforeAll(async () => {
    lab = await startTestLab(3);
    ec2 = ec2For(lab);
    before = await describeRoots(ec2, lab.seed.nodes.map((n) => n.instanceId));
    volumesBefore = await allVolumes(ec2);
    leader = currentLeader(lab);
    const common = ['--strategy', 'controller-swap', '--state-dir', lab.stateDir];
    const runs: Record<string, string[]> = {
      'plan': ['plan', ...common],
      'plan --json': ['plan', ...common, '--json'],
      'migrate --dry-run': ['migrate', '--dry-run', ...common],
      'migrate --dry-run --json': ['migrate', '--dry-run', ...common, '--json'],
    };
    for (const [name, args] of Object.entries(runs)) {
      const m0 = mutatingCount(lab);
      const reqs0 = lab.requests.list().length;
      results[name] = await runCli(args, lab.cliEnv, { timeoutMs: 60_000 });
      mutatingDuring[name] = mutatingCount(lab) - m0;
      // Guard against a vacuous "zero": the command did talk to the lab.
      expect(lab.requests.list().length).toBeGreaterThan(reqs0);
    }
  }, LONG);
  afterAll(async () => {
    ec2?.destroy();
    await lab?.stop();
  });

  it.each(['plan', 'plan --json', 'migrate --dry-run', 'migrate --dry-run --json'])('%s exits 0 with zero mutating calls', (name) => {
    expectExit(results[name]!, EXIT.ok);
    expect(mutatingDuring[name]).toBe(0);
  });

  it('no mutating request ever reached the lab, and EC2 is exactly as before', async () => {
    expect(lab.requests.list().filter((r) => r.mutating)).toEqual([]);
    // Reads, and the preflight's DryRun requests (which change nothing, whatever they answer).
    const ec2Ops = new Set(lab.requests.list().filter((r) => r.service !== 'avi' && !r.dryRun).map((r) => r.operation));
    for (const op of ec2Ops) expect(op).toMatch(/^(Describe|List|Get)/);
    expect(lab.requests.list().filter((r) => r.dryRun).map((r) => r.operation)).toEqual(expect.arrayContaining(['StopInstances', 'CreateVolume', 'CreateGrant']));
    const after = await describeRoots(ec2, lab.seed.nodes.map((n) => n.instanceId));
    expect(after).toEqual(before);
    const volumesAfter = await allVolumes(ec2);
    expect(volumesAfter.map((v) => v.VolumeId).sort()).toEqual(volumesBefore.map((v) => v.VolumeId).sort());
    expect(volumesAfter.filter((v) => tagsOf(v)[TAG.role] !== undefined)).toEqual([]);
    // Still the healthy cluster it was; no run folder, no lock.
    expect(lab.timeline.list().filter((e) => e.subject === 'cluster').map((e) => e.state)).toEqual(['CLUSTER_UP_HA_ACTIVE']);
    expect(runDirs(lab.stateDir)).toEqual([]);
    expect(existsSync(join(lab.stateDir, 'locks')) ? readdirSync(join(lab.stateDir, 'locks')) : []).toEqual([]);
  });

  it('the JSON plan: version 2, followers first then the leader, the gate before any stop, every change with the right ids', () => {
    const plan = JSON.parse(results['plan --json']!.stdout) as Plan;
    // plan --json and migrate --dry-run --json describe the same thing.
    expect(JSON.parse(results['migrate --dry-run --json']!.stdout)).toEqual(plan);

    expect(plan.version).toBe(2);
    expect(plan.strategy).toBe('controller-swap');
    expect(plan.fingerprint).toMatch(/^[0-9a-f]{12}$/);
    const nodes = plan.targets.map((t) => t.detail as ControllerNode);
    expect(nodes).toHaveLength(3);
    expect(nodes.map((n) => n.role)).toEqual(['follower', 'follower', 'leader']);
    expect(nodes[2]!.ip).toBe(leader);
    expect(nodes.map((n) => n.ip).sort()).toEqual(lab.seed.nodes.map((n) => n.ip).sort());
    // The approval gate comes after the volumes exist and before the first node goes down.
    const gateStep = plan.steps.find((s) => s.kind === 'gate')!;
    expect(plan.gates.map((g) => g.gate)).toEqual(['nodes-go-down']);
    expect(gateStep.impact).toContain(`${nodes.map((n) => n.ip).join(', ')} go down one at a time`);
    expect(plan.rollback).toEqual([{ block: 'nodes', steps: expect.arrayContaining(['Attach the original root at the same device']) }]);

    const seedByIp = new Map(lab.seed.nodes.map((n) => [n.ip, n]));
    for (const pn of nodes) {
      const seeded = seedByIp.get(pn.ip)!;
      const b = before.get(seeded.instanceId)!;
      expect(pn).toMatchObject({
        instanceId: seeded.instanceId, availabilityZone: seeded.az, rootDevice: b.rootDevice, oldVolumeId: b.rootVolumeId,
        deleteOnTermination: b.deleteOnTermination,
      });
      expect(pn.alreadyEncrypted).toBeFalsy();
    }

    const calls = plan.steps.flatMap((s) => s.calls.map((c) => ({ ...c, step: s.id, node: s.item })));
    // One CreateVolume per node, from the encrypted AMI's snapshot, in the node's AZ, with the key.
    const creates = calls.filter((c) => c.operation === 'CreateVolume');
    expect(creates).toHaveLength(3);
    const plannedVolume = new Map<string, string>();
    for (const c of creates) {
      expect(c.step).toBe('create-volumes');
      const d = c.detail as { snapshotId: string; availabilityZone: string; kmsKeyId: string; tags: Record<string, string> };
      const ip = d.tags[TAG.node]!;
      expect(seedByIp.has(ip)).toBe(true);
      expect(d).toMatchObject({ snapshotId: lab.seed.encryptedSnapshotId, availabilityZone: seedByIp.get(ip)!.az, kmsKeyId: lab.seed.customerKeyArn });
      plannedVolume.set(ip, c.target);
    }
    expect(plannedVolume.size).toBe(3);
    expect(new Set(plannedVolume.values()).size).toBe(3);

    // Per node: which node each step is for, in the targets' order (the leader's block last).
    const blockOrder = [...new Set(plan.steps.filter((s) => s.item).map((s) => s.item))];
    expect(blockOrder).toEqual(nodes.map((n) => n.ip));
    const createStep = plan.steps.find((s) => s.id === 'create-volumes')!;
    const firstStop = plan.steps.find((s) => s.id === 'stop-node')!;
    expect(createStep.n).toBeLessThan(gateStep.n);
    expect(gateStep.n).toBeLessThan(firstStop.n);

    for (const pn of nodes) {
      const mine = plan.steps.filter((s) => s.item === pn.ip);
      // The node is taken down by exactly one step: its stop.
      const downs = plan.steps.filter((s) => s.takesDown === pn.ip);
      expect(downs.map((s) => ({ id: s.id, node: s.item }))).toEqual([{ id: 'stop-node', node: pn.ip }]);
      const callsOf = (id: string) => mine.filter((s) => s.id === id).flatMap((s) => s.calls);
      const newVol = plannedVolume.get(pn.ip)!;
      expect(callsOf('stop-node')).toEqual([{ service: 'ec2', operation: 'StopInstances', target: pn.instanceId }]);
      expect(callsOf('detach-old-root')).toEqual([
        { service: 'ec2', operation: 'DetachVolume', target: pn.oldVolumeId, detail: { instanceId: pn.instanceId, device: pn.rootDevice } },
      ]);
      expect(callsOf('attach-new-root')).toEqual([
        { service: 'ec2', operation: 'AttachVolume', target: newVol, detail: { instanceId: pn.instanceId, device: pn.rootDevice } },
      ]);
      expect(callsOf('start-node')).toEqual([{ service: 'ec2', operation: 'StartInstances', target: pn.instanceId }]);
      // AttachVolume leaves DeleteOnTermination false: only nodes that had true need it set back.
      const dot = callsOf('keep-delete-on-termination');
      expect(dot).toEqual(pn.deleteOnTermination
        ? [{ service: 'ec2', operation: 'ModifyInstanceAttribute', target: pn.instanceId, detail: { device: pn.rootDevice, deleteOnTermination: true } }]
        : []);
      const tag = callsOf('tag-old-root');
      expect(tag).toHaveLength(1);
      expect(tag[0]).toMatchObject({ operation: 'CreateTags', target: pn.oldVolumeId, detail: { tags: { [TAG.replacedBy]: newVol } } });
      // Order inside the block: stop, detach, attach, start.
      const at = (id: string) => mine.find((s) => s.id === id)!.n;
      expect(at('stop-node')).toBeLessThan(at('detach-old-root'));
      expect(at('detach-old-root')).toBeLessThan(at('attach-new-root'));
      expect(at('attach-new-root')).toBeLessThan(at('start-node'));
    }
    // No call anywhere touches something else (say, node 1's data disk at /dev/sdb).
    const dataDisk = before.get(lab.seed.nodes[0]!.instanceId)!.devices['/dev/sdb']!;
    expect(dataDisk).toBeDefined();
    expect(calls.filter((c) => c.target.includes(dataDisk))).toEqual([]);
    expect(calls.filter((c) => ['DeleteVolume', 'TerminateInstances'].includes(c.operation))).toEqual([]);
  });

  it('the text plan and the text dry run show every node going down, the leader last, and change nothing', () => {
    for (const name of ['plan', 'migrate --dry-run']) {
      const out = results[name]!.stdout;
      expect(out).toContain('Nothing was changed.');
      for (const n of lab.seed.nodes) expect(out).toContain(n.instanceId);
      const downs = [...out.matchAll(/takes (\S+) DOWN/g)].map((m) => m[1]);
      expect(downs).toHaveLength(3);
      expect(downs[2]).toBe(leader);
      expect(out).toContain(lab.seed.encryptedSnapshotId);
    }
    expect(results['migrate --dry-run']!.stdout).toBe(results['plan']!.stdout);
  });
});

describe('lock: one run per Controller cluster', () => {
  let lab: TestLab;

  beforeAll(async () => {
    lab = await startTestLab(3);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('a second migrate while the first runs exits 4 naming the holder, changes nothing; the first finishes', async () => {
    const spawnedAt = Date.now();
    const first = spawnCli(migrateArgs(lab), lab.cliEnv);
    try {
      // The first run holds the lock once its journal shows a step started.
      const runDir = await pollUntil(() => {
        const dir = runDirs(lab.stateDir)[0];
        if (!dir || !existsSync(join(dir, 'journal.jsonl'))) return undefined;
        return readFileSync(join(dir, 'journal.jsonl'), 'utf8').includes('"step-started"') ? dir : undefined;
      }, 'the first run to start a step', 30_000);
      const firstRunId = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).runId as string;
      const lockFiles = readdirSync(join(lab.stateDir, 'locks')).filter((f) => f.endsWith('.lock'));
      expect(lockFiles).toHaveLength(1);
      const holder = JSON.parse(readFileSync(join(lab.stateDir, 'locks', lockFiles[0]!), 'utf8')) as { pid: number; host: string; startedAt: string; runId: string };
      expect(holder).toMatchObject({ pid: first.pid, host: hostname(), runId: firstRunId });
      expect(Date.parse(holder.startedAt)).toBeGreaterThanOrEqual(spawnedAt - 1000);

      const second = await runCli(migrateArgs(lab), lab.cliEnv, { timeoutMs: 30_000 });
      // The test means something only if the first run was still going meanwhile.
      expect(first.exitCode).toBeNull();
      expect(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).status).toBe('running');

      expectExit(second, EXIT.locked);
      const lines = second.stderr.split('\n').filter((l) => l.trim() !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`pid ${first.pid}`);
      expect(lines[0]).toContain(hostname());
      expect(lines[0]).toContain(holder.startedAt);
      expect(lines[0]).toContain(firstRunId);
      expect(second.stdout).not.toMatch(/starting run/);
      // It created no run of its own.
      expect(runDirs(lab.stateDir)).toEqual([runDir]);

      const done = await waitForExit(first, 100_000);
      expectExit(done, EXIT.ok);
      // Everything EC2 saw is the first run's: one volume and one stop/detach/attach/start per node.
      for (const op of ['CreateVolume', 'StopInstances', 'DetachVolume', 'AttachVolume', 'StartInstances']) {
        expect({ op, n: opCount(lab, op) }).toEqual({ op, n: 3 });
      }
      const ec2 = ec2For(lab);
      try {
        const created = (await allVolumes(ec2)).filter((v) => tagsOf(v)[TAG.role] === ENCRYPTED_ROLE);
        expect(created).toHaveLength(3);
        expect(created.map((v) => tagsOf(v)[TAG.runId])).toEqual([firstRunId, firstRunId, firstRunId]);
      } finally {
        ec2.destroy();
      }
      expect(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).status).toBe('done');
      // The lock is released at the end.
      expect(readdirSync(join(lab.stateDir, 'locks')).filter((f) => f.endsWith('.lock'))).toEqual([]);
    } finally {
      if (first.exitCode === null) first.kill('SIGKILL');
    }
  }, LONG);
});
