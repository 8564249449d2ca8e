import {
  AssociateAddressCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type EbsBlockDevice,
  type RunInstancesRequest,
  type VolumeType,
} from '@aws-sdk/client-ec2';
import { ec2Sender } from './dry-run-sender.js';
import { awsCall } from './errors.js';
import type { LaunchRequest, LaunchWrites } from './launch-types.js';
import { recordToTags, toInstanceInfo } from './mapping.js';

// EC2 rejects Iops/Throughput on types that do not provision them, as for CreateVolume.
const TYPES_WITH_IOPS = new Set(['io1', 'io2', 'gp3']);

/**
 * One instance from the AMI, its root restored from the AMI's snapshot but encrypted with the key:
 * Encrypted + KmsKeyId in the root mapping, without SnapshotId or a size below the snapshot's (the
 * "single step" launch from an unencrypted AMI; EbsBlockDevice in the EC2 API reference).
 */
export function runInstancesInput(req: LaunchRequest): RunInstancesRequest {
  const r = req.root;
  const ebs: EbsBlockDevice = { Encrypted: true, KmsKeyId: r.kmsKeyId, DeleteOnTermination: r.deleteOnTermination };
  if (r.volumeType !== undefined) ebs.VolumeType = r.volumeType as VolumeType;
  if (r.volumeSize !== undefined) ebs.VolumeSize = r.volumeSize;
  if (r.iops !== undefined && r.volumeType !== undefined && TYPES_WITH_IOPS.has(r.volumeType)) ebs.Iops = r.iops;
  if (r.throughput !== undefined && r.volumeType === 'gp3') ebs.Throughput = r.throughput;
  return {
    ImageId: req.imageId,
    InstanceType: req.instanceType as never,
    MinCount: 1,
    MaxCount: 1,
    SubnetId: req.subnetId,
    ...(req.securityGroupIds.length ? { SecurityGroupIds: req.securityGroupIds } : {}),
    ...(req.iamInstanceProfileArn ? { IamInstanceProfile: { Arn: req.iamInstanceProfileArn } } : {}),
    BlockDeviceMappings: [{ DeviceName: r.device, Ebs: ebs }],
    ClientToken: req.clientToken,
    TagSpecifications: [
      { ResourceType: 'instance', Tags: recordToTags(req.tags) },
      { ResourceType: 'volume', Tags: recordToTags(req.volumeTags) },
    ],
  };
}

/** The launch writes; with `dryRun` every request carries DryRun=true (preflight's probes). */
export function createLaunchWrites({ ec2: client }: { ec2: EC2Client }, opts: { dryRun?: boolean } = {}): LaunchWrites {
  const ec2 = ec2Sender(client, opts.dryRun === true);
  return {
    async runInstance(req) {
      const out = await awsCall('RunInstances', () => ec2.send(new RunInstancesCommand(runInstancesInput(req))));
      const instance = out.Instances?.[0];
      if (!instance) throw new Error(`RunInstances answered without an instance (reservation ${out.ReservationId ?? 'unknown'})`);
      return toInstanceInfo(instance, out.OwnerId);
    },

    // Terminate is idempotent by default (EC2 idempotency guide): a second call answers the same state.
    async terminateInstance(instanceId) {
      await awsCall('TerminateInstances', () => ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] })));
    },

    async associateAddress(allocationId, instanceId) {
      // Without AllowReassociation a VPC address already associated is refused (Resource.AlreadyAssociated).
      const out = await awsCall('AssociateAddress', () =>
        ec2.send(new AssociateAddressCommand({ AllocationId: allocationId, InstanceId: instanceId, AllowReassociation: true })));
      return out.AssociationId ?? '';
    },
  };
}
