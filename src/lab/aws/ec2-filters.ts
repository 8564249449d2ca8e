// EC2 Describe* filters: a resource matches when, for every filter, one of its values matches one
// of the filter's values (`*` and `?` wildcards allowed). Unknown filter names are refused, as AWS does.

import type { Tags } from '../world/types.js';
import { AwsFault } from './fault.js';
import type { Filter } from './query.js';

export type FilterFields<T> = Record<string, (item: T) => (string | number | boolean | undefined)[]>;

function glob(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

function tagValues(name: string, tags: Tags): string[] | undefined {
  if (name.startsWith('tag:')) {
    const v = tags[name.slice(4)];
    return v === undefined ? [] : [v];
  }
  if (name === 'tag-key') return Object.keys(tags);
  if (name === 'tag-value') return Object.values(tags);
  return undefined;
}

/** Resources without tags (VPCs, subnets, zones) match only `tag:` filters asking for nothing. Unknown names are refused even for an empty page. */
export function applyFilters<T extends object>(items: T[], filters: Filter[], fields: FilterFields<T>): T[] {
  for (const f of filters) {
    if (!(f.name in fields) && tagValues(f.name, {}) === undefined) {
      throw new AwsFault('InvalidParameterValue', `The filter '${f.name}' is invalid`);
    }
  }
  return items.filter((item) =>
    filters.every((f) => {
      const tags = 'tags' in item ? (item.tags as Tags) : {};
      const values = tagValues(f.name, tags) ?? fields[f.name]!(item).filter((v) => v !== undefined).map(String);
      const patterns = f.values.map(glob);
      return values.some((v) => patterns.some((p) => p.test(v)));
    }),
  );
}
