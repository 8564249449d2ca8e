// What the lab knows of EC2 instance types: a well-formed name is a type (lab simplification: AWS
// refuses names it does not offer), and which families cannot attach encrypted EBS volumes.

import { AwsFault } from '../aws/fault.js';

/**
 * Previous-generation families without EBS encryption (EBS user guide, "Supported instance types":
 * every current generation plus C3, cr1, G2, I2, M3, R3 of the previous one support it).
 */
const NO_EBS_ENCRYPTION = /^(m1|m2|c1|t1|cc1|cc2|cg1|hi1|hs1)\./;
const PREVIOUS_GENERATION = /^(m1|m2|m3|c1|c3|t1|cc1|cc2|cg1|cr1|g2|hi1|hs1|i2|r3)\./;
const TYPE_NAME = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;

export const isInstanceTypeName = (name: string): boolean => TYPE_NAME.test(name);

export function checkInstanceType(instanceType: string): void {
  if (!isInstanceTypeName(instanceType)) throw new AwsFault('InvalidParameterValue', `Invalid value '${instanceType}' for InstanceType.`);
}

export const supportsEbsEncryption = (instanceType: string): boolean => !NO_EBS_ENCRYPTION.test(instanceType);
export const isCurrentGeneration = (instanceType: string): boolean => !PREVIOUS_GENERATION.test(instanceType);
