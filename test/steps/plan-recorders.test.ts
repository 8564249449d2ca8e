// The dry run's writes: the recorder (src/steps/plan-recorder.ts) records every write with its
// operation and target and answers creates with made-up ids, never reaching AWS or a Controller;
// and each controller action's `plan` facet says, from the runbook's model alone (no reads),
// exactly which writes the action would make.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { EC2Client } from '@aws-sdk/client-ec2';
import { KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createCleanupWrites } from '../../src/aws/cleanup-calls.js';
import { createAwsWrites } from '../../src/aws/gateway-writes.js';
import { createLaunchWrites } from '../../src/aws/launch-writes.js';
import { TAG } from '../../src/aws/types.js';
import { createRecorder } from '../../src/steps/plan-recorder.js';
import type { PlannedCall } from '../../src/engine/plan/types.js';
import { markerKey } from '../../src/steps/controller/claim.js';
import type { ControllerData, ControllerNode } from '../../src/steps/controller/context.js';
import type { StepDeps } from '../../src/steps/deps.js';
import type { ActionEffect, Scope } from '../../src/steps/effect.js';
import { CLUSTER_UUID, KEY_ARN, REGION, RUN_ID, clusterOf, dataWith, effectsFor, node, nodeScope, runScope, type ControllerEffects } from './helpers.js';

const ec2 = mockClient(EC2Client);
const kms = mockClient(KMSClient);

beforeEach(() => {
  ec2.reset();
  kms.reset();
});

function recorder() {
  const calls: PlannedCall[] = [];
  return { calls, writes: createRecorder((c) => calls.push(c)) };
}

