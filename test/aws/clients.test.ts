import { describe, expect, it } from '@jest/globals';
import { createAwsClients } from '../../src/aws/clients.js';

describe('createAwsClients', () => {
  it('builds EC2 and KMS clients for the region with SDK standard retries', async () => {
    const { ec2, kms } = createAwsClients({ region: 'eu-west-1' });
    for (const client of [ec2, kms]) {
      expect(await client.config.region()).toBe('eu-west-1');
      expect(client.config.profile).toBeUndefined();
      expect(((await client.config.retryStrategy()) as { mode?: string }).mode).toBe(process.env.AWS_RETRY_MODE ?? 'standard');
      // Enough attempts to ride out EC2 throttling on a fleet (3, the SDK default, is not).
      expect(await client.config.maxAttempts()).toBe(Number(process.env.AWS_MAX_ATTEMPTS) || 8);
    }
    // serviceId is what the SDK turns into AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL_KMS.
    expect([ec2.config.serviceId, kms.config.serviceId]).toEqual(['EC2', 'KMS']);
  });

  it('hands the profile to both clients (and so to the default credential chain)', () => {
    const { ec2, kms } = createAwsClients({ region: 'us-east-1', profile: 'avi-prod' });
    expect([ec2.config.profile, kms.config.profile]).toEqual(['avi-prod', 'avi-prod']);
  });
});
