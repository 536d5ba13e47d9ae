/**
 * FindItem with an IndexedPageItemView on any folder, with an optional Restriction and SortOrder, as published in
 * `web-service-reference/finditem-operation.md`, `indexedpageitemview.md`, `restriction.md`, `sortorder.md`:
 *
 *   <m:FindItem Traversal="Shallow">
 *     <m:ItemShape>…</m:ItemShape>
 *     <m:IndexedPageItemView MaxEntriesReturned="100" Offset="0" BasePoint="Beginning"/>
 *     <m:Restriction><t:And><t:IsEqualTo><t:FieldURI FieldURI="item:Categories"/>
 *       <t:FieldURIOrConstant><t:Constant Value="…"/></t:FieldURIOrConstant></t:IsEqualTo>…</t:And></m:Restriction>
 *     <m:SortOrder><t:FieldOrder Order="Descending"><t:FieldURI FieldURI="item:DateTimeReceived"/></t:FieldOrder></m:SortOrder>
 *     <m:ParentFolderIds>…</m:ParentFolderIds>
 *   </m:FindItem>
 *
 * Answer: `<m:RootFolder IndexedPagingOffset="…" TotalItemsInView="…" IncludesLastItemInRange="…"><t:Items>…`.
 * Restrictions: And / Or / Not, the relational filters (IsEqualTo … IsLessThanOrEqualTo) against a constant, Exists
 * and Contains (ContainmentMode, ContainmentComparison). A multi-valued property (Categories) matches when one of its
 * values does; string comparisons ignore case, as Exchange's default collation does. Restricted searches are capped at
 * 250 items per response ("searches with a restriction return at most 250").
 */
import type { StoredItem } from '../store';
import { StoreError } from '../store';
import { folderIdRefs, resolveFolderRef } from './folders';
import { itemXml, type ItemShape } from './items';
import type { OperationContext } from './operations';
import { success, errorMessage } from './soap';
import { all, attr, child, childNames, el, SchemaError, type XNode } from './xml';

/** Exchange's limit for restricted searches. */
export const RESTRICTED_FIND_LIMIT = 250;
/** EWSFindCountLimit. */
export const FIND_COUNT_LIMIT = 1000;

type Value = string | number | boolean | undefined;

/** The value(s) of a FieldURI on a stored item, for comparisons. Instants are epoch milliseconds. */
function fieldValues(item: StoredItem, uri: string): Value[] {
  const instant = (iso: string | undefined): Value => (iso ? Date.parse(iso) : undefined);
  switch (uri) {
    case 'item:Categories':
      return item.categories;
    case 'item:Subject':
      return ['subject' in item ? item.subject : undefined];
    case 'item:DateTimeReceived':
      return [instant(item.kind === 'message' ? item.receivedAt ?? item.createdAt : item.createdAt)];
    case 'item:DateTimeSent':
      return [instant(item.kind === 'message' ? item.sentAt ?? item.createdAt : item.createdAt)];
    case 'item:DateTimeCreated':
      return [instant(item.createdAt)];
    case 'item:LastModifiedTime':
      return [instant(item.lastModifiedAt)];
    case 'item:ItemClass':
      return [{ message: 'IPM.Note', event: 'IPM.Appointment', task: 'IPM.Task', contact: 'IPM.Contact' }[item.kind]];
    case 'message:IsRead':
      return [item.kind === 'message' ? item.isRead : undefined];
    case 'message:InternetMessageId':
      return [item.kind === 'message' ? item.internetMessageId : undefined];
    case 'item:ConversationId':
    case 'message:ConversationId':
      return [item.kind === 'message' ? item.conversationId : undefined];
    default:
      throw new SchemaError(`The emulator cannot restrict on ${uri}.`);
  }
}

const INSTANT_FIELDS = new Set(['item:DateTimeReceived', 'item:DateTimeSent', 'item:DateTimeCreated', 'item:LastModifiedTime']);

function fieldOf(node: XNode | undefined): string {
  const uri = attr(child(node, 'FieldURI'), 'FieldURI');
  if (!uri) throw new SchemaError('A search expression needs a FieldURI (the emulator does not restrict on indexed or extended fields).');
  return uri;
}

function constantOf(node: XNode | undefined, uri: string): Value {
  const constant = child(child(node, 'FieldURIOrConstant'), 'Constant');
  const raw = attr(constant, 'Value');
  if (raw === undefined) throw new SchemaError('FieldURIOrConstant must hold a Constant (comparing two fields is not emulated).');
  if (INSTANT_FIELDS.has(uri)) {
    const ms = Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(raw) ? raw : `${raw}Z`);
    if (Number.isNaN(ms)) throw new StoreError('ErrorInvalidRequest', `'${raw}' is not a valid xs:dateTime for ${uri}.`);
    return ms;
  }
  if (uri === 'message:IsRead') return raw === 'true' || raw === '1';
  return raw;
}

function compare(a: Value, b: Value): number | undefined {
  if (a === undefined || b === undefined) return undefined;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b ? 0 : 1;
  return String(a).toLowerCase().localeCompare(String(b).toLowerCase());
}

const RELATIONAL: Record<string, (c: number) => boolean> = {
  IsEqualTo: (c) => c === 0,
  IsNotEqualTo: (c) => c !== 0,
  IsGreaterThan: (c) => c > 0,
  IsGreaterThanOrEqualTo: (c) => c >= 0,
  IsLessThan: (c) => c < 0,
  IsLessThanOrEqualTo: (c) => c <= 0,
};

