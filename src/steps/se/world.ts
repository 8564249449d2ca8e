// What a saved SE plan depends on, read live: the cloud's encryption, each SE group's max_se and
// SEs, and each SE the plan replaces (its enable_state, its instance's state and root volume).
// A new SE, one disabled by hand, the cloud encrypted meanwhile: another world's plan.

import type { AwsEncryption } from '../../avi/types.js';
import type { Reads } from '../gateways.js';
import type { WorldFact } from '../world-fact.js';
import type { SeData } from './context.js';

const encryption = (e: AwsEncryption | undefined) => (e ? `${e.mode}${e.master_key ? ` ${e.master_key}` : ''}` : 'not set');

export async function seWorld(reads: Reads, data: SeData): Promise<WorldFact[]> {
  if (!data.cloud) return [];
  const cloud = await reads.cloud.getCloud(data.cloud.uuid);
  const aws = cloud.aws_configuration ?? {};
  const facts: WorldFact[] = [
    { key: `cloud ${cloud.name}`, value: `ebs_encryption ${encryption(aws.ebs_encryption)}; s3_encryption ${encryption(aws.s3_encryption)}` },
  ];
  const configs = await reads.engines.listSeGroups(data.cloud.uuid);
  for (const g of data.groups) {
    const config = configs.find((c) => c.uuid === g.uuid);
    const ses = config ? (await reads.engines.listServiceEngines(g.uuid)).map((s) => s.name).sort() : [];
    facts.push({ key: `SE group ${g.name}`, value: config ? `max_se ${config.max_se ?? 10}; SEs ${ses.join(', ') || '(none)'}` : 'gone' });
    for (const se of g.ses) {
      const now = await reads.engines.getServiceEngine(se.uuid);
      const instance = await reads.ec2.describeInstance(se.instanceId).catch(() => undefined);
      const root = instance?.blockDevices.find((b) => b.device === instance.rootDeviceName)?.volumeId;
      const volume = root ? await reads.ec2.describeVolume(root) : undefined;
      const enc = volume ? (volume.encrypted ? `encrypted with ${volume.kmsKeyId}` : 'unencrypted') : '';
      facts.push({
        key: `SE ${se.name} (${se.instanceId})`,
        value: now ? `${now.enable_state ?? 'SE_STATE_ENABLED'}, ${instance?.state ?? 'no instance'}, root ${root ?? 'none'} ${enc}`.trim() : 'gone',
      });
    }
  }
  return facts;
}
