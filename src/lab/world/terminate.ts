// TerminateInstances for the world: the simulated Controller terminates the EC2 instance of an SE
// it deletes (write-access cloud). The rules live in instances.ts (shutting-down -> terminated,
// DeleteOnTermination volumes deleted, the others left available, Elastic IPs released, idempotent).

export { terminateInstance } from './instances.js';