type Predicate = (item: StoredItem) => boolean;

/** Compiles every search expression child of `node` (Restriction / And / Or hold several, Not one). */
function expressions(node: XNode | undefined): Predicate[] {
  const out: Predicate[] = [];
  for (const name of childNames(node)) for (const expr of all(node, name)) out.push(compile(name, expr));
  return out;
}

function compile(name: string, node: XNode): Predicate {
  if (name === 'And' || name === 'Or') {
    const parts = expressions(node);
    if (parts.length === 0) throw new SchemaError(`${name} needs at least one search expression.`);
    return name === 'And' ? (i) => parts.every((p) => p(i)) : (i) => parts.some((p) => p(i));
  }
  if (name === 'Not') {
    const [inner, ...rest] = expressions(node);
    if (!inner || rest.length > 0) throw new SchemaError('Not holds exactly one search expression.');
    return (i) => !inner(i);
  }
  if (name === 'Exists') {
    const uri = fieldOf(node);
    return (i) => fieldValues(i, uri).some((v) => v !== undefined && v !== '');
  }
  if (name === 'Contains') {
    const uri = fieldOf(node);
    const needle = attr(child(node, 'Constant'), 'Value') ?? '';
    const mode = attr(node, 'ContainmentMode') ?? 'Substring';
    const loose = (attr(node, 'ContainmentComparison') ?? 'Exact') !== 'Exact';
    const norm = (s: string): string => (loose ? s.toLowerCase() : s);
    const test = (value: string): boolean => {
      const v = norm(value);
      const n = norm(needle);
      if (mode === 'FullString') return v === n;
      if (mode === 'Prefixed') return v.startsWith(n);
      return v.includes(n);
    };
    return (i) => fieldValues(i, uri).some((v) => typeof v === 'string' && test(v));
  }
  const relation = RELATIONAL[name];
  if (!relation) throw new SchemaError(`The search expression ${name} is not supported by the emulator.`);
  const uri = fieldOf(node);
  const constant = constantOf(node, uri);
  return (i) =>
    fieldValues(i, uri).some((v) => {
      const c = compare(v, constant);
      return c !== undefined && relation(c);
    });
}

function sortKeys(op: XNode): { uri: string; descending: boolean }[] {
  return all(child(op, 'SortOrder'), 'FieldOrder').map((order) => ({ uri: fieldOf(order), descending: attr(order, 'Order') === 'Descending' }));
}

/** FindItem with an IndexedPageItemView (called by operations.ts for that view). */
export function findItemsIndexed(op: XNode, ctx: OperationContext, shape: ItemShape, forbidden: string[]): string {
  const view = child(op, 'IndexedPageItemView');
  const maxAttr = attr(view, 'MaxEntriesReturned');
  const requested = maxAttr === undefined ? FIND_COUNT_LIMIT : Number(maxAttr);
  const offset = Number(attr(view, 'Offset') ?? '0');
  const basePoint = attr(view, 'BasePoint') ?? 'Beginning';
  if (!Number.isInteger(requested) || requested < 1) throw new SchemaError('MaxEntriesReturned must be a positive integer.');
  if (!Number.isInteger(offset) || offset < 0) throw new SchemaError('Offset must be a non-negative integer.');
  if ((attr(op, 'Traversal') ?? 'Shallow') !== 'Shallow') throw new SchemaError('The emulator supports Shallow FindItem traversal only.');
  const restriction = child(op, 'Restriction');
  const predicates = restriction === undefined ? [] : expressions(restriction);
  if (restriction !== undefined && predicates.length !== 1) throw new SchemaError('Restriction holds exactly one search expression.');
  const matches: Predicate = predicates[0] ?? (() => true);
  const keys = sortKeys(op);
  const limit = Math.min(requested, restriction !== undefined ? RESTRICTED_FIND_LIMIT : FIND_COUNT_LIMIT);

  return folderIdRefs(child(op, 'ParentFolderIds'))
    .map((ref) => {
      try {
        if (forbidden.length > 0) throw new StoreError('ErrorInvalidRequest', `${forbidden.join(', ')} cannot be requested in FindItem; use GetItem.`);
        const folder = resolveFolderRef(ctx.store, ctx.mailbox, ref);
        const found = ctx.store.listItems(ctx.mailbox, folder.id).filter(matches);
        found.sort((a, b) => {
          for (const key of keys) {
            const c = compare(fieldValues(a, key.uri)[0], fieldValues(b, key.uri)[0]) ?? 0;
            if (c !== 0) return key.descending ? -c : c;
          }
          return a.id.localeCompare(b.id);
        });
        const ordered = basePoint === 'End' ? [...found].reverse() : found;
        const page = ordered.slice(offset, offset + limit);
        const last = offset + page.length >= ordered.length;
        return success(
          'FindItem',
          el('m:RootFolder', el('t:Items', page.map((i) => itemXml(i, shape)).join('')), {
            IndexedPagingOffset: offset + page.length,
            TotalItemsInView: ordered.length,
            IncludesLastItemInRange: last,
          }),
        );
      } catch (error) {
        if (error instanceof StoreError) return errorMessage('FindItem', error.code, error.message, '');
        throw error;
      }
    })
    .join('');
}
