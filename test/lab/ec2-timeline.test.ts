// EC2 transitions on the lab's timeline (instance:<id>, volume:<id>) and the ids each EC2 request
// names in the request log: what the bench uses to measure how soon a change was noticed.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand, DescribeVolumesCommand, DetachVolumeCommand, EC2Client, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { startLab, type RunningLab } from '../../src/lab/server.js';
import { labEc2, until } from './aws-harness.js';

let lab: RunningLab;
let dir: string;
let ec2: EC2Client;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'avi-ec2-timeline-'));
  lab = await startLab({ nodes: 1, timeScale: 0.001, dir, fleet: false });
  ec2 = labEc2(lab);
});
afterAll(async () => {
  ec2.destroy();
  await lab.stop();
  rmSync(dir, { recursive: true, force: true });
});

const states = (subject: string) => lab.timeline.list().filter((e) => e.subject === subject).map((e) => e.state);

describe('EC2 changes on the lab timeline', () => {
  it('records an instance stopping then stopped, and a root volume detaching then available', async () => {
    const node = lab.seed.nodes[0]!;
    const volumeId = lab.world.rootVolume(node.instanceId)!.volumeId;
    await ec2.send(new StopInstancesCommand({ InstanceIds: [node.instanceId] }));
    await until(() => lab.world.instance(node.instanceId).state === 'stopped', 5000);
    expect(states(`instance:${node.instanceId}`)).toEqual(['stopping', 'stopped']);

    await ec2.send(new DetachVolumeCommand({ VolumeId: volumeId }));
    await until(() => lab.world.volume(volumeId).state === 'available', 5000);
    expect(states(`volume:${volumeId}`)).toEqual(['in-use detaching', 'available']);
    const detaching = lab.timeline.list().find((e) => e.subject === `volume:${volumeId}`)!;
    expect(detaching.detail).toBe(node.instanceId);
  });

  it('logs the ids an EC2 request names, and none for a request by filter', async () => {
    const node = lab.seed.nodes[0]!;
    const before = lab.requests.list().length;
    await ec2.send(new DescribeInstancesCommand({ InstanceIds: [node.instanceId] }));
    await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'status', Values: ['available'] }] }));
    const [byId, byFilter] = lab.requests.list().slice(before);
    expect(byId).toMatchObject({ operation: 'DescribeInstances', ids: [node.instanceId] });
    expect(byFilter!.operation).toBe('DescribeVolumes');
    expect(byFilter!.ids).toBeUndefined();
  });
});
