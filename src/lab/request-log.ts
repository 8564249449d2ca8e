// Every request the lab's simulated services receive, in arrival order, so tests and the
// /_lab/requests endpoint can check what avi-encrypt did (and that a dry run changed nothing).

import type { LabRequest } from './world/types.js';

/** Reads are Describe*, List*, Get* (AWS) or GET (the Controller's REST API); everything else mutates. */
export function isMutatingOperation(operation: string): boolean {
  return !/^(Describe|List|Get)[A-Z]/.test(operation) && !operation.startsWith('GET ');
}

export class RequestLog {
  private readonly entries: LabRequest[] = [];

  record(r: Omit<LabRequest, 'seq' | 'at'>): void {
    this.entries.push({ seq: this.entries.length + 1, at: new Date().toISOString(), ...r });
  }

  /** A copy, so readers cannot rewrite history. */
  list(): LabRequest[] {
    return this.entries.map((e) => ({ ...e }));
  }
}
