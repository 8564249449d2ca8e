// DescribeInstanceTypes, for the one fact a migration asks of an instance type: whether it can attach
// encrypted EBS volumes (`EbsInfo.EncryptionSupport`, supported | unsupported; API reference
// "EbsInfo"). Lab simplification: only the InstanceType.N form; listing every type AWS offers
// (no InstanceType given, filters, paging) is refused rather than answered with a made-up catalogue.

import { isCurrentGeneration, isInstanceTypeName, supportsEbsEncryption } from '../world/instance-types.js';
import type { Ec2Action } from './ec2.js';
import { AwsFault } from './fault.js';

export const INSTANCE_TYPE_ACTIONS: Record<string, Ec2Action> = {
  DescribeInstanceTypes: (_world, q) => {
    const types = q.list('InstanceType');
    if (!types.length) throw new AwsFault('UnsupportedOperation', 'The lab answers DescribeInstanceTypes for given InstanceType.N only.');
    // AWS (observed, scylladb/scylla-cluster-tests#12419): one error naming every unknown type.
    const unknown = types.filter((t) => !isInstanceTypeName(t));
    if (unknown.length) throw new AwsFault('InvalidInstanceType', `The following supplied instance types do not exist: [${unknown.join(', ')}]`);
    return {
      instanceTypeSet: [...new Set(types)].map((instanceType) => ({
        instanceType,
        currentGeneration: isCurrentGeneration(instanceType),
        ebsInfo: {
          ebsOptimizedSupport: isCurrentGeneration(instanceType) ? 'default' : 'supported',
          encryptionSupport: supportsEbsEncryption(instanceType) ? 'supported' : 'unsupported',
        },
      })),
    };
  },
};
