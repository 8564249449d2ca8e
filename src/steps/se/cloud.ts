// The cloud encryption prerequisite. Avi docs ("EBS Encryption Support"): only SEs launched after
// ebs_encryption is set are encrypted, so the cloud's aws_configuration.ebs_encryption and
// s3_encryption become {mode: AWS_ENCRYPTION_MODE_SSE_KMS, master_key: <key ARN>} first, and the
// SEs are replaced only once the cloud is placement-ready with a regenerated SE image.

import type { AwsEncryption, Cloud } from '../../avi/types.js';
import type { KeyInfo } from '../../aws/types.js';
import type { StepDeps } from '../deps.js';
import { action, check, wait } from '../effect.js';
import { PreflightError, WaitFailedError } from '../errors.js';
import type { Reads } from '../gateways.js';
import { keyProblem } from '../key.js';
import { pollUntil } from '../wait.js';
import { required, type Encryption, type SeData, type SeRunScope } from './context.js';

type Deps = Pick<StepDeps, 'reads' | 'writes' | 'sleep' | 'now' | 'pollIntervalMs'>;

const SSE_KMS = 'AWS_ENCRYPTION_MODE_SSE_KMS';
/** AwsEncryption.master_key is a key ARN [GOM-enc]; the docs' form is arn:aws:kms:REGION:ACCOUNT:key/ID. */
const KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/[A-Za-z0-9-]+$/;

/** The cloud by name: it must exist, be an AWS cloud, and be in the region the run's AWS clients use. */
export function checkCloud(deps: Pick<StepDeps, 'reads'>) {
  return check<SeData, SeData>(async ({ data }) => {
    const clouds = await deps.reads.cloud.listClouds();
    const cloud = clouds.find((c) => c.name === data.cloudName);
    if (!cloud) {
      const known = clouds.map((c) => `${c.name} (${c.vtype})`).join(', ') || 'none';
      throw new PreflightError(`cloud "${data.cloudName}" does not exist on the Controller (clouds: ${known}); pass one with --cloud`);
    }
    if (cloud.vtype !== 'CLOUD_AWS') {
      throw new PreflightError(`cloud ${cloud.name} is ${cloud.vtype}, not an AWS cloud (CLOUD_AWS): EBS encryption applies to AWS clouds only; pass one with --cloud`);
    }
    const aws = cloud.aws_configuration ?? {};
    if (aws.region !== data.region) {
      throw new PreflightError(`cloud ${cloud.name} is in ${aws.region ?? 'no region'} but the run uses ${data.region}: set --region ${aws.region ?? '<the cloud region>'}`);
    }
    const mgmtSubnets = (aws.zones ?? []).flatMap((z) => (z.mgmt_network_uuid ? [z.mgmt_network_uuid] : []));
    return {
      cloud: { uuid: cloud.uuid, name: cloud.name, region: data.region, ...(aws.vpc_id ? { vpcId: aws.vpc_id } : {}), mgmtSubnets, ebs: 'none', s3: 'none', before: '' },
    } satisfies Partial<SeData>;
  });
}

/** The key is fit for EBS in the cloud's region, and how the cloud's encryption stands against it. */
export function checkCloudKey(deps: Pick<StepDeps, 'reads'>) {
  return check<SeData, SeData>(async ({ data }) => {
    const cloud = required(data.cloud, 'the cloud');
    const key = await describe(deps.reads, data.kmsKey);
    if (!key) throw new PreflightError(`KMS key ${data.kmsKey} was not found in ${data.region}; pass an existing key with --kms-key`);
    // State and spec as every runbook judges them; the region against the cloud's, below.
    const problem = keyProblem(key);
    if (problem) throw new PreflightError(problem);
    const form = KEY_ARN.exec(key.arn);
    if (!form) throw new PreflightError(`KMS key ${data.kmsKey} resolves to "${key.arn}", not a key ARN of the form arn:aws:kms:REGION:ACCOUNT:key/ID`);
    if (form[1] !== cloud.region) {
      throw new PreflightError(`KMS key ${key.arn} is in ${form[1]} but cloud ${cloud.name} is in ${cloud.region}: the SE image and volumes need a key of the cloud's region; pass one with --kms-key`);
    }
    const aws = (await deps.reads.cloud.getCloud(cloud.uuid)).aws_configuration ?? {};
    const ebs = await stand(deps.reads, aws.ebs_encryption, 'ebs', key.arn);
    const s3 = await stand(deps.reads, aws.s3_encryption, 's3', key.arn);
    const other = [{ field: 'ebs_encryption', ...ebs }, { field: 's3_encryption', ...s3 }].filter((x) => x.stands === 'other');
    if (other.length && !data.rekey) {
      throw new PreflightError(
        `cloud ${cloud.name} is already encrypted with another key (${other.map((x) => `${x.field} ${x.said}`).join('; ')}), not ${key.arn}: pass --rekey to replace it (every SE is then replaced again), or pass that key with --kms-key`,
      );
    }
    const isDefault = key.manager === 'AWS' || data.kmsKey === 'alias/aws/ebs';
    return {
      keyArn: key.arn,
      ...(isDefault ? { keyNote: `--kms-key ${data.kmsKey} is the AWS-managed EBS key, the service default a blank master key stands for: it resolves to ${key.arn}` } : {}),
      cloud: { ...cloud, ebs: ebs.stands, s3: s3.stands, before: `ebs_encryption ${ebs.said}; s3_encryption ${s3.said}` },
    } satisfies Partial<SeData>;
  });
}

