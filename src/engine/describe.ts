// `describe --strategy S`: the runbook drawn from its definition, without connecting anywhere.

import { describeJson, describeMermaid, describeText } from '../runbook/describe.js';
import { buildMachine } from '../runbook/machine.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { runbookFor } from './registry.js';

export function describe(strategy: string, format: 'text' | 'mermaid' | 'json', out: NodeJS.WritableStream): ExitCode {
  const module = runbookFor(strategy);
  const { fingerprint } = buildMachine(module.definition);
  const text = format === 'json'
    ? JSON.stringify(describeJson(module.definition, fingerprint), null, 2)
    : format === 'mermaid' ? describeMermaid(module.definition) : describeText(module.definition, fingerprint);
  out.write(`${text}\n`);
  return EXIT.ok;
}
