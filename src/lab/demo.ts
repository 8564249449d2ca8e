// `npm run demo`: rehearses controller-swap on a 3-node cluster in the lab, end to end, then
// shows through the EC2 API that each Controller's root volume is encrypted with the key.
// The migration runs in the real CLI, as a separate process, exactly as an SRE would run it.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeInstancesCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { TAG } from '../aws/types.js';
import { startLab, type RunningLab } from './server.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');
const nodes = process.env['DEMO_NODES'] === '1' ? 1 : 3;
const timeScale = Number(process.env['DEMO_TIME_SCALE'] ?? '0.01');

async function main(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'avi-encrypt-demo-'));
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const lab = await startLab({ nodes, timeScale, dir });
  try {
    say(`Lab up: ${nodes}-node Controller cluster at ${lab.profile.controller}, simulated EC2/KMS at ${lab.env['AWS_ENDPOINT_URL_EC2']}`);
    say(`Time scale ${timeScale}: a documented 5-minute cluster convergence takes ${Math.round(300 * timeScale)} s here.`);
    const before = await roots(lab);
    say('Before: every Controller root volume is unencrypted.');
    printRoots(before);
    say('Running: avi-encrypt migrate --strategy controller-swap --yes');
    const code = await run(lab, ['migrate', '--strategy', 'controller-swap', '--yes', '--state-dir', join(dir, 'state')]);
    if (code !== 0) {
      say(`avi-encrypt exited ${code}; the run folder is ${join(dir, 'state')}`);
      return code;
    }
    const after = await roots(lab);
    say('After, read back through the EC2 API:');
    printRoots(after);
    const key = lab.seed.customerKeyArn;
    const ok = after.every((r, i) => r.encrypted && r.kmsKeyId === key && r.instanceId === before[i]!.instanceId && r.device === before[i]!.device && r.deleteOnTermination === before[i]!.deleteOnTermination);
    say(ok ? `Verified: every root is encrypted with ${key}; instances, devices and DeleteOnTermination unchanged; old roots kept.` : 'Verification FAILED');
    return ok ? 0 : 1;
  } finally {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

interface Root {
  ip: string;
  instanceId: string;
  device: string;
  volumeId: string;
  encrypted: boolean;
  kmsKeyId?: string;
  deleteOnTermination: boolean;
  replaces?: string;
}

async function roots(lab: RunningLab): Promise<Root[]> {
  const ec2 = new EC2Client({
    region: lab.profile.region,
    endpoint: lab.env['AWS_ENDPOINT_URL_EC2']!,
    credentials: { accessKeyId: lab.env['AWS_ACCESS_KEY_ID']!, secretAccessKey: lab.env['AWS_SECRET_ACCESS_KEY']! },
  });
  const ids = lab.seed.nodes.map((n) => n.instanceId);
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
  const instances = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
  const result: Root[] = [];
  for (const node of lab.seed.nodes) {
    const i = instances.find((x) => x.InstanceId === node.instanceId)!;
    const bdm = (i.BlockDeviceMappings ?? []).find((b) => b.DeviceName === i.RootDeviceName)!;
    const v = (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [bdm.Ebs!.VolumeId!] }))).Volumes![0]!;
    const old = (await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: `tag:${TAG.replacedBy}`, Values: [v.VolumeId!] }] }))).Volumes?.[0];
    result.push({
      ip: node.ip, instanceId: node.instanceId, device: i.RootDeviceName!, volumeId: v.VolumeId!, encrypted: !!v.Encrypted,
      ...(v.KmsKeyId ? { kmsKeyId: v.KmsKeyId } : {}), deleteOnTermination: !!bdm.Ebs!.DeleteOnTermination,
      ...(old?.VolumeId ? { replaces: old.VolumeId } : {}),
    });
  }
  ec2.destroy();
  return result;
}

function printRoots(rows: Root[]): void {
  for (const r of rows) {
    const enc = r.encrypted ? `encrypted with ${r.kmsKeyId}` : 'UNENCRYPTED';
    const old = r.replaces ? `, replaced ${r.replaces} (kept)` : '';
    console.log(`    ${r.ip.padEnd(12)} ${r.instanceId} ${r.device} ${r.volumeId}  ${enc}  DeleteOnTermination=${r.deleteOnTermination}${old}`);
  }
}

function run(lab: RunningLab, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, ...lab.env, AVI_BACKUP_PASSPHRASE: 'demo-backup-passphrase' },
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

function say(line: string): void {
  console.log(`\n== ${line}`);
}

process.exitCode = await main();
