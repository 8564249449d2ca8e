// The runbook language: a runbook is a numbered list of steps, as in the Avi document,
// plus one block repeated for each node. It is plain data; src/steps/machine.ts turns it
// into an XState machine and the engine provides each step's effect by its id.

export interface StepSpec<C> {
  kind: 'action' | 'wait';
  /** Stable id: the actor name, the journal key and the plan key. Never rename a shipped id. */
  id: string;
  /** What the step does, in the document's words. */
  title: string;
  /** What the step waits for ("cluster READY"). A step that waits gets a deadline in context. */
  awaits?: string;
  /** The document step this implements ("3" or "8"), shown in the plan. */
  doc?: string;
  /** True when this step takes the current node down (stops its VM). */
  downtime?: boolean;
  /** True for the step after which the current node is back in service. */
  upAgain?: boolean;
  /** Reads only, before anything is changed: a failure here means "refused", not "failed half-way". */
  preflight?: boolean;
  /** The step runs only when this holds; otherwise it is skipped. */
  when?: (ctx: C) => boolean;
}

export interface NodeBlock<C> {
  kind: 'each-node';
  title: string;
  steps: StepSpec<C>[];
  /** A node is passed over entirely when this holds (for example its root is already encrypted). */
  skipNode?: (ctx: C, nodeIndex: number) => boolean;
}

export type RunbookEntry<C> = StepSpec<C> | NodeBlock<C>;

export interface RunbookDefinition<C> {
  strategy: string;
  /** Bumped when states change shape: a saved run of another version is refused on resume. */
  version: number;
  /** The section of the Avi document this runbook follows. */
  document: string;
  entries: RunbookEntry<C>[];
}

type StepOptions<C> = Pick<StepSpec<C>, 'doc' | 'downtime' | 'upAgain' | 'preflight' | 'when' | 'awaits'>;

export function step<C>(id: string, title: string, options: StepOptions<C> = {}): StepSpec<C> {
  return { kind: 'action', id, title, ...options };
}

export function wait<C>(id: string, awaits: string, options: StepOptions<C> = {}): StepSpec<C> {
  return { kind: 'wait', id, title: `wait for ${awaits}`, awaits, ...options };
}

export function eachNode<C>(
  title: string,
  steps: StepSpec<C>[],
  skipNode?: (ctx: C, nodeIndex: number) => boolean,
): NodeBlock<C> {
  return { kind: 'each-node', title, steps, ...(skipNode ? { skipNode } : {}) };
}

/** step/wait/eachNode bound to a context type and to the ids a step factory provides, so a typo is a type error. */
export function vocabulary<C, Id extends string>() {
  return {
    step: (id: Id, title: string, options: StepOptions<C> = {}) => step<C>(id, title, options),
    wait: (id: Id, awaits: string, options: StepOptions<C> = {}) => wait<C>(id, awaits, options),
    eachNode: (title: string, steps: StepSpec<C>[], skipNode?: (ctx: C, nodeIndex: number) => boolean) =>
      eachNode<C>(title, steps, skipNode),
  };
}

/** Every step of a runbook, in order, with whether it sits in the per-node block. */
export function stepsOf<C>(def: RunbookDefinition<C>): Array<StepSpec<C> & { perNode: boolean }> {
  return def.entries.flatMap((e): Array<StepSpec<C> & { perNode: boolean }> =>
    e.kind === 'each-node' ? e.steps.map((s) => ({ ...s, perNode: true })) : [{ ...e, perNode: false }],
  );
}
