// What `lab fault` does to the simulated Controller: the API answering 503 or nothing for a
// while, every session ending, a node that never re-converges. The cluster consults it; clearing
// lets a node held back converge as it normally would.

import type { ControllerFaults } from '../faults.js';

export interface ConvergeAgain {
  /** Nodes up and still converging: held back by no-converge. */
  stuck(ip: string): boolean;
  converge(ip: string): void;
  endSessions(): void;
  /** The API's availability changed: record it in the timeline. */
  refresh(detail: string): void;
}

export class ControllerFaultState implements ControllerFaults {
  private unavailable = 0;
  private unreachable = 0;
  private readonly held = new Set<string>();

  constructor(private readonly cluster: ConvergeAgain) {}

  unavailableUntil(epochMs: number): void {
    this.unavailable = epochMs;
    this.window(epochMs, 'fault avi-503');
  }

  unreachableUntil(epochMs: number): void {
    this.unreachable = epochMs;
    this.window(epochMs, 'fault api-down');
  }

  /** The timeline shows the API change now and when the window ends (a plain timer: it is already scaled). */
  private window(until: number, what: string): void {
    this.cluster.refresh(what);
    setTimeout(() => this.cluster.refresh(`${what} over`), Math.max(0, until - Date.now())).unref();
  }

  expireSessions(): void {
    this.cluster.endSessions();
  }

  neverConverge(ip: string): void {
    this.held.add(ip);
  }

  clear(): void {
    this.unavailable = 0;
    this.unreachable = 0;
    this.cluster.refresh('faults cleared');
    const held = [...this.held];
    this.held.clear();
    for (const ip of held) if (this.cluster.stuck(ip)) this.cluster.converge(ip);
  }

  /** The API as the faults have it now; undefined = as the cluster says. */
  apiOverride(): 'unreachable' | 'unavailable' | undefined {
    const now = Date.now();
    if (now < this.unreachable) return 'unreachable';
    if (now < this.unavailable) return 'unavailable';
    return undefined;
  }

  holdsBack(ip: string): boolean {
    return this.held.has(ip);
  }
}