describe('the plan recorder', () => {
  it('records every write with its operation, target and detail, and sends nothing anywhere', async () => {
    const { calls, writes } = recorder();
    await writes.ec2.stopInstance('i-1');
    await writes.ec2.detachVolume('vol-old', 'i-1', '/dev/xvda');
    await writes.ec2.attachVolume('vol-new', 'i-1', '/dev/xvda');
    await writes.ec2.setDeleteOnTermination('i-1', '/dev/xvda', true);
    await writes.ec2.startInstance('i-1');
    await writes.ec2.tagResources(['vol-old'], { [TAG.replacedBy]: 'vol-new' });
    await writes.ec2.untagResources(['i-1', 'i-2'], [markerKey(RUN_ID)]);
    const cluster = clusterOf(['10.0.0.1']);
    await expect(writes.cluster.putCluster(cluster)).resolves.toEqual(cluster);
    expect(calls).toEqual([
      { service: 'ec2', operation: 'StopInstances', target: 'i-1' },
      { service: 'ec2', operation: 'DetachVolume', target: 'vol-old', detail: { instanceId: 'i-1', device: '/dev/xvda' } },
      { service: 'ec2', operation: 'AttachVolume', target: 'vol-new', detail: { instanceId: 'i-1', device: '/dev/xvda' } },
      { service: 'ec2', operation: 'ModifyInstanceAttribute', target: 'i-1', detail: { device: '/dev/xvda', deleteOnTermination: true } },
      { service: 'ec2', operation: 'StartInstances', target: 'i-1' },
      { service: 'ec2', operation: 'CreateTags', target: 'vol-old', detail: { tags: { [TAG.replacedBy]: 'vol-new' } } },
      { service: 'ec2', operation: 'DeleteTags', target: 'i-1,i-2', detail: { keys: [markerKey(RUN_ID)] } },
      { service: 'avi', operation: 'PUT /api/cluster', target: CLUSTER_UUID, detail: { nodes: ['10.0.0.1'] } },
    ]);
    expect(ec2.calls()).toHaveLength(0);
    expect(kms.calls()).toHaveLength(0);
  });

  it('records the cloud and Service Engine writes, and sends nothing anywhere', async () => {
    const { calls, writes } = recorder();
    const enc = { mode: 'AWS_ENCRYPTION_MODE_SSE_KMS' as const, master_key: KEY_ARN };
    const cloud = { uuid: 'cloud-1', name: 'aws', vtype: 'CLOUD_AWS', aws_configuration: { region: REGION, ebs_encryption: enc, s3_encryption: enc } };
    await expect(writes.cloud.putCloud(cloud)).resolves.toEqual(cloud);
    await writes.engines.setEnableState('se-1', 'SE_STATE_DISABLED');
    await writes.engines.deleteServiceEngine('se-1');
    await writes.engines.forceDeleteServiceEngine('se-2');
    expect(calls).toEqual([
      { service: 'avi', operation: 'PUT /api/cloud', target: 'cloud-1 (aws)', detail: { ebs_encryption: enc, s3_encryption: enc } },
      { service: 'avi', operation: 'PATCH /api/serviceengine', target: 'se-1', detail: { enable_state: 'SE_STATE_DISABLED' } },
      { service: 'avi', operation: 'DELETE /api/serviceengine', target: 'se-1' },
      { service: 'avi', operation: 'POST /api/serviceengine/forcedelete', target: 'se-2' },
    ]);
  });

  it('answers each CreateVolume with a new made-up id and the volume as requested, available', async () => {
    const { calls, writes } = recorder();
    const req = {
      snapshotId: 'snap-enc', availabilityZone: `${REGION}b`, kmsKeyId: KEY_ARN, volumeType: 'gp3', size: 128, clientToken: 'tok', tags: { a: 'b' },
    };
    const first = await writes.ec2.createVolume(req);
    const second = await writes.ec2.createVolume({ ...req, availabilityZone: `${REGION}c` });
    expect(first).toEqual({
      volumeId: 'vol-planned-1', state: 'available', availabilityZone: `${REGION}b`, encrypted: true, kmsKeyId: KEY_ARN, size: 128,
      volumeType: 'gp3', snapshotId: 'snap-enc', attachments: [], tags: { a: 'b' },
    });
    expect(second.volumeId).toBe('vol-planned-2');
    expect(calls.map((c) => `${c.operation} ${c.target}`)).toEqual(['CreateVolume vol-planned-1', 'CreateVolume vol-planned-2']);
    expect(calls[0]!.detail).toMatchObject({ snapshotId: 'snap-enc', kmsKeyId: KEY_ARN, size: 128 });
    expect(ec2.calls()).toHaveLength(0);
  });

  it('records a configuration export and import without the passphrase or the configuration', async () => {
    const { calls, writes } = recorder();
    expect(await writes.cluster.exportConfiguration('s3cret-phrase')).toBe('{"planned": true}');
    await writes.cluster.importConfiguration('{"the": "whole configuration"}', 's3cret-phrase');
    expect(calls.map((c) => c.operation)).toEqual(['POST /api/configuration/export', 'POST /api/configuration/import']);
    expect(JSON.stringify(calls)).not.toMatch(/s3cret|whole configuration/);
  });

  it('covers every EC2 write the real gateway has', () => {
    const client = { ec2: new EC2Client({ region: REGION }) };
    const real = Object.keys({ ...createAwsWrites(client), ...createLaunchWrites(client), ...createCleanupWrites(client) }).sort();
    expect(Object.keys(recorder().writes.ec2).sort()).toEqual(real);
  });
});

// ---- each action's plan facet, from the model ----

/** Deps whose every gateway, file and secret throws: a plan facet may only use the writes it is given. */
function untouchable(): StepDeps {
  const refuse = (what: string) => new Proxy({}, { get: (_t, p) => { throw new Error(`a plan facet used deps.${what}.${String(p)}`); } });
  return {
    reads: { ec2: refuse('reads.ec2'), kms: refuse('reads.kms'), cluster: refuse('reads.cluster'), cloud: refuse('reads.cloud'), engines: refuse('reads.engines'), shell: refuse('reads.shell'), access: refuse('reads.access') } as StepDeps['reads'],
    writes: { ec2: refuse('writes.ec2'), cluster: refuse('writes.cluster'), cloud: refuse('writes.cloud'), engines: refuse('writes.engines'), shell: refuse('writes.shell') } as StepDeps['writes'],
    files: refuse('files') as StepDeps['files'],
    backupPassphrase: () => Promise.reject(new Error('a plan facet asked for the backup passphrase')),
    nodePassword: () => Promise.reject(new Error('a plan facet asked for the node password')),
    pollIntervalMs: 1,
    sleep: () => Promise.reject(new Error('a plan facet slept')),
    now: () => 0,
  };
}

const SWAPPED: ControllerNode = node('10.0.0.1', 'leader', { instanceId: 'i-1', oldVolumeId: 'vol-old-1', newVolumeId: 'vol-planned-3' });
const DATA = dataWith({
  clusterUuid: CLUSTER_UUID,
  nodes: [node('10.0.0.2', 'follower', { instanceId: 'i-2' }), node('10.0.0.3', 'follower', { instanceId: 'i-3' }), SWAPPED],
});

