// The prerequisite "Using EBS Encryption for Controller AMI" (steps 2-3 of that section): when no
// encrypted AMI is given, an encrypted copy of the Controller AMI is made with the key, and every
// snapshot of the copy must use that key. AWS validates the key only after CopyImage returns: a
// bad key shows up as a `failed` image later (reference §A1).

import { clientToken } from '../../aws/client-token.js';
import { AwsError, TAG, type ImageInfo } from '../../aws/types.js';
import type { StepDeps } from '../deps.js';
import { action, check } from '../effect.js';
import { PreflightError, WaitFailedError } from '../errors.js';
import { pollUntil } from '../wait.js';
import { requireValue, type ControllerData, type RunScope, type SourceAmi } from './context.js';

export const ROLE_ENCRYPTED_AMI = 'encrypted-ami';
const GONE = new Set(['failed', 'error', 'invalid', 'deregistered', 'disabled']);

/** Reads only: the AMI to copy exists here, is available, and this account may copy it. */
export function checkSourceAmi(deps: Pick<StepDeps, 'reads'>) {
  return check<ControllerData, ControllerData>(async ({ data }) => {
    const instances = await deps.reads.ec2.describeInstances(data.nodes.map((n) => n.instanceId));
    const launched = [...new Set(instances.flatMap((i) => (i.imageId ? [i.imageId] : [])))];
    const wanted = data.sourceAmiId ?? launched[0];
    if (!data.sourceAmiId && launched.length !== 1) {
      throw new PreflightError(`the Controller nodes were launched from ${launched.length ? launched.join(', ') : 'no AMI EC2 reports'}; pass --source-ami with the Controller AMI to copy, or --encrypted-ami`);
    }
    const image = await deps.reads.ec2.describeImage(wanted!).catch((e: { code?: string }) => {
      if (!e.code?.startsWith('InvalidAMIID')) throw e;
      const how = data.sourceAmiId ? 'check --source-ami' : 'the nodes\' AMI may be deregistered: pass --source-ami with the same Controller version, or --encrypted-ami';
      throw new PreflightError(`source AMI ${wanted} was not found in this region (an AMI belongs to one region); ${how}`);
    });
    if (image.state !== 'available') throw new PreflightError(`source AMI ${image.imageId} is ${image.state}, not available; pass --source-ami with an available one`);
    const account = instances.find((i) => i.ownerId)?.ownerId;
    if (image.ownerId && account && image.ownerId !== account && image.productCodes.length) {
      throw new PreflightError(marketplaceRefusal(image.imageId, `belongs to ${image.ownerAlias ?? image.ownerId} and carries product code ${image.productCodes.join(', ')}`));
    }
    const size = image.rootVolumeSize;
    if (!image.rootSnapshotId || size === undefined) throw new PreflightError(`source AMI ${image.imageId} has no EBS snapshot at its root device ${image.rootDeviceName}`);
    const sourceAmi: SourceAmi = { imageId: image.imageId, name: image.name ?? image.imageId, rootSize: size };
    return { sourceAmi };
  });
}

/**
 * AWS refuses CopyImage of an AMI with billing product codes shared from another account (the
 * Marketplace listing itself): reference §0 (Controllers run from the Marketplace AMI) and §A1.
 */
function marketplaceRefusal(imageId: string, what: string): string {
  return `AMI ${imageId} ${what}: AWS refuses to copy a Marketplace (billing-product) AMI of another account. Copy one your account owns instead: launch a Controller from it here, CreateImage, and pass that AMI with --source-ami (or pass --encrypted-ami with an encrypted copy made by hand)`;
}

const isMarketplaceRefusal = (e: unknown): boolean =>
  e instanceof AwsError && /marketplace|billing ?product/i.test(e.message);

