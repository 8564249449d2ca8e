// The common shape of EC2 Describe* actions: resources by id (each must exist and be visible) or the
// whole listing, cut into a page, then filtered, with the page's NextToken.

import { applyFilters, type FilterFields } from './ec2-filters.js';
import type { Ec2Context } from './ec2.js';
import { ec2Page, type Ec2PageRule } from './paging.js';
import type { QueryParams } from './query.js';

export interface Listing<T> {
  action: string;
  rule: Ec2PageRule;
  /** The ids the request names (`InstanceId.N`, ...), if any. */
  ids: string[];
  /** One named resource, or the AWS NotFound error. */
  byId(id: string): T;
  /** Everything the caller may see, in a stable order. */
  all(): T[];
  fields: FilterFields<T>;
}

export function describe<T extends object>(q: QueryParams, ctx: Ec2Context, listing: Listing<T>): { items: T[]; nextToken?: string } {
  const filters = q.filters();
  const byIds = listing.ids.length > 0;
  const items = byIds ? listing.ids.map((id) => listing.byId(id)) : listing.all();
  return ec2Page(items, q, {
    action: listing.action,
    rule: listing.rule,
    byIds,
    forcedPageSize: ctx.pageSize,
    filter: (page) => applyFilters(page, filters, listing.fields),
  });
}
