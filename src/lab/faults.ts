// Faults on demand, so an SRE (and a test) can rehearse "what if": EC2 throttling, a Controller
// answering 503 or unreachable, sessions expiring, the key disabled halfway, a start that falls
// back to stopped, a node that never re-converges. Durations are real-world figures, scaled by
// the lab clock. Every fault shows in the timeline as `fault:<kind>`.

import { AwsFault } from './aws/fault.js';
import type { Timeline } from './timeline.js';
import type { InstanceRecord, LabClock } from './world/types.js';
import type { LabWorld } from './world/world.js';

export const FAULT_KINDS = [
  'throttle', 'avi-503', 'avi-session-expire', 'kms-disable', 'kms-enable', 'kms-delete', 'start-fails', 'no-converge', 'api-down', 'clear',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRequest {
  kind: FaultKind;
  /** throttle: the share of AWS calls refused, 0 < rate <= 1. */
  rate?: number;
  /** avi-503, api-down: for how long, real-world ms (scaled by the lab clock). */
  forMs?: number;
  /** kms-disable, kms-enable, kms-delete: key id, key ARN or alias. */
  key?: string;
  /** start-fails: the instance whose starts fall back to stopped. */
  instance?: string;
  /** no-converge: the node (IP) that never re-joins. */
  node?: string;
}

export interface ActiveFault {
  kind: FaultKind;
  detail: string;
  since: string;
  /** When a timed fault ends by itself. */
  until?: string;
}

/** What the simulated Controller lets faults do to it. */
export interface ControllerFaults {
  /** The API answers 503 (services restarting) until the given epoch ms. */
  unavailableUntil(epochMs: number): void;
  /** No node answers (connections dropped) until the given epoch ms. */
  unreachableUntil(epochMs: number): void;
  /** Every session ends now; the next call must log in again. */
  expireSessions(): void;
  /** This node, once it boots, never re-joins the cluster. */
  neverConverge(ip: string): void;
  clear(): void;
}

/** A fault asked for in a way the lab cannot do: one line for the CLI. */
export class FaultError extends Error {
  override readonly name = 'FaultError';
}

const CLIENT_ERROR = { code: 'Client.InternalError', message: 'Client.InternalError: Client error on launch' };

export class Faults {
  private active: ActiveFault[] = [];
  private throttleRate = 0;
  private failingStarts = new Set<string>();
  /** A small seeded generator: the same rehearsal throttles the same calls. */
  private seed = 0x2545f491;

  constructor(
    private readonly world: LabWorld,
    private readonly timeline: Timeline,
    private readonly clock: LabClock,
    private readonly controller?: ControllerFaults,
  ) {
    world.bootChecks.push((inst) => this.bootCheck(inst));
  }

  list(): ActiveFault[] {
    const now = Date.now();
    this.active = this.active.filter((f) => !f.until || Date.parse(f.until) > now);
    return this.active.map((f) => ({ ...f }));
  }

  apply(r: FaultRequest): ActiveFault[] {
    switch (r.kind) {
      case 'clear':
        this.clear();
        return [];
      case 'throttle': {
        const rate = r.rate ?? 0.2;
        if (!(rate > 0 && rate <= 1)) throw new FaultError(`--rate must be > 0 and <= 1 (got ${rate}): e.g. 0.2 refuses one AWS call in five`);
        this.throttleRate = rate;
        this.add('throttle', `${Math.round(rate * 100)}% of EC2/KMS calls answer RequestLimitExceeded/ThrottlingException`);
        break;
      }
      case 'kms-disable':
      case 'kms-enable':
      case 'kms-delete': {
        if (!r.key) throw new FaultError(`${r.kind} needs --key (key id, ARN or alias)`);
        const key = this.world.findKey(r.key);
        if (!key) throw new FaultError(`no KMS key ${r.key} in the lab: see profile.json for the seeded keys`);
        if (key.manager === 'AWS') throw new FaultError(`${key.arn} is an AWS managed key: AWS never disables or deletes it`);
        if (r.kind === 'kms-disable') this.world.disableKey(key.keyId);
        else if (r.kind === 'kms-enable') this.world.enableKey(key.keyId);
        else {
          // A deleted key went through its waiting period: scheduled (7 days, the shortest) unless it was, then at its end.
          if (key.state !== 'PendingDeletion') this.world.scheduleKeyDeletion(key.keyId, 7);
          this.world.completeKeyDeletion(key.keyId);
        }
        this.timeline.record(`fault:${r.kind}`, key.arn);
        return this.list();
      }
      case 'start-fails': {
        if (!r.instance) throw new FaultError('start-fails needs --instance i-…');
        if (!this.world.instances.has(r.instance)) throw new FaultError(`no instance ${r.instance} in the lab`);
        this.failingStarts.add(r.instance);
        this.add('start-fails', `starts of ${r.instance} fall back to stopped (Client.InternalError)`);
        break;
      }
      default:
        this.applyToController(r);
    }
    return this.list();
  }

  /** The AWS front end asks before serving each request: a throttled one gets AWS's answer. */
  admit(service: 'ec2' | 'kms'): AwsFault | undefined {
    if (this.throttleRate === 0 || this.random() >= this.throttleRate) return undefined;
    // EC2 answers 503 RequestLimitExceeded; KMS 400 ThrottlingException (both retried by the SDK).
    return service === 'ec2'
      ? new AwsFault('RequestLimitExceeded', 'Request limit exceeded.', 503)
      : new AwsFault('ThrottlingException', 'Rate exceeded', 400);
  }

  clear(): void {
    this.throttleRate = 0;
    this.failingStarts.clear();
    this.controller?.clear();
    for (const f of this.active) this.timeline.record(`fault:${f.kind}`, 'cleared');
    this.active = [];
  }

  private applyToController(r: FaultRequest): void {
    const c = this.controller;
    if (!c) throw new FaultError(`${r.kind} needs the simulated Controller, which this lab does not run`);
    const until = () => Date.now() + this.clock.scaled(r.forMs ?? 60_000);
    if (r.kind === 'avi-503') {
      const end = until();
      c.unavailableUntil(end);
      this.add('avi-503', 'the Controller API answers 503', end);
    } else if (r.kind === 'api-down') {
      const end = until();
      c.unreachableUntil(end);
      this.add('api-down', 'no Controller node answers', end);
    } else if (r.kind === 'avi-session-expire') {
      c.expireSessions();
      this.timeline.record('fault:avi-session-expire', 'sessions expired');
    } else if (r.kind === 'no-converge') {
      if (!r.node) throw new FaultError('no-converge needs --node <ip>');
      c.neverConverge(r.node);
      this.add('no-converge', `node ${r.node} never re-joins the cluster`);
    }
  }

  private add(kind: FaultKind, detail: string, until?: number): void {
    this.active = this.active.filter((f) => f.kind !== kind);
    const fault: ActiveFault = { kind, detail, since: new Date().toISOString(), ...(until ? { until: new Date(until).toISOString() } : {}) };
    this.active.push(fault);
    this.timeline.record(`fault:${kind}`, 'active', detail);
    // `until` is already scaled: a plain timer, which must not keep the lab alive by itself.
    if (until) setTimeout(() => this.timeline.record(`fault:${kind}`, 'ended'), until - Date.now()).unref();
  }

  private bootCheck(inst: InstanceRecord) {
    return this.failingStarts.has(inst.instanceId) ? CLIENT_ERROR : undefined;
  }

  private random(): number {
    // xorshift32: deterministic across runs of the same lab.
    this.seed ^= this.seed << 13;
    this.seed ^= this.seed >>> 17;
    this.seed ^= this.seed << 5;
    return (this.seed >>> 0) / 0x1_0000_0000;
  }
}
