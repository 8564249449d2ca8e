// EC2 Query protocol parameters: flat `Name.N.Member` keys from a form body, read back into
// lists and structures the way the SDK's ec2 query serializer flattens them.

import { AwsFault } from './fault.js';

export class QueryParams {
  private constructor(private readonly entries: Map<string, string>) {}

  static parse(body: string): QueryParams {
    return new QueryParams(new Map(new URLSearchParams(body)));
  }

  get(name: string): string | undefined {
    return this.entries.get(name);
  }

  require(name: string): string {
    const v = this.entries.get(name);
    if (v === undefined || v === '') throw new AwsFault('MissingParameter', `The request must contain the parameter ${name}`);
    return v;
  }

  bool(name: string): boolean | undefined {
    const v = this.entries.get(name);
    if (v === undefined) return undefined;
    if (v !== 'true' && v !== 'false') throw invalidValue(name, v);
    return v === 'true';
  }

  int(name: string): number | undefined {
    const v = this.entries.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n)) throw invalidValue(name, v);
    return n;
  }

  /** Values of `Name.1`, `Name.2`, ... in index order. */
  list(name: string): string[] {
    return this.indexed(name)
      .filter(([, rest]) => rest === '')
      .map(([, , value]) => value);
  }

  /** Sub-structures `Name.N.*`, each as its own QueryParams, in index order. */
  groups(name: string): QueryParams[] {
    const byIndex = new Map<number, Map<string, string>>();
    for (const [n, rest, value] of this.indexed(name)) {
      if (!rest.startsWith('.')) continue;
      if (!byIndex.has(n)) byIndex.set(n, new Map());
      byIndex.get(n)!.set(rest.slice(1), value);
    }
    return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, m]) => new QueryParams(m));
  }

  /** `Tag.N.Key` / `Tag.N.Value` pairs. */
  tags(name = 'Tag'): Record<string, string> {
    const tags: Record<string, string> = {};
    for (const g of this.groups(name)) tags[g.require('Key')] = g.get('Value') ?? '';
    return tags;
  }

  /** `Filter.N.Name` / `Filter.N.Value.M`. */
  /** DeleteTags' Tag.N.Key with an optional Tag.N.Value: a key alone matches any value. */
  tagKeys(name = 'Tag'): Array<{ key: string; value?: string }> {
    return this.groups(name).map((g) => {
      const value = g.get('Value');
      return value === undefined ? { key: g.require('Key') } : { key: g.require('Key'), value };
    });
  }

  filters(): Filter[] {
    return this.groups('Filter').map((g) => ({ name: g.require('Name'), values: g.list('Value') }));
  }

  private indexed(name: string): [number, string, string][] {
    const out: [number, string, string][] = [];
    const re = new RegExp(`^${name.replace(/\./g, '\\.')}\\.(\\d+)(.*)$`);
    for (const [key, value] of this.entries) {
      const m = re.exec(key);
      if (m) out.push([Number(m[1]), m[2]!, value]);
    }
    return out.sort(([a], [b]) => a - b);
  }
}

export interface Filter {
  name: string;
  values: string[];
}

export function invalidValue(name: string, value: string): AwsFault {
  return new AwsFault('InvalidParameterValue', `Value (${value}) for parameter ${name} is invalid.`);
}
