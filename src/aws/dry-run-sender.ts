import type { EC2Client } from '@aws-sdk/client-ec2';

/**
 * ec2.send, setting DryRun=true on every command when `dryRun` (every EC2 write takes it), so a
 * write sent through this is a DryRun in preflight without anyone remembering to say so. One sent
 * around this (ec2.send) would be refused by a plan's read-only client instead of going out.
 */
export function ec2Sender(ec2: EC2Client, dryRun: boolean): Pick<EC2Client, 'send'> {
  if (!dryRun) return ec2;
  const send = (command: { input: Record<string, unknown> }, ...rest: unknown[]) => {
    command.input.DryRun = true;
    return (ec2.send as (...a: unknown[]) => unknown).call(ec2, command, ...rest);
  };
  return { send: send as unknown as EC2Client['send'] };
}
