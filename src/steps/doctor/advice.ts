// What a key EBS cannot use means, in the document's words ("Operator Errors on KMS CMK deletion"),
// for each kind of thing that depends on it, and what to do about it: a Disabled key is enabled
// again; a key pending deletion is recovered (CancelKeyDeletion, then EnableKey: the cancel leaves it
// Disabled, KMS developer guide); a deleted key is gone for good, so a new key is configured and the
// SE path re-run (the cloud's encryption, then every SE), the Controllers moved to new VMs while they run.

import type { KeyState } from './key-state.js';
import type { KeyDependency, UseKind } from './uses.js';

const CONSEQUENCES: Record<UseKind, string[]> = {
  'controller-volume': [
    'the running Controllers keep working (EC2 holds the volume data key while they run)',
    'starting or restarting them fails: the instance falls back to stopped (Client.InternalError); do not stop or reboot them',
  ],
  'se-volume': [
    'the running Service Engines keep working',
    'starting or restarting them fails: the instance falls back to stopped (Client.InternalError)',
  ],
  'cloud-ebs': [
    "new Service Engine VMs cannot be launched: the cloud's SE image and SE volumes use this key (a scale-out, a failed SE's replacement, an upgrade)",
    'the cloud configuration needs a new KMS CMK',
  ],
  'cloud-s3': ['a new Service Engine image upload fails (the SE image bucket uses this key)'],
  image: ['the encrypted AMI is no longer usable: nothing can be launched or restored from it, and it has to be deregistered (deleted) by hand'],
};

export function consequences(uses: KeyDependency[]): string[] {
  return [...new Set(uses.flatMap((u) => CONSEQUENCES[u.kind]))];
}

export function remedy(state: KeyState, uses: KeyDependency[]): string[] {
  const kinds = new Set(uses.map((u) => u.kind));
  const clouds = [...new Set(uses.flatMap((u) => (u.cloud ? [u.cloud] : [])))];
  const cloud = clouds.length ? clouds.join(' / ') : '<the cloud>';
  const newKey = [
    ...(kinds.has('cloud-ebs') || kinds.has('cloud-s3') || kinds.has('se-volume')
      ? [`configure a new key and re-run the SE path: avi-encrypt migrate --strategy se-scale-out --cloud ${cloud} --kms-key <new key> --rekey (sets the cloud's ebs_encryption and s3_encryption, makes a new SE image, replaces every SE)`]
      : []),
    ...(kinds.has('controller-volume')
      // controller-swap stops each node to swap its root, and a node stopped on this key does not start again.
      ? ['move the Controllers to new VMs while they still run: avi-encrypt migrate --strategy controller-new-vms --kms-key <new key> (not controller-swap: it stops each Controller, which then cannot start on this key)']
      : []),
    ...(kinds.has('image') ? ['deregister the unusable AMI and its snapshots; a run with the new key makes a new encrypted copy'] : []),
  ];
  switch (state.state) {
    case 'Disabled':
      return [`enable the key: aws kms enable-key --key-id ${state.key} (EnableKey)`];
    case 'PendingDeletion':
      return [
        `before ${state.deletionDate ?? 'its deletion date'}: aws kms cancel-key-deletion --key-id ${state.key}, then aws kms enable-key --key-id ${state.key} (CancelKeyDeletion leaves it Disabled)`,
        ...newKey.map((n) => `or ${n}`),
      ];
    case 'gone':
      return ['the key is deleted and cannot be recovered: what it encrypted cannot be decrypted again', ...newKey];
    case 'unknown':
      return [`allow kms:DescribeKey on ${state.key} to these credentials, then run avi-encrypt doctor again (${state.detail ?? 'DescribeKey was refused'})`];
    default:
      return [`the key is ${state.state}: make it Enabled (KMS key states), or ${newKey[0] ?? 'configure a new key'}`];
  }
}
