// One thing a saved plan depends on, read from the live systems ("node 10.10.1.12 root /dev/xvda"
// -> "vol-0abc gp3 64 GiB unencrypted"). A plan is applied only while every fact still reads the same.

export interface WorldFact {
  /** What the fact is about, named as an SRE would (stable across reads). */
  key: string;
  /** How it stands; any difference means the plan was made for another world. */
  value: string;
}