type Id = keyof ControllerEffects;
const effects = effectsFor(untouchable());
const actionOf = <I>(id: Id) => {
  const e = effects[id];
  if (e.kind !== 'action') throw new Error(`${id} is a ${e.kind}, not an action`);
  return e as ActionEffect<ControllerData, I>;
};

/** What an action's plan facet records for a scope ("Operation target" each), its details, and the fields it returns. */
async function planned<I>(id: Id, scope: Scope<ControllerData, I>) {
  const { calls, writes } = recorder();
  const patch = await actionOf<I>(id).plan(scope, writes);
  return { calls: calls.map((c) => `${c.operation} ${c.target}`), patch, detail: calls.map((c) => c.detail) };
}

/** Plans a node action for node `n` (put in place of the node with its IP in the data). */
const planOnNode = (id: Id, n: ControllerNode = SWAPPED, data: ControllerData = DATA) =>
  planned(id, nodeScope({ ...data, nodes: data.nodes.map((x) => (x.ip === n.ip ? n : x)) }, n.ip));
const planOnRun = (id: Id, data: ControllerData = DATA) => planned(id, runScope(data));

const NODE_ACTIONS: Array<[Id, string[]]> = [
  ['stop-node', ['StopInstances i-1']],
  ['detach-old-root', ['DetachVolume vol-old-1']],
  ['attach-new-root', ['AttachVolume vol-planned-3']],
  ['keep-delete-on-termination', ['ModifyInstanceAttribute i-1']],
  ['start-node', ['StartInstances i-1']],
  ['save-cluster-config', [`PUT /api/cluster ${CLUSTER_UUID}`]],
  ['tag-old-root', ['CreateTags vol-old-1']],
  ['rollback-stop-node', ['StopInstances i-1']],
  ['rollback-detach-new-root', ['DetachVolume vol-planned-3']],
  ['rollback-attach-old-root', ['AttachVolume vol-old-1']],
  ['rollback-delete-on-termination', ['ModifyInstanceAttribute i-1']],
  ['rollback-start-node', ['StartInstances i-1']],
  ['rollback-rejoin', [`PUT /api/cluster ${CLUSTER_UUID}`]],
];
const RUN_ACTIONS: Id[] = ['claim-nodes', 'copy-ami', 'export-config', 'create-volumes', 'restore-config', 'release-nodes'];

