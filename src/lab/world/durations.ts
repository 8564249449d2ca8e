// Documented real-world durations of EC2/EBS transitions; the lab clock scales them.

export const DURATION_MS = {
  stop: 30_000,
  /** pending -> running, for a start and for a launch. */
  start: 20_000,
  /** shutting-down -> terminated. */
  terminate: 30_000,
  volumeCreate: 30_000,
  attach: 5_000,
  detach: 5_000,
  /** deleting -> gone: "The volume can remain in the deleting state for several minutes" (DeleteVolume API reference); the lab takes one. */
  volumeDelete: 60_000,
} as const;