async function describe(reads: Reads, ref: string): Promise<KeyInfo | undefined> {
  return reads.kms.describeKey(ref).catch((e: { code?: string }) => {
    if (e.code === 'NotFoundException') return undefined;
    throw e;
  });
}

/** One encryption field against the key. A blank master_key is the service's default key (docs: "If left blank, the default KMS CMK of the service will be used"). */
async function stand(reads: Reads, enc: AwsEncryption | undefined, service: 'ebs' | 's3', keyArn: string): Promise<{ stands: Encryption; said: string }> {
  if (enc?.mode !== SSE_KMS) return { stands: 'none', said: enc?.mode ?? 'AWS_ENCRYPTION_MODE_NONE' };
  if (enc.master_key) return { stands: enc.master_key === keyArn ? 'same' : 'other', said: `SSE-KMS with ${enc.master_key}` };
  const alias = `alias/aws/${service}`;
  const arn = (await describe(reads, alias))?.arn;
  return { stands: arn === keyArn ? 'same' : 'other', said: `SSE-KMS with a blank master key: the service default ${alias}${arn ? ` (${arn})` : ''}` };
}

const encrypted = (arn: string): AwsEncryption => ({ mode: SSE_KMS, master_key: arn });

function withKey(cloud: Cloud, arn: string): Cloud {
  return { ...cloud, aws_configuration: { ...cloud.aws_configuration, ebs_encryption: encrypted(arn), s3_encryption: encrypted(arn) } };
}

/** Sets ebs_encryption and s3_encryption to SSE-KMS with the key (PUT of the whole cloud), unless they already are. */
export function setCloudEncryption(deps: Deps) {
  const done = (data: SeData): Partial<SeData> => ({ cloud: { ...required(data.cloud, 'the cloud'), ebs: 'same', s3: 'same', set: true } });
  return action<SeData, SeData>(async ({ data }) => {
    const arn = required(data.keyArn, 'the key ARN');
    const cloud = await deps.reads.cloud.getCloud(required(data.cloud, 'the cloud').uuid);
    const aws = cloud.aws_configuration ?? {};
    const set = (e: AwsEncryption | undefined) => e?.mode === SSE_KMS && e.master_key === arn;
    if (!set(aws.ebs_encryption) || !set(aws.s3_encryption)) await deps.writes.cloud.putCloud(withKey(cloud, arn));
    return done(data);
  }, async ({ data }, w) => {
    const c = required(data.cloud, 'the cloud');
    const model: Cloud = { uuid: c.uuid, name: c.name, vtype: 'CLOUD_AWS', aws_configuration: { region: c.region, ...(c.vpcId ? { vpc_id: c.vpcId } : {}) } };
    await w.cloud.putCloud(withKey(model, required(data.keyArn, 'the key ARN')));
    return done(data);
  });
}

/**
 * The cloud is usable again with a regenerated SE image: CLOUD_STATE_PLACEMENT_READY, and every
 * se_image_state IMG_GEN_COMPLETE where the Controller reports it (18.2.6+). Whether a real
 * Controller shows IN_PROGRESS at once after the PUT is UNVERIFIED: verify-group is the net.
 */
export function cloudReady(deps: Deps) {
  return wait<SeData, SeData>(async (s: SeRunScope, signal) => {
    const cloud = required(s.data.cloud, 'the cloud');
    await pollUntil(deps, s, `cloud ${cloud.name} placement ready`, async () => {
      const status = await deps.reads.cloud.getCloudStatus(cloud.uuid);
      const images = status.se_image_state ?? [];
      const failed = images.find((i) => i.state === 'IMG_GEN_FAILED');
      if (status.state === 'CLOUD_STATE_FAILED' || failed) {
        throw new WaitFailedError(
          `cloud ${cloud.name} could not make its SE image (${failed?.reason ?? status.reason ?? status.state}); check that key ${s.data.keyArn} is Enabled and the Controller's IAM role may use it, have the Controller make the SE image again (Avi docs: update the cloud configuration), then run "avi-encrypt resume"`,
        );
      }
      const ready = status.state === 'CLOUD_STATE_PLACEMENT_READY' && images.every((i) => i.state === 'IMG_GEN_COMPLETE');
      return { done: ready, value: [status.state ?? 'no state', ...images.map((i) => i.state ?? '?')].join(', ') };
    }, signal);
  });
}
