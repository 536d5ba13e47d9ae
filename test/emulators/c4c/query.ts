/**
 * System query options of a read: $filter, $orderby, $top, $skip, $skiptoken, $select, $expand, $inlinecount,
 * $search, $format. Validated against the entity type so unknown names give C4C-style 400s.
 */
import type { EntityTypeModel, ServiceModel } from './edmx-model';
import { badRequest } from './errors';
import { parseFilter, type FilterNode, isCaseInsensitive, matches } from './filter';
import type { Row } from './values';

/** Expand tree: navigation name -> nested expansions. */
export type ExpandTree = Map<string, ExpandTree>;

/** Select tree; `all` means no restriction at this level. */
export interface SelectTree { all: boolean; props: Set<string>; navs: Map<string, SelectTree> }

export interface QueryOptions {
  filter?: FilterNode;
  orderby: { prop: string; desc: boolean }[];
  top?: number;
  skip: number;
  skiptoken?: number;
  select: SelectTree;
  expand: ExpandTree;
  inlinecount: boolean;
  search?: string[];
}

const KNOWN = new Set(['$filter', '$orderby', '$top', '$skip', '$skiptoken', '$select', '$expand', '$inlinecount', '$search', '$format', '$count']);

function nonNegInt(name: string, v: string): number {
  if (!/^\d+$/.test(v)) throw badRequest(`Invalid value '${v}' for system query option ${name}`);
  return Number(v);
}

function parseExpand(model: ServiceModel, type: EntityTypeModel, text: string): ExpandTree {
  const root: ExpandTree = new Map();
  for (const path of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    let node = root;
    let t: EntityTypeModel | undefined = type;
    for (const seg of path.split('/')) {
      const nav = t?.navigationByName.get(seg);
      if (!t || !nav) throw badRequest(`Property '${seg}' is not a navigation property of '${t?.name ?? '?'}' ($expand)`);
      let next = node.get(seg);
      if (!next) node.set(seg, (next = new Map()));
      node = next;
      t = model.types.get(nav.targetType);
    }
  }
  return root;
}

export function allSelected(): SelectTree {
  return { all: true, props: new Set(), navs: new Map() };
}

function parseSelect(model: ServiceModel, type: EntityTypeModel, text: string | undefined): SelectTree {
  if (!text || text.trim() === '' || text.trim() === '*') return allSelected();
  const root: SelectTree = { all: false, props: new Set(), navs: new Map() };
  for (const path of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    let node = root;
    let t: EntityTypeModel | undefined = type;
    const segs = path.split('/');
    segs.forEach((seg, i) => {
      const last = i === segs.length - 1;
      if (seg === '*' && last) { node.all = true; return; }
      if (!t) return; // below an unserved type nothing can be checked
      if (last && t.propertyByName.has(seg)) { node.props.add(seg); return; }
      const nav = t.navigationByName.get(seg);
      if (!nav) throw badRequest(`Property '${seg}' not found in type '${t.name}' ($select)`);
      let next = node.navs.get(seg);
      if (!next) node.navs.set(seg, (next = { all: last, props: new Set(), navs: new Map() }));
      node = next;
      t = model.types.get(nav.targetType);
    });
  }
  return root;
}

export function parseQueryOptions(
  model: ServiceModel,
  type: EntityTypeModel,
  params: URLSearchParams,
  opts: { inBatch: boolean },
): QueryOptions {
  for (const k of params.keys()) {
    if (k.startsWith('$') && !KNOWN.has(k)) throw badRequest(`System query option '${k}' is not supported`);
  }
  const filterText = params.get('$filter');
  const orderby = (params.get('$orderby') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [prop, dir = 'asc'] = s.split(/\s+/);
      if (!type.propertyByName.has(prop)) throw badRequest(`Property '${prop}' not found in type '${type.name}' ($orderby)`);
      if (dir !== 'asc' && dir !== 'desc') throw badRequest(`Invalid sort direction '${dir}' ($orderby)`);
      return { prop, desc: dir === 'desc' };
    });
  const inl = params.get('$inlinecount');
  if (inl !== null && inl !== 'allpages' && inl !== 'none') throw badRequest(`Invalid value '${inl}' for $inlinecount`);
  const searchText = params.get('$search');
  if (searchText !== null && opts.inBatch) throw badRequest('$search is not supported inside $batch');
  const search = searchText === null
    ? undefined
    : searchText.replace(/^'(.*)'$/, '$1').split(/\s+/).filter(Boolean);
  if (search?.some((t) => t.includes('"'))) throw badRequest('$search: double quotes are not supported');
  const topText = params.get('$top');
  const skipText = params.get('$skip');
  const tokenText = params.get('$skiptoken');
  return {
    filter: filterText ? parseFilter(filterText, type) : undefined,
    orderby,
    top: topText === null ? undefined : nonNegInt('$top', topText),
    skip: skipText === null ? 0 : nonNegInt('$skip', skipText),
    skiptoken: tokenText === null ? undefined : nonNegInt('$skiptoken', tokenText),
    select: parseSelect(model, type, params.get('$select') ?? undefined),
    expand: parseExpand(model, type, params.get('$expand') ?? ''),
    inlinecount: inl === 'allpages',
    search,
  };
}

function searchMatches(terms: string[], row: Row, type: EntityTypeModel): boolean {
  const texts = type.properties
    .filter((p) => p.type === 'Edm.String' && p.filterable)
    .map((p) => String(row[p.name] ?? ''))
    .filter(Boolean);
  return terms.every((term) => {
    const body = term.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('\\S*');
    const re = new RegExp(`(^|[^\\p{L}\\p{N}])${body}($|[^\\p{L}\\p{N}])`, 'iu');
    return texts.some((t) => re.test(t));
  });
}

/**
 * The values a filter pins `prop` to when it is `prop eq '…'` or an `or` of such terms (what look-ups by key send),
 * so the rows can come from an index; undefined for any other filter.
 */
export function equalityValues(filter: FilterNode | undefined, prop: string): string[] | undefined {
  if (!filter) return undefined;
  if (filter.kind === 'cmp') return filter.op === 'eq' && filter.prop === prop && filter.value.kind === 'string' ? [filter.value.value] : undefined;
  if (filter.kind === 'or') {
    const left = equalityValues(filter.left, prop);
    const right = left && equalityValues(filter.right, prop);
    return left && right ? [...left, ...right] : undefined;
  }
  return undefined;
}

/** Filters, searches and sorts; paging is left to the caller because it needs the request URL. */
export function selectRows(rows: Row[], type: EntityTypeModel, q: QueryOptions): Row[] {
  let out = q.filter ? rows.filter((r) => matches(q.filter!, r, type)) : rows.slice();
  if (q.search) out = out.filter((r) => searchMatches(q.search!, r, type));
  if (q.orderby.length) {
    out.sort((a, b) => {
      for (const { prop, desc } of q.orderby) {
        let x = a[prop] ?? null;
        let y = b[prop] ?? null;
        if (typeof x === 'string' && typeof y === 'string' && isCaseInsensitive(prop)) { x = x.toLowerCase(); y = y.toLowerCase(); }
        if (x === y) continue;
        const c = x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
        return desc ? -c : c;
      }
      return 0;
    });
  }
  return out;
}
