/**
 * Reading C4C's OData V2 JSON (c4c-odata.md §5): the `d` envelope with C4C's single-entity quirk
 * (`{"d":{"results":{…}}}` as well as the standard `{"d":{…}}`), `__count` as a string, `__next` links,
 * `/Date(ms)/` values, `__deferred` navigations and expanded to-many navigations as plain arrays or `{results}`.
 *
 * Entities come out normalized: dates as ISO 8601 strings, deferred navigations removed, expanded to-many
 * navigations as arrays, `__metadata` kept (it holds the ETag).
 */
import { C4cProtocolError } from './errors';

export interface ODataMetadata {
  uri?: string;
  type?: string;
  etag?: string;
}

/** Every entity the client returns has these; the rest is typed per entity in entities.ts. */
export interface C4cEntityBase {
  __metadata?: ODataMetadata;
  ObjectID: string;
}

export interface CollectionPage<T> {
  results: T[];
  /** `$inlinecount=allpages` total (C4C sends it as a string), when requested. */
  count?: number;
  /** Absolute URL of the next page (server-side paging), when there is one. */
  next?: string;
}

const DATE_PATTERN = /^\/Date\((-?\d+)(?:([+-])(\d{2})(\d{2}))?\)\/$/;

/** `/Date(1767056939905)/` (optionally with a `+hhmm` offset, as some V2 servers send) → Date; else null. */
export function parseODataDate(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const match = DATE_PATTERN.exec(value);
  if (!match) return null;
  // The number is the UTC instant; the offset only says which zone the value was entered in.
  return new Date(Number(match[1]));
}

/** OData V2 JSON literal of an instant, for request bodies that want it (ISO strings are accepted as well). */
export function toODataDate(value: Date | string): string {
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`not a date: ${String(value)}`);
  return `/Date(${ms})/`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDeferred(value: unknown): boolean {
  return isPlainObject(value) && '__deferred' in value && Object.keys(value).length === 1;
}

/** `{results:[…]}` without entity metadata = an expanded to-many navigation in the V2-standard form. */
function isWrappedArray(value: unknown): value is { results: unknown[] } {
  return isPlainObject(value) && Array.isArray(value.results) && !('__metadata' in value);
}

/** Normalize one entity (recursively for expanded navigations). Unknown properties pass through untouched. */
export function normalizeEntity<T>(raw: unknown): T {
  if (!isPlainObject(raw)) throw new C4cProtocolError('C4C entity is not a JSON object');
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === '__metadata') {
      out[key] = value;
      continue;
    }
    if (isDeferred(value)) continue;
    if (typeof value === 'string') {
      const date = parseODataDate(value);
      out[key] = date ? date.toISOString() : value;
    } else if (Array.isArray(value)) {
      out[key] = value.map((item) => (isPlainObject(item) ? normalizeEntity(item) : item));
    } else if (isWrappedArray(value)) {
      out[key] = value.results.map((item) => (isPlainObject(item) ? normalizeEntity(item) : item));
    } else if (isPlainObject(value)) {
      // An expanded to-one navigation (or a complex value): normalize its dates too.
      out[key] = normalizeEntity(value);
    } else {
      out[key] = value;
    }
  }
  return out as T;
}

function envelope(body: unknown): Record<string, unknown> {
  if (!isPlainObject(body) || !isPlainObject(body.d)) {
    throw new C4cProtocolError('C4C response has no "d" envelope');
  }
  return body.d;
}

/** A single entity: `{"d":{"results":{…}}}` (C4C) or `{"d":{…}}` (standard V2). */
export function unwrapEntity<T>(body: unknown): T {
  const d = envelope(body);
  if (isPlainObject(d.results) && !('__deferred' in d.results)) return normalizeEntity<T>(d.results);
  // Tolerate a one-element array where a single entity was expected.
  if (Array.isArray(d.results)) {
    if (d.results.length === 1) return normalizeEntity<T>(d.results[0]);
    throw new C4cProtocolError(`C4C returned ${d.results.length} entities where one was expected`);
  }
  return normalizeEntity<T>(d);
}

/** A collection page: `{"d":{"results":[…],"__count":"n","__next":"…"}}`. */
export function unwrapCollection<T>(body: unknown): CollectionPage<T> {
  const d = envelope(body);
  const rows = Array.isArray(d) ? d : d.results;
  if (!Array.isArray(rows)) throw new C4cProtocolError('C4C collection response has no "results" array');
  const page: CollectionPage<T> = { results: rows.map((row) => normalizeEntity<T>(row)) };
  if (d.__count !== undefined && d.__count !== null) {
    const count = Number(d.__count);
    if (!Number.isNaN(count)) page.count = count;
  }
  if (typeof d.__next === 'string' && d.__next !== '') page.next = d.__next;
  return page;
}

/**
 * Result of a function import. V2 wraps primitives as `{"d":{"<Name>":value}}`; entity results come as entities
 * or collections (possibly in C4C's `results` wrapper).
 */
export function unwrapFunctionResult(body: unknown, functionName: string): unknown {
  const d = envelope(body);
  if (functionName in d) return d[functionName];
  if ('results' in d) {
    const results = d.results;
    if (isPlainObject(results) && functionName in results && Object.keys(results).filter((k) => k !== '__metadata').length === 1) {
      return results[functionName];
    }
    if (Array.isArray(results)) return results.map((row) => (isPlainObject(row) ? normalizeEntity(row) : row));
    if (isPlainObject(results)) return normalizeEntity(results);
    return results;
  }
  return normalizeEntity(d);
}

/** Weak ETag of an entity as read (header value form), e.g. `W/"datetimeoffset'2025-12-30T01%3A09%3A00.0253240Z'"`. */
export function etagOf(entity: { __metadata?: ODataMetadata }): string | undefined {
  return entity.__metadata?.etag;
}
