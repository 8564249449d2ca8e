import {
  AttachVolumeCommand,
  CopyImageCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DeleteTagsCommand,
  DetachVolumeCommand,
  ModifyInstanceAttributeCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  type CreateVolumeRequest as SdkCreateVolumeRequest,
  type EC2Client,
  type VolumeType,
} from '@aws-sdk/client-ec2';
import { ec2Sender } from './dry-run-sender.js';
import { awsCall } from './errors.js';
import { recordToTags, toVolumeInfo } from './mapping.js';
import type { LaunchWrites } from './launch-types.js';
import type { CreateVolumeRequest, Ec2Writes } from './types.js';

/** Launch writes live in launch-writes.ts, cleanup's in cleanup-calls.ts. */
export type AwsWrites = Omit<Ec2Writes, keyof LaunchWrites | 'deleteVolume' | 'deleteSnapshot'>;

// EC2 rejects Iops/Throughput on types that do not provision them (gp2, st1, sc1, standard),
// so a value carried over from the old volume is dropped rather than sent.
const TYPES_WITH_IOPS = new Set(['io1', 'io2', 'gp3']);
const TYPES_WITH_THROUGHPUT = new Set(['gp3']);

export function createVolumeInput(req: CreateVolumeRequest): SdkCreateVolumeRequest {
  const input: SdkCreateVolumeRequest = {
    SnapshotId: req.snapshotId,
    AvailabilityZone: req.availabilityZone,
    // KmsKeyId is only accepted together with Encrypted=true; both are always sent.
    Encrypted: true,
    KmsKeyId: req.kmsKeyId,
    VolumeType: req.volumeType as VolumeType,
    ClientToken: req.clientToken,
    TagSpecifications: [{ ResourceType: 'volume', Tags: recordToTags(req.tags) }],
  };
  if (req.size !== undefined) input.Size = req.size;
  if (req.iops !== undefined && TYPES_WITH_IOPS.has(req.volumeType)) input.Iops = req.iops;
  if (req.throughput !== undefined && TYPES_WITH_THROUGHPUT.has(req.volumeType)) input.Throughput = req.throughput;
  return input;
}

/**
 * The EC2 writes. With `dryRun`, every request carries DryRun=true: AWS checks it (and the
 * caller's permission) and answers DryRunOperation instead of acting (the preflight's probes).
 */
export function createAwsWrites({ ec2 }: { ec2: EC2Client }, opts: { dryRun?: boolean } = {}): AwsWrites {
  const client = ec2Sender(ec2, opts.dryRun === true);
  return {
    async createVolume(req) {
      const out = await awsCall('CreateVolume', () => client.send(new CreateVolumeCommand(createVolumeInput(req))));
      return toVolumeInfo(out);
    },

    // Stop/Start only request the transition; callers poll describeInstance for the end state.
    async stopInstance(instanceId) {
      await awsCall('StopInstances', () => client.send(new StopInstancesCommand({ InstanceIds: [instanceId] })));
    },

    async startInstance(instanceId) {
      await awsCall('StartInstances', () => client.send(new StartInstancesCommand({ InstanceIds: [instanceId] })));
    },

    async detachVolume(volumeId, instanceId, device) {
      // InstanceId and Device pin the detach to the attachment we inspected (and moto 500s without InstanceId).
      await awsCall('DetachVolume', () =>
        client.send(new DetachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: device })),
      );
    },

    async attachVolume(volumeId, instanceId, device) {
      await awsCall('AttachVolume', () =>
        client.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: device })),
      );
    },

    // AttachVolume always creates the attachment with DeleteOnTermination=false; this restores the old value.
    async setDeleteOnTermination(instanceId, device, deleteOnTermination) {
      await awsCall('ModifyInstanceAttribute', () =>
        client.send(
          new ModifyInstanceAttributeCommand({
            InstanceId: instanceId,
            BlockDeviceMappings: [{ DeviceName: device, Ebs: { DeleteOnTermination: deleteOnTermination } }],
          }),
        ),
      );
    },

    async tagResources(resourceIds, tags) {
      // Nothing to tag is not an error, but EC2 would reject the empty request.
      if (resourceIds.length === 0 || Object.keys(tags).length === 0) return;
      await awsCall('CreateTags', () =>
        client.send(new CreateTagsCommand({ Resources: resourceIds, Tags: recordToTags(tags) })),
      );
    },

    async copyImage(req) {
      // SourceRegion is this client's own: an in-region copy that encrypts (reference §A1).
      const region = await ec2.config.region();
      const out = await awsCall('CopyImage', () => client.send(new CopyImageCommand({
        SourceImageId: req.sourceImageId,
        SourceRegion: region,
        Name: req.name,
        Description: req.description,
        // KmsKeyId is only accepted together with Encrypted=true.
        Encrypted: true,
        KmsKeyId: req.kmsKeyId,
        ClientToken: req.clientToken,
        TagSpecifications: [
          { ResourceType: 'image', Tags: recordToTags(req.tags) },
          { ResourceType: 'snapshot', Tags: recordToTags(req.tags) },
        ],
      })));
      if (!out.ImageId) throw new Error(`CopyImage of ${req.sourceImageId} answered without an ImageId`);
      return out.ImageId;
    },

    async untagResources(resourceIds, keys) {
      // An empty Tags list would delete every tag of the resources: never what a caller means.
      if (resourceIds.length === 0 || keys.length === 0) return;
      await awsCall('DeleteTags', () =>
        client.send(new DeleteTagsCommand({ Resources: resourceIds, Tags: keys.map((Key) => ({ Key })) })),
      );
    },
  };
}
