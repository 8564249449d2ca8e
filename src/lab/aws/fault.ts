// An AWS error the lab returns: the AWS error code, its message and the HTTP status.
// World rules throw these; the EC2 and KMS front ends render them in each protocol's shape.

export class AwsFault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'AwsFault';
  }
}
