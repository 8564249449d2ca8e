// What each wait of the runbooks expects to take in the real world (ms), beside its source: waits
// look rarely before this and often around it (src/steps/poll-schedule.ts), and the journal
// records each wait's expected and actual time. A rehearsal scales them by the lab's time scale.
// The lab simulates the same documented figures; where no figure is published the typical one is
// marked UNVERIFIED, and a wait that takes longer costs only looks every 4% of its time, not a miss.

export const EXPECTED = {
  // EC2/EBS: AWS publishes no duration for these transitions; typical figures, UNVERIFIED.
  /** running -> stopped (StopInstances). */
  instanceStop: 30_000,
  /** stopped -> pending -> running (StartInstances, RunInstances). */
  instanceStart: 20_000,
  /** shutting-down -> terminated. */
  instanceTerminate: 30_000,
  /** CreateVolume from a snapshot: creating -> available. */
  volumeCreate: 30_000,
  /** AttachVolume: attaching -> attached. */
  volumeAttach: 5_000,
  /** DetachVolume: detaching -> available. */
  volumeDetach: 5_000,
  /** CopyImage, best effort: no per-GiB figure is published (reference §A1); a base plus 5 s per GiB, UNVERIFIED. */
  amiCopy: (gib: number) => 120_000 + 5_000 * gib,
  // Avi Controller (reference §3.3; "Controller Cluster" docs, HA for Avi Controllers).
  /** A Controller VM boots and its API answers: "warm reboot takes 2-3 minutes". */
  controllerBoot: 150_000,
  /** The configuration restore restarts the services: API down 2-3 minutes (as a warm restart). */
  controllerRestart: 150_000,
  /** A node re-joins and the cluster re-forms: "generally 4-10 minutes"; 5 minutes typical. */
  clusterReform: 300_000,
  /** The leader's VM stops: declared down after 4 missed 10 s heartbeats, then a follower takes over (API down 2-3 min). */
  leaderFailover: 4 * 10_000 + 150_000,
  // Service Engines (reference §5-§7; 17.1 "Disable SE").
  /** The cloud's SE image regenerated after its encryption changed: no published figure, UNVERIFIED. */
  seImageGeneration: 600_000,
  /** A new SE's VM boots and registers: "several minutes" [WEB-disable]; under vs_se_bootup_fail (480 s). UNVERIFIED figure. */
  seBoot: 240_000,
  /** A virtual service placed on one more SE (scale-out). UNVERIFIED. */
  vsScaleOut: 30_000,
  /** Scale-in from an SE: the SE group's vs_scalein_timeout default (30 s). */
  vsScaleIn: 30_000,
} as const;

/** A drained SE: its VSs scale out to another SE (launched and booted first, when none has room), then in from it. */
export const SE_DRAIN = EXPECTED.instanceStart + EXPECTED.seBoot + EXPECTED.vsScaleOut + EXPECTED.vsScaleIn;
/** A relaunched group's VSs: a new SE is launched and boots, then each VS scales out onto it. */
export const SE_RELAUNCH = EXPECTED.instanceStart + EXPECTED.seBoot + EXPECTED.vsScaleOut;