/** Adopts this run's copy, or starts one; then waits for it to be available (resume copies again after a failed one). */
export function copyAmi(deps: Pick<StepDeps, 'reads' | 'writes' | 'sleep' | 'now' | 'pollIntervalMs'>) {
  const tags = (runId: string) => ({ [TAG.runId]: runId, [TAG.role]: ROLE_ENCRYPTED_AMI });
  const request = (s: RunScope, attempt: number) => {
    const source = requireValue(s.data.sourceAmi, 'sourceAmi');
    return {
      sourceImageId: source.imageId,
      // AMI names are unique per account and region; the run id keeps a re-run's name its own.
      name: `${source.name}-encrypted-${s.runId}`.slice(0, 128),
      description: `Encrypted copy of ${source.imageId} with ${requireValue(s.data.keyArn, 'keyArn')} (avi-encrypt run ${s.runId})`,
      kmsKeyId: requireValue(s.data.keyArn, 'keyArn'),
      clientToken: clientToken(s.runId, `copy-image:${attempt}`),
      tags: { ...tags(s.runId), Name: `${source.name} encrypted by avi-encrypt` },
    };
  };
  const run = async (s: RunScope, signal: AbortSignal) => {
    const mine = await deps.reads.ec2.findImagesByTags(tags(s.runId));
    let imageId = mine.find((i) => !GONE.has(i.state))?.imageId;
    if (!imageId) {
      // A failed copy keeps its token: the next attempt needs the next one.
      imageId = await deps.writes.ec2.copyImage(request(s, mine.length)).catch((e: unknown) => {
        throw isMarketplaceRefusal(e) ? new Error(marketplaceRefusal(s.data.sourceAmi!.imageId, `was refused by CopyImage (${(e as Error).message})`)) : e;
      });
    }
    const id = imageId;
    await pollUntil(deps, s, `encrypted AMI ${id} available`, async () => {
      const image = await deps.reads.ec2.describeImage(id);
      if (GONE.has(image.state)) throw new WaitFailedError(copyFailure(s.data, image));
      return { done: image.state === 'available', value: image.state };
    }, signal);
    return { encryptedAmi: id, amiCopied: true };
  };
  const plan = async (s: RunScope, w: StepDeps['writes']) => {
    const imageId = await w.ec2.copyImage(request(s, 0));
    // The copy's snapshot does not exist yet: the planned volumes refer to it by this name.
    return { encryptedAmi: imageId, amiCopied: true, rootSnapshotId: `<root snapshot of ${imageId}>`, rootSnapshotSize: s.data.sourceAmi?.rootSize ?? 0 };
  };
  return action<ControllerData, ControllerData>(run, plan);
}

function copyFailure(data: ControllerData, image: ImageInfo): string {
  const reason = image.stateReason ? ` (${image.stateReason.code}: ${image.stateReason.message})` : '';
  return `the encrypted copy ${image.imageId} of ${data.sourceAmi?.imageId ?? 'the Controller AMI'} ended ${image.state}${reason}; the likely cause is KMS key ${data.keyArn}: AWS checks the key only after CopyImage returns. Check that the key is Enabled and that its policy lets EC2 use it (kms:CreateGrant, kms:Decrypt, kms:GenerateDataKey*), then run "avi-encrypt resume" to copy again`;
}

/** Every snapshot of the copy is encrypted with the key; the root one is what the new volumes come from. */
export function checkAmiCopy(deps: Pick<StepDeps, 'reads'>) {
  return check<ControllerData, ControllerData>(async ({ data }) => {
    const imageId = requireValue(data.encryptedAmi, 'encryptedAmi');
    const image = await deps.reads.ec2.describeImage(imageId);
    if (!image.rootSnapshotId) throw new Error(`AMI ${imageId} has no EBS snapshot at its root device ${image.rootDeviceName}`);
    const snaps = await Promise.all(image.snapshotIds.map((id) => deps.reads.ec2.describeSnapshot(id)));
    const wrong = snaps.filter((s) => !s.encrypted || s.kmsKeyId !== data.keyArn);
    if (wrong.length) {
      const list = wrong.map((s) => `${s.snapshotId} ${s.encrypted ? `uses ${s.kmsKeyId}` : 'is not encrypted'}`).join(', ');
      throw new Error(`AMI ${imageId} is not encrypted with ${data.keyArn} throughout: ${list}`);
    }
    const root = snaps.find((s) => s.snapshotId === image.rootSnapshotId)!;
    return { rootSnapshotId: root.snapshotId, rootSnapshotSize: root.volumeSize };
  });
}
