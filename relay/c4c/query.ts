/**
 * OData V2 query options and `$filter` literals for C4C (c4c-odata.md §6). Values are escaped for OData (`'` → `''`)
 * and then percent-encoded, because the same query text is used in URLs and in `$batch` request lines, where the
 * guide requires URL-encoded query options.
 */

export interface ODataQuery {
  /** A `$filter` expression, already built with the helpers below (raw text, not yet URL-encoded). */
  filter?: string;
  select?: readonly string[];
  expand?: readonly string[];
  top?: number;
  skip?: number;
  /** e.g. `['LastChangeDateTime desc', 'ID']`. */
  orderby?: readonly string[];
  /** Ask for `__count` (`$inlinecount=allpages`). */
  inlineCount?: boolean;
}

/** An OData string literal: `'O''Brien'`. */
export function stringLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A `datetimeoffset'…'` literal in UTC. */
export function dateTimeOffsetLiteral(value: Date | string): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a date: ${String(value)}`);
  return `datetimeoffset'${date.toISOString().replace(/\.\d{3}Z$/, 'Z')}'`;
}

const PROPERTY = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;

function checkProperty(name: string): string {
  if (!PROPERTY.test(name)) throw new RangeError(`not an OData property name: ${name}`);
  return name;
}

export function eq(property: string, value: string): string {
  return `${checkProperty(property)} eq ${stringLiteral(value)}`;
}

/**
 * `P eq 'a' or P eq 'b'` — C4C only allows `or` between conditions on the same property, which this helper
 * guarantees by construction. Duplicates are dropped; an empty list is a programming error.
 */
export function anyOf(property: string, values: readonly string[]): string {
  const distinct = [...new Set(values)];
  if (distinct.length === 0) throw new RangeError(`anyOf(${property}) needs at least one value`);
  return distinct.map((value) => eq(property, value)).join(' or ');
}

export function startsWith(property: string, prefix: string): string {
  return `startswith(${checkProperty(property)},${stringLiteral(prefix)})`;
}

/**
 * C4C's `*` wildcard inside `eq` (`Name eq '*Porter*'`) = "contains". `*` in the user's text cannot be escaped,
 * so it is removed.
 */
export function contains(property: string, text: string): string {
  return `${checkProperty(property)} eq ${stringLiteral(`*${text.replace(/\*/g, '')}*`)}`;
}

/** Join conditions with `and`, parenthesising `or` groups. */
export function and(...conditions: Array<string | undefined>): string {
  const present = conditions.filter((c): c is string => Boolean(c));
  return present.map((c) => (present.length > 1 && / or /.test(c) ? `(${c})` : c)).join(' and ');
}

const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The text with every lone surrogate replaced by U+FFFD, as any UTF-8 encoder does (`String.prototype.toWellFormed`).
 * `encodeURIComponent` throws a URIError on a lone surrogate; C4C stores UTF-8, so a value holding one can never have
 * been stored there and the replaced literal matches exactly what the original could. The relay's boundary refuses
 * such input (shared/api/fields.ts); this keeps data from elsewhere (a mailbox's subject) from failing a query.
 */
export function wellFormed(value: string): string {
  return value.replace(LONE_SURROGATES, '\uFFFD');
}

/**
 * Percent-encode a query option value. Keeps the characters OData expressions use that are safe in a query
 * (quotes, parentheses, commas, slashes, `*`, `$`) readable, encodes everything else (spaces, `@`, `&`, `#`, `+`, `%`,
 * non-ASCII).
 */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(wellFormed(value)).replace(/%2C/gi, ',').replace(/%2F/gi, '/').replace(/%24/g, '$');
}

/** The query string (without `?`) for the options; `$format=json` is not added (we send `Accept`). */
export function buildQueryString(query: ODataQuery = {}, extra: Record<string, string> = {}): string {
  const parts: string[] = [];
  if (query.filter) parts.push(`$filter=${encodeQueryValue(query.filter)}`);
  if (query.select?.length) parts.push(`$select=${encodeQueryValue(query.select.map(checkProperty).join(','))}`);
  if (query.expand?.length) parts.push(`$expand=${encodeQueryValue(query.expand.map(checkProperty).join(','))}`);
  if (query.orderby?.length) {
    for (const clause of query.orderby) {
      if (!/^[A-Za-z_][A-Za-z0-9_/]*( (asc|desc))?$/.test(clause)) throw new RangeError(`not an $orderby clause: ${clause}`);
    }
    parts.push(`$orderby=${encodeQueryValue(query.orderby.join(','))}`);
  }
  if (query.top !== undefined) parts.push(`$top=${nonNegativeInt(query.top, '$top')}`);
  if (query.skip !== undefined) parts.push(`$skip=${nonNegativeInt(query.skip, '$skip')}`);
  if (query.inlineCount) parts.push('$inlinecount=allpages');
  for (const [key, value] of Object.entries(extra)) parts.push(`${encodeQueryValue(key)}=${encodeQueryValue(value)}`);
  return parts.join('&');
}

function nonNegativeInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer`);
  return value;
}

/** `EMailCollection('00163E…')` — the key of every c4codataapi entity is its ObjectID. */
export function entityPath(entitySet: string, objectId: string): string {
  // Percent-encode so a hostile key cannot add path segments or a query.
  return `${checkEntitySet(entitySet)}(${encodeURIComponent(stringLiteral(wellFormed(objectId)))})`;
}

export function checkEntitySet(entitySet: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(entitySet)) throw new RangeError(`not an entity set name: ${entitySet}`);
  return entitySet;
}

/** Path plus query string: `ContactCollection?$filter=…`. */
export function withQuery(path: string, queryString: string): string {
  return queryString ? `${path}?${queryString}` : path;
}
