// What the controller-new-vms end-to-end suites check, read from outside avi-encrypt: EC2 through
// a real SDK client, the cluster through our Avi client (only as an HTTPS reader), and the lab's
// timeline and request log.

import { expect } from '@jest/globals';
import { DescribeAddressesCommand, DescribeInstancesCommand, DescribeVolumesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { createAviClient } from '../../src/avi/client.js';
import type { TimelineEntry } from '../../src/lab/world/types.js';
import { launchInstances } from '../../src/lab/world/launch.js';
import { addImage, addSnapshot } from '../../src/lab/world/seed-images.js';
import { freeAddressCount } from '../../src/lab/world/subnet-addresses.js';
import { ec2For, type CliResult, type TestLab } from './lab-harness.js';

export const TAG_RUN = 'avi-encrypt:run-id';
export const TAG_ROLE = 'avi-encrypt:role';
export const TAG_NODE = 'avi-encrypt:node';
export const TAG_REPLACED_BY = 'avi-encrypt:replaced-by';

/** The env of a controller-new-vms run: the lab's, without an encrypted AMI (the default single-step launch). */
export function newVmsEnv(lab: TestLab, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...lab.cliEnv, ...extra };
  if (!('AVI_ENCRYPT_ENCRYPTED_AMI' in extra)) delete env['AVI_ENCRYPT_ENCRYPTED_AMI'];
  return env;
}

export const newVmsArgs = (lab: TestLab, ...more: string[]) => ['migrate', '--strategy', 'controller-new-vms', '--yes', '--state-dir', lab.stateDir, ...more];

export function expectCode(r: CliResult, code: number): void {
  if (r.code !== code) throw new Error(`exit ${String(r.code)} (${String(r.signal)}), expected ${code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
}

export const tagsOf = (x: { Tags?: Array<{ Key?: string; Value?: string }> }): Record<string, string> =>
  Object.fromEntries((x.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));

export async function allInstances(ec2: EC2Client): Promise<Instance[]> {
  return ((await ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? []);
}

/** The smallest number of Controller nodes really active at any moment of the lab's timeline. */
export const fewestActive = (t: TimelineEntry[]) => Math.min(...t.filter((e) => e.subject === 'active').map((e) => e.nodes!.length));

/**
 * The end state the runbook promises: one new VM per old node (by tags: no duplicate), running on a
 * root encrypted with the key, holding the old node's Elastic IPs; the old VMs `old` and tagged with
 * their replacement; the cluster READY on exactly the new IPs; two nodes active at every moment.
 */
export async function expectReplaced(lab: TestLab, oldState: 'stopped' | 'terminated'): Promise<Instance[]> {
  const ec2 = ec2For(lab);
  try {
    const all = await allInstances(ec2);
    const replacements = all.filter((i) => tagsOf(i)[TAG_ROLE] === 'controller-replacement' && i.State?.Name !== 'terminated');
    expect(replacements.map((i) => tagsOf(i)[TAG_NODE]).sort()).toEqual(lab.seed.nodes.map((n) => n.ip).sort());
    const volumes = (await ec2.send(new DescribeVolumesCommand({ VolumeIds: replacements.map((i) => i.BlockDeviceMappings![0]!.Ebs!.VolumeId!) }))).Volumes!;
    const addresses = (await ec2.send(new DescribeAddressesCommand({}))).Addresses!;
    for (const node of lab.seed.nodes) {
      const vm = replacements.find((i) => tagsOf(i)[TAG_NODE] === node.ip)!;
      const old = all.find((i) => i.InstanceId === node.instanceId)!;
      const root = volumes.find((v) => v.Attachments?.[0]?.InstanceId === vm.InstanceId)!;
      expect({ node: node.ip, state: vm.State?.Name, encrypted: root.Encrypted, key: root.KmsKeyId, subnet: vm.SubnetId, type: vm.InstanceType })
        .toEqual({ node: node.ip, state: 'running', encrypted: true, key: lab.seed.customerKeyArn, subnet: node.subnetId, type: 'm5.2xlarge' });
      expect(vm.SecurityGroups?.map((g) => g.GroupId)).toEqual([lab.seed.securityGroupId]);
      expect(vm.IamInstanceProfile?.Arn).toBe(lab.seed.instanceProfileArn);
      expect(tagsOf(vm)['Name']).toBe(tagsOf(old)['Name']);
      expect({ node: node.ip, old: old.State?.Name }).toEqual({ node: node.ip, old: oldState });
      if (old.State?.Name !== 'terminated') expect(tagsOf(old)[TAG_REPLACED_BY]).toBe(vm.InstanceId);
      const eip = lab.seed.elasticIps.find((e) => e.instanceId === node.instanceId)!;
      expect(addresses.find((a) => a.AllocationId === eip.allocationId)?.InstanceId).toBe(vm.InstanceId);
    }
    const avi = createAviClient({
      controller: lab.env['AVI_CONTROLLER']!, username: 'admin', password: lab.env['AVI_PASSWORD']!, tenant: 'admin', caBundle: lab.env['AVI_ENCRYPT_CA_BUNDLE']!,
    });
    expect((await avi.getCluster()).nodes.map((n) => n.ip.addr).sort()).toEqual(replacements.map((i) => i.PrivateIpAddress).sort());
    expect((await avi.getClusterRuntime()).cluster_state.state).toBe('CLUSTER_UP_HA_ACTIVE');
    expect(fewestActive(lab.timeline.list())).toBeGreaterThanOrEqual(2);
    // The run's in-flight marker is gone from every VM, the terminated ones included.
    expect(all.filter((i) => Object.keys(tagsOf(i)).some((k) => k.startsWith('avi-encrypt:in-flight:'))).map((i) => i.InstanceId)).toEqual([]);
    return replacements;
  } finally {
    ec2.destroy();
  }
}

/** Takes every free address of the subnet with small VMs that boot no Controller (they stay). */
export function fillSubnet(lab: TestLab, subnetId: string): void {
  const subnet = lab.world.subnet(subnetId);
  const snap = addSnapshot(lab.world, { volumeSize: 8, encrypted: false, content: 'data', tags: {} });
  const filler = addImage(lab.world, 'filler', snap, { tags: {} });
  const free = freeAddressCount(lab.world, subnet);
  launchInstances(lab.world, { imageId: filler.imageId, instanceType: 't3.micro', subnetId: subnet.subnetId }, free, free);
}