describe('plan facets of the controller actions', () => {
  it('every action of the controller runbooks is covered below', () => {
    const actions = (Object.keys(effects) as Id[]).filter((id) => effects[id].kind === 'action').sort();
    expect([...NODE_ACTIONS.map(([id]) => id), ...RUN_ACTIONS].sort()).toEqual(actions);
  });

  it.each(NODE_ACTIONS)('%s plans %j for the node, from the model alone', async (id, expected) => {
    expect((await planOnNode(id)).calls).toEqual(expected);
  });

  it('detach and attach name the node instance and its root device', async () => {
    const moved = node('10.0.0.1', 'leader', { instanceId: 'i-1', rootDevice: '/dev/sda1', oldVolumeId: 'vol-old-1', newVolumeId: 'vol-planned-3' });
    for (const id of ['detach-old-root', 'attach-new-root', 'rollback-detach-new-root', 'rollback-attach-old-root'] as Id[]) {
      expect((await planOnNode(id, moved)).detail).toEqual([{ instanceId: 'i-1', device: '/dev/sda1' }]);
    }
  });

  it.each(['keep-delete-on-termination', 'rollback-delete-on-termination'] as Id[])(
    '%s plans ModifyInstanceAttribute only for a node whose root had DeleteOnTermination=true (AttachVolume leaves false)',
    async (id) => {
      expect((await planOnNode(id, { ...SWAPPED, deleteOnTermination: true })).detail).toEqual([{ device: '/dev/xvda', deleteOnTermination: true }]);
      expect((await planOnNode(id, { ...SWAPPED, deleteOnTermination: false })).calls).toEqual([]);
    },
  );

  it('tag-old-root tags the old root with what replaced it, the run and the node', async () => {
    expect((await planOnNode('tag-old-root')).detail).toEqual([{
      tags: { [TAG.replacedBy]: 'vol-planned-3', [TAG.runId]: RUN_ID, [TAG.role]: 'replaced-root', [TAG.node]: '10.0.0.1' },
    }]);
  });

  it('save-cluster-config PUTs the membership the runbook knows', async () => {
    expect((await planOnNode('save-cluster-config')).detail).toEqual([{ nodes: ['10.0.0.2', '10.0.0.3', '10.0.0.1'] }]);
  });

  it('create-volumes plans one encrypted volume per node not yet encrypted, and records the made-up ids on the nodes', async () => {
    const data = dataWith({ nodes: [node('10.0.0.2', 'follower', { availabilityZone: `${REGION}b` }), node('10.0.0.3', 'follower', { alreadyEncrypted: true }), node('10.0.0.1', 'leader', { size: 40 })] });
    const { calls, patch, detail } = await planOnRun('create-volumes', data);
    expect(calls).toEqual(['CreateVolume vol-planned-1', 'CreateVolume vol-planned-2']);
    expect(detail[0]).toMatchObject({ snapshotId: 'snap-enc', availabilityZone: `${REGION}b`, kmsKeyId: KEY_ARN, volumeType: 'gp3', size: 128 });
    // A root smaller than the snapshot grows to the snapshot's size.
    expect(detail[1]).toMatchObject({ size: 64, tags: expect.objectContaining({ [TAG.node]: '10.0.0.1', [TAG.runId]: RUN_ID }) as never });
    expect((patch as Partial<ControllerData>).nodes!.map((n) => n.newVolumeId)).toEqual(['vol-planned-1', undefined, 'vol-planned-2']);
  });

  it('claim-nodes and release-nodes mark and unmark every node instance with this run', async () => {
    expect((await planOnRun('claim-nodes')).calls).toEqual(['CreateTags i-2,i-3,i-1']);
    expect((await planOnRun('claim-nodes')).detail).toEqual([{ tags: { [markerKey(RUN_ID)]: 'in-flight' } }]);
    expect((await planOnRun('release-nodes')).calls).toEqual(['DeleteTags i-2,i-3,i-1']);
  });

  it('export-config and restore-config plan the export and import, with no passphrase asked', async () => {
    const exported = await planOnRun('export-config');
    expect(exported.calls).toEqual(['POST /api/configuration/export configuration']);
    expect(exported.patch).toEqual({ backupFile: '<run folder>/backups/controller-config.json' });
    const ssh = { key: '/k/id', knownHosts: '/k/known_hosts', acceptNewHostKey: false, user: 'admin' };
    const one = { ...DATA, nodes: [SWAPPED] };
    expect((await planOnRun('restore-config', { ...one, restore: { via: 'api', ssh } })).calls).toEqual(['POST /api/configuration/import configuration']);
    const overSsh = await planOnRun('restore-config', { ...one, restore: { via: 'ssh', ssh }, controllerVersion: '21.1.4' });
    expect(overSsh.calls).toEqual(['SSH /opt/avi/scripts/restore_config.py admin@10.0.0.1:22']);
    // 21.1 takes no --flushdb; the passphrase is typed at the prompt, never a flag or in the plan.
    expect(overSsh.detail).toEqual([{ upload: `/tmp/avi-encrypt-${RUN_ID}.json`, flags: ['--config', `/tmp/avi-encrypt-${RUN_ID}.json`], passphrase: 'typed at its prompt', then: `rm -f /tmp/avi-encrypt-${RUN_ID}.json` }]);
  });

  it('copy-ami plans one encrypted CopyImage of the source with the key, and names the copy the volumes come from', async () => {
    const data = dataWith({ encryptedAmi: undefined, rootSnapshotId: undefined, sourceAmi: { imageId: 'ami-src', name: 'Avi-Controller-22.1.3-9096', rootSize: 128 } });
    const { calls, patch, detail } = await planOnRun('copy-ami', data);
    expect(calls).toEqual(['CopyImage ami-planned-1']);
    expect(detail[0]).toMatchObject({ sourceImageId: 'ami-src', kmsKeyId: KEY_ARN, encrypted: true, tags: { [TAG.runId]: RUN_ID, [TAG.role]: 'encrypted-ami' } });
    expect(patch).toEqual({ encryptedAmi: 'ami-planned-1', amiCopied: true, rootSnapshotId: '<root snapshot of ami-planned-1>', rootSnapshotSize: 128 });
  });
});
