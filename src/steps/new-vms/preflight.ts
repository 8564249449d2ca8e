// Reads only, before anything changes: the AMI the new VMs launch from, the instance types (EBS
// encryption support) and the subnets (free private addresses). The new nodes' initial admin
// password is asked for here, so a prompt never interrupts the run half-way.

import { PreflightError } from '../errors.js';
import type { StepDeps } from '../deps.js';
import { check } from '../effect.js';
import type { Reads } from '../gateways.js';
import { mentionsPlannedId } from '../plan-recorder.js';
import { encryptedRootSnapshot } from '../controller/preflight.js';
import { requireValue, type NewVmNode, type NewVmsData } from './context.js';

export function checkLaunch(deps: Pick<StepDeps, 'reads' | 'nodePassword'>) {
  return check<NewVmsData, NewVmsData>(async ({ data }) => {
    const imageId = requireValue(data.launchImageId, 'launchImageId');
    const image = await launchImage(deps.reads, data, imageId);
    for (const problem of [await instanceTypeProblem(deps.reads, data.nodes), await subnetProblem(deps.reads, data.nodes)]) {
      if (problem) throw new PreflightError(problem);
    }
    await deps.nodePassword();
    return image;
  });
}

/** The AMI the new VMs launch from, refused unless it is fit (the preflight checklist asks here too). */
export async function launchImage(reads: Reads, data: NewVmsData, imageId: string): Promise<Partial<NewVmsData>> {
  const keyArn = requireValue(data.keyArn, 'keyArn');
  if (data.encryptedAmi) {
    const snap = await encryptedRootSnapshot(reads, imageId, keyArn);
    const image = await reads.ec2.describeImage(imageId);
    return { launchRootDevice: image.rootDeviceName, launchSnapshotSize: snap.volumeSize };
  }
  // The nodes' own AMI, encrypted at launch: its snapshot (a Marketplace one may not be describable)
  // is no larger than the nodes' roots, which were restored from it.
  const image = await reads.ec2.describeImage(imageId).catch((e: { code?: string }) => {
    if (e.code?.startsWith('InvalidAMIID')) {
      throw new PreflightError(`AMI ${imageId} the Controller nodes run from is gone from this region; pass --encrypted-ami (an encrypted copy of the Controller AMI)`);
    }
    throw e;
  });
  if (image.state !== 'available') throw new PreflightError(`AMI ${imageId} the Controller nodes run from is ${image.state}; pass --encrypted-ami`);
  return { launchRootDevice: image.rootDeviceName };
}

type LaunchNode = Pick<NewVmNode, 'ip' | 'instanceType' | 'subnetId' | 'newInstanceId'>;

/** The node's new VM is launched already (a plan's made-up id is not a VM: a saved plan's data has them). */
export const launched = (n: Pick<NewVmNode, 'newInstanceId'>): boolean => !!n.newInstanceId && !mentionsPlannedId([n.newInstanceId]);

/** An instance type without EBS encryption refuses an encrypted root (EncryptedVolumesNotSupported); undefined when all support it. */
export async function instanceTypeProblem(reads: Reads, nodes: LaunchNode[]): Promise<string | undefined> {
  for (const type of new Set(nodes.map((n) => n.instanceType))) {
    const info = await reads.ec2.describeInstanceType(type);
    if (!info.ebsEncryptionSupported) {
      const ips = nodes.filter((n) => n.instanceType === type).map((n) => n.ip).join(', ');
      return `instance type ${type} (node ${ips}) cannot attach encrypted EBS volumes; change the node to a type that supports EBS encryption (every current generation does), then retry`;
    }
  }
  return undefined;
}

/** Every new VM takes a private address in its old node's subnet while the old VM still holds its own; undefined when there is room. */
export async function subnetProblem(reads: Reads, nodes: LaunchNode[]): Promise<string | undefined> {
  for (const subnetId of new Set(nodes.map((n) => n.subnetId))) {
    const needed = nodes.filter((n) => n.subnetId === subnetId && !launched(n));
    const subnet = await reads.ec2.describeSubnet(subnetId);
    if (subnet.availableIpAddressCount < needed.length) {
      return `subnet ${subnetId} (${subnet.availabilityZone}) has ${subnet.availableIpAddressCount} free private addresses; the new VMs of ${needed.map((n) => n.ip).join(', ')} need ${needed.length}: free some, then retry`;
    }
  }
  return undefined;
}
