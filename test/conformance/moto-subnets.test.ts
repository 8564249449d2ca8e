// Conformance for the SE runbooks' capacity check: the free addresses of the cloud's management
// subnets read through our gateway (DescribeSubnets, AvailableIpAddressCount) from moto_server.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DescribeSubnetsCommand, RunInstancesCommand, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js';
import { createAwsGateway } from '../../src/aws/gateway.js';
import { startMoto, type Moto } from './moto-harness.js';

const REGION = 'us-east-1';
let moto: Moto;
let clients: AwsClients;

beforeAll(async () => {
  moto = await startMoto();
  clients = createAwsClients({ region: REGION });
}, 60_000);
afterAll(async () => {
  clients?.ec2.destroy();
  clients?.kms.destroy();
  await moto?.stop();
});

describe('management subnets', () => {
  it('reads each subnet\'s CIDR, zone and free addresses; a launched instance takes one', async () => {
    const gateway = createAwsGateway(clients);
    const raw = await clients.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'availability-zone', Values: [`${REGION}a`] }] }));
    const subnet = raw.Subnets![0]!;
    const [before] = await gateway.describeSubnets([subnet.SubnetId!]);
    expect(before).toEqual({ subnetId: subnet.SubnetId, cidr: subnet.CidrBlock, availabilityZone: `${REGION}a`, availableIps: subnet.AvailableIpAddressCount });
    const image = await clients.ec2.send(new RegisterImageCommand({ Name: 'se-image', RootDeviceName: '/dev/sda1' }));
    await clients.ec2.send(new RunInstancesCommand({ ImageId: image.ImageId, MinCount: 1, MaxCount: 1, SubnetId: subnet.SubnetId }));
    const [after] = await gateway.describeSubnets([subnet.SubnetId!]);
    expect(after!.availableIps).toBe(before!.availableIps - 1);
    expect(await gateway.describeSubnets([])).toEqual([]);
  });
});
