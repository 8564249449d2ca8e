// The gateway contract for launching replacement VMs: subnets, instance types, Elastic IPs,
// RunInstances and TerminateInstances, in plain data (facts: ../shared/reference/aws-ec2-kms.md).

import type { InstanceInfo, Tags } from './types.js';

export interface SubnetInfo {
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  /** Private IPv4 addresses still free (DescribeSubnets AvailableIpAddressCount). */
  availableIpAddressCount: number;
}

export interface InstanceTypeInfo {
  instanceType: string;
  /** DescribeInstanceTypes EbsInfo.EncryptionSupport === "supported". */
  ebsEncryptionSupported: boolean;
}

/** An Elastic IP (VPC) and where it is associated, if anywhere. */
export interface AddressInfo {
  allocationId: string;
  publicIp: string;
  associationId?: string;
  instanceId?: string;
  privateIp?: string;
}

/** The root block-device mapping of a launch: encrypted with the key (the "single step" launch). */
export interface LaunchRoot {
  /** The AMI's root device name. */
  device: string;
  kmsKeyId: string;
  deleteOnTermination: boolean;
  volumeType?: string;
  /** GiB; never below the AMI snapshot's size. */
  volumeSize?: number;
  iops?: number;
  throughput?: number;
}

export interface LaunchRequest {
  imageId: string;
  instanceType: string;
  subnetId: string;
  securityGroupIds: string[];
  iamInstanceProfileArn?: string;
  root: LaunchRoot;
  /** Derived from run id, step and node: the same launch re-sent makes no second instance. */
  clientToken: string;
  tags: Tags;
  volumeTags: Tags;
}

export interface LaunchReads {
  describeSubnet(subnetId: string): Promise<SubnetInfo>;
  describeInstanceType(instanceType: string): Promise<InstanceTypeInfo>;
  /** Elastic IPs associated with any of these instances. */
  findAddressesOfInstances(instanceIds: string[]): Promise<AddressInfo[]>;
  describeAddress(allocationId: string): Promise<AddressInfo>;
  /** Instances carrying all of these tags, in every state (terminated ones too, while EC2 lists them). */
  findInstancesByTags(tags: Tags): Promise<InstanceInfo[]>;
}

export interface LaunchWrites {
  /** RunInstances, one instance (MinCount = MaxCount = 1). */
  runInstance(req: LaunchRequest): Promise<InstanceInfo>;
  terminateInstance(instanceId: string): Promise<void>;
  /** AssociateAddress with AllowReassociation: moves the address from wherever it is. Returns the association id. */
  associateAddress(allocationId: string, instanceId: string): Promise<string>;
}
