// `describe` draws a runbook from its definition alone: steps with their document numbers, the
// loop, the gate and the rollback, as text, Mermaid and JSON.

import { describe as suite, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { execute } from '../../src/cli/execute.js';
import { parseCommand } from '../../src/cli/parse.js';
import { EXIT } from '../../src/engine/exit-codes.js';

async function describeCli(...args: string[]): Promise<{ code: number; out: string }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const code = await execute(await parseCommand(['describe', ...args], {}), { out, err: new PassThrough(), env: {}, stdin: new PassThrough() });
  return { code, out: text };
}

suite('describe', () => {
  it('text: every step with its document number, the gate, the loop and its rollback', async () => {
    const { code, out } = await describeCli('--strategy', 'controller-swap');
    expect(code).toBe(EXIT.ok);
    expect(out).toMatch(/^controller-swap: "Controller 1-node or 3-node cluster using Existing Controller VMs" \(shape [0-9a-f]{12}\)/);
    expect(out).toMatch(/ {2}3 {5}stop-node: Shut down the Controller {2}\[takes it DOWN\]/);
    expect(out).toContain('APPROVAL nodes-go-down: Each Controller node goes down in turn');
    expect(out).toContain('EACH nodes (one at a time): For each node, followers first and the leader last');
    expect(out).toContain('ROLLBACK of that item, when one of its steps fails:');
    expect(out.indexOf('APPROVAL')).toBeLessThan(out.indexOf('stop-node'));
  });

  it('mermaid: a flowchart with the loop as a subgraph, the gate, the next-item edge and the rollback edge', async () => {
    const { out } = await describeCli('--strategy', 'controller-swap', '--format', 'mermaid');
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('flowchart TD');
    expect(out).toContain('nodes_go_down{{"APPROVAL: Each Controller node goes down in turn"}}');
    expect(out).toContain('subgraph nodes["each nodes: one at a time"]');
    expect(out).toContain('tag_old_root -. next item .-> stop_node');
    expect(out).toContain('nodes -. a step fails .-> rollback_stop_node');
    // Every edge joins nodes that are declared.
    const declared = new Set(lines.flatMap((l) => /^\s*([A-Za-z0-9_]+)[[({]/.exec(l)?.[1] ?? []));
    declared.add('nodes');
    for (const l of lines.filter((x) => /-->|-\. /.test(x))) {
      const [from, to] = [/^\s*(\w+)/.exec(l)![1]!, /(\w+)\s*$/.exec(l)![1]!];
      expect({ l, from: declared.has(from), to: declared.has(to) }).toEqual({ l, from: true, to: true });
    }
  });

  it('json: the definition as data, with the fingerprint', async () => {
    const { out } = await describeCli('--strategy', 'controller-swap', '--format', 'json');
    const d = JSON.parse(out) as { fingerprint: string; entries: Array<{ kind: string; id: string; rollback?: unknown[]; concurrency?: number }> };
    expect(d.fingerprint).toMatch(/^[0-9a-f]{12}$/);
    const nodes = d.entries.find((e) => e.kind === 'each')!;
    expect(nodes).toMatchObject({ id: 'nodes', concurrency: 1 });
    expect(nodes.rollback).toHaveLength(11);
    // controller-new-vms: the launches fan out, its members block rolls a node back.
    const nv = JSON.parse((await describeCli('--strategy', 'controller-new-vms', '--format', 'json')).out) as typeof d;
    expect(nv.entries.filter((e) => e.kind === 'each').map((e) => [e.id, e.concurrency])).toEqual([['launches', 3], ['members', 1], ['retire', 3], ['terminate', 3]]);
    expect(nv.entries.find((e) => e.id === 'members')!.rollback).toHaveLength(4);
  });
});
