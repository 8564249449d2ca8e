// Region scoping: the seeded world is one Region; SDK clients configured for another Region reach
// the same endpoint but see that Region's own, empty world, as on AWS. Mismatched scopes are refused.

import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { request } from 'node:http';
import {
  DescribeImagesCommand, DescribeInstancesCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, KMSClient, ListAliasesCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { ACCOUNT, REGION, failure, startLab, type Lab } from './aws-harness.js';

const OTHER = 'us-east-1';
let lab: Lab;
let ec2: EC2Client;
let kms: KMSClient;
beforeAll(async () => {
  lab = await startLab({ nodes: 3 });
  const config = { region: OTHER, endpoint: lab.endpoint, credentials: { accessKeyId: 'AKIDLAB', secretAccessKey: 'lab' }, maxAttempts: 1 };
  ec2 = new EC2Client(config);
  kms = new KMSClient(config);
});
afterAll(async () => {
  ec2.destroy();
  kms.destroy();
  await lab.close();
});

describe(`a client signed for ${OTHER} (the lab's world is ${REGION})`, () => {
  it('sees no instances, volumes, images or snapshots', async () => {
    expect((await ec2.send(new DescribeInstancesCommand({}))).Reservations).toEqual([]);
    expect((await ec2.send(new DescribeVolumesCommand({}))).Volumes).toEqual([]);
    expect((await ec2.send(new DescribeImagesCommand({}))).Images).toEqual([]);
    expect((await ec2.send(new DescribeSnapshotsCommand({}))).Snapshots).toEqual([]);
    // The home Region still has them: the scoping is by signature, not by endpoint.
    expect((await lab.ec2.send(new DescribeInstancesCommand({}))).Reservations).toHaveLength(3);
  });

  it('gets NotFound for the seeded instance, volume and image ids', async () => {
    const node = lab.seed.nodes[0]!.instanceId;
    const calls: [Promise<unknown>, string][] = [
      [ec2.send(new DescribeInstancesCommand({ InstanceIds: [node] })), 'InvalidInstanceID.NotFound'],
      [ec2.send(new DescribeVolumesCommand({ VolumeIds: [lab.world.rootVolume(node)!.volumeId] })), 'InvalidVolume.NotFound'],
      [ec2.send(new DescribeImagesCommand({ ImageIds: [lab.seed.controllerAmiId] })), 'InvalidAMIID.NotFound'],
    ];
    for (const [call, code] of calls) expect((await failure(call)).name).toBe(code);
  });

  it('finds neither the alias nor the key, by id or by its ARN in the other Region, with NotFoundException', async () => {
    const alias = await failure(kms.send(new DescribeKeyCommand({ KeyId: lab.seed.customerKeyAlias })));
    expect(alias).toMatchObject({ name: 'NotFoundException', message: `Alias 'arn:aws:kms:${OTHER}:${ACCOUNT}:alias/avi-controller' is not found.` });
    const keyId = lab.seed.customerKeyArn.split('/')[1]!;
    for (const ref of [keyId, lab.seed.customerKeyArn]) {
      const err = await failure(kms.send(new DescribeKeyCommand({ KeyId: ref })));
      expect({ ref, name: err.name, status: err.$metadata.httpStatusCode }).toEqual({ ref, name: 'NotFoundException', status: 400 });
    }
    expect((await kms.send(new ListKeysCommand({}))).Keys).toEqual([]);
    expect((await kms.send(new ListAliasesCommand({}))).Aliases).toEqual([]);
  });
});

/** A raw signed-looking request, so the Host header and credential scope can disagree. */
function raw(headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  const url = new URL(lab.endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const auth = (region: string, service: string) =>
  `AWS4-HMAC-SHA256 Credential=AKIDLAB/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=00`;

describe('credential scope', () => {
  it('refuses an EC2 request whose endpoint names another Region than its signature', async () => {
    const reply = await raw({
      host: `ec2.${REGION}.amazonaws.com`, authorization: auth(OTHER, 'ec2'), 'content-type': 'application/x-www-form-urlencoded',
    }, 'Action=DescribeInstances&Version=2016-11-15');
    expect(reply.status).toBe(403);
    expect(reply.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(reply.body).toContain(`Credential should be scoped to a valid region, not &apos;${OTHER}&apos;.`);
  });

  it('refuses a KMS request scoped to a Region that does not exist', async () => {
    const reply = await raw({
      authorization: auth('moon-1', 'kms'), 'x-amz-target': 'TrentService.ListKeys', 'content-type': 'application/x-amz-json-1.1',
    }, '{}');
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toEqual({ __type: 'InvalidSignatureException', message: "Credential should be scoped to a valid region, not 'moon-1'. " });
  });

  it('serves a request whose AWS host name and scope agree', async () => {
    const reply = await raw({
      host: `ec2.${REGION}.amazonaws.com`, authorization: auth(REGION, 'ec2'), 'content-type': 'application/x-www-form-urlencoded',
    }, 'Action=DescribeVolumes&Version=2016-11-15');
    expect(reply.status).toBe(200);
    expect(reply.body).toContain(lab.world.rootVolume(lab.seed.nodes[0]!.instanceId)!.volumeId);
  });
});
