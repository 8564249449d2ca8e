// verify over the real gateway (mocked EC2): every root encrypted with the key, DeleteOnTermination
// kept, old roots tagged; each problem is named.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { TAG } from '../../src/aws/types.js';
import {
  Ec2World, FakeAvi, KEY_ARN, OTHER_KEY_ARN, clusterOf, dataWith, effectsFor, expectNoMutations, makeDeps, node, realGateway, runScope,
  runtimeOf, signal,
} from './helpers.js';

const ec2 = mockClient(EC2Client);

beforeEach(() => {
  ec2.reset();
});

const DATA = dataWith({
  nodes: [
    node('10.0.0.2', 'follower', { instanceId: 'i-2', oldVolumeId: 'vol-old-2', newVolumeId: 'vol-new-2' }),
    node('10.0.0.1', 'leader', { instanceId: 'i-1', oldVolumeId: 'vol-old-1', newVolumeId: 'vol-new-1', deleteOnTermination: false }),
  ],
});

function swapped(opts: { key2?: string; dot1?: boolean; tag1?: boolean } = {}): Ec2World {
  const w = new Ec2World()
    .instance({ id: 'i-2', ip: '10.0.0.2', devices: [{ device: '/dev/xvda', volumeId: 'vol-new-2', deleteOnTermination: true }] })
    .instance({ id: 'i-1', ip: '10.0.0.1', devices: [{ device: '/dev/xvda', volumeId: 'vol-new-1', deleteOnTermination: opts.dot1 ?? false }] })
    .volume({ id: 'vol-new-2', state: 'in-use', encrypted: true, kmsKeyId: opts.key2 ?? KEY_ARN })
    .volume({ id: 'vol-new-1', state: 'in-use', encrypted: true, kmsKeyId: KEY_ARN })
    .volume({ id: 'vol-old-2', tags: { [TAG.replacedBy]: 'vol-new-2' } })
    .volume({ id: 'vol-old-1', tags: opts.tag1 === false ? {} : { [TAG.replacedBy]: 'vol-new-1' } });
  w.install(ec2);
  return w;
}

const verify = () =>
  effectsFor(makeDeps(realGateway(), new FakeAvi(clusterOf(['10.0.0.1']), [runtimeOf('CLUSTER_UP_NO_HA', [])]))).verify.run(runScope(DATA), signal());

describe('verify', () => {
  it('passes when every root is the encrypted volume with DeleteOnTermination kept and old roots tagged', async () => {
    swapped();
    await expect(verify()).resolves.toEqual({ verified: true });
    expectNoMutations(ec2);
  });

  it('names each problem: another key, a changed DeleteOnTermination, an untagged old root', async () => {
    swapped({ key2: OTHER_KEY_ARN, dot1: true, tag1: false });
    const e = await verify().then(() => undefined, (x: Error) => x);
    expect(e?.message).toContain(`Controller 10.0.0.2 (i-2): root vol-new-2 at /dev/xvda is encrypted with ${OTHER_KEY_ARN}, not with the expected ${KEY_ARN}`);
    expect(e?.message).toContain('10.0.0.1: DeleteOnTermination changed');
    expect(e?.message).toContain('10.0.0.1: old root vol-old-1 is not tagged as replaced');
  });
});
