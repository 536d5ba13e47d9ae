/**
 * `$filter` and `$orderby` of `GET /users/{id}/mailFolders/{id}/messages` (Graph `api/user-list-messages.md`,
 * `concepts/query-parameters.md`, "Use $filter and $orderby in the same query"):
 *
 *   $filter=receivedDateTime ge 2026-10-01T00:00:00Z and categories/any(c:c eq 'SAP Cloud for Customer')
 *   $orderby=receivedDateTime desc
 *
 * Grammar modelled: `and` / `or` / `not` / parentheses; comparisons `eq ne gt ge lt le` of receivedDateTime,
 * sentDateTime, createdDateTime, lastModifiedDateTime, isRead, isDraft, subject, conversationId, internetMessageId,
 * from/emailAddress/address; lambda `categories/any(x:x eq '…' [or x eq '…'])`. String literals use OData quoting
 * ('' for a quote); strings compare case-insensitively, as Exchange does.
 * Graph's rule for $orderby with $filter: the ordered properties must come first in the filter, in the same order,
 * else 400 InefficientFilter ("The restriction or sort order is too complex for this operation."). Without $orderby,
 * messages come newest first (receivedDateTime desc).
 */
import type { StoredItem, StoredMessage } from '../store';
import { GraphHttpError } from './odata';

type Value = string | number | boolean | null;
type Predicate = (m: StoredMessage) => boolean;

const INSTANT_PROPS: Record<string, (m: StoredMessage) => string | undefined> = {
  receiveddatetime: (m) => m.receivedAt ?? m.createdAt,
  sentdatetime: (m) => m.sentAt ?? m.createdAt,
  createddatetime: (m) => m.createdAt,
  lastmodifieddatetime: (m) => m.lastModifiedAt,
};
const OTHER_PROPS: Record<string, (m: StoredMessage) => Value> = {
  isread: (m) => m.isRead,
  isdraft: (m) => m.isDraft,
  subject: (m) => m.subject,
  conversationid: (m) => m.conversationId ?? null,
  internetmessageid: (m) => m.internetMessageId,
  'from/emailaddress/address': (m) => m.from?.address ?? null,
};

function propertyValue(m: StoredMessage, prop: string): Value {
  const instant = INSTANT_PROPS[prop];
  if (instant) {
    const iso = instant(m);
    return iso ? Date.parse(iso) : null;
  }
  const other = OTHER_PROPS[prop];
  if (other) return other(m);
  throw new GraphHttpError(400, 'BadRequest', `Could not find a property named '${prop}' on type 'microsoft.graph.message'.`);
}

interface Token {
  kind: 'word' | 'string' | 'punct';
  text: string;
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === "'") {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= input.length) throw new GraphHttpError(400, 'BadRequest', 'Invalid filter clause: unterminated string literal.');
        if (input[i] === "'") {
          if (input[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        value += input[i];
        i += 1;
      }
      tokens.push({ kind: 'string', text: value });
    } else if ('():,'.includes(ch)) {
      tokens.push({ kind: 'punct', text: ch });
      i += 1;
    } else {
      const m = /^[A-Za-z0-9_./+\-:]+/.exec(input.slice(i));
      // A word stops before ':' unless it is part of a date-time (digits on both sides).
      let word = m ? m[0] : '';
      const colon = word.search(/[A-Za-z_]:/);
      if (colon >= 0) word = word.slice(0, colon + 1);
      if (!word) throw new GraphHttpError(400, 'BadRequest', `Invalid filter clause: unexpected '${ch}'.`);
      tokens.push({ kind: 'word', text: word });
      i += word.length;
    }
  }
  return tokens;
}

const COMPARISONS: Record<string, (c: number) => boolean> = {
  eq: (c) => c === 0,
  ne: (c) => c !== 0,
  gt: (c) => c > 0,
  ge: (c) => c >= 0,
  lt: (c) => c < 0,
  le: (c) => c <= 0,
};

function compareValues(a: Value, b: Value): number | undefined {
  if (a === null || b === null) return a === b ? 0 : undefined;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b ? 0 : 1;
  return String(a).toLowerCase().localeCompare(String(b).toLowerCase());
}

class Parser {
  private pos = 0;
  /** Properties in the order the filter first names them (for the $orderby rule). */
  readonly properties: string[] = [];

  constructor(private readonly tokens: Token[]) {}

  parse(): Predicate {
    const p = this.or();
    if (this.pos < this.tokens.length) this.fail(`unexpected '${this.tokens[this.pos].text}'`);
    return p;
  }

  private fail(why: string): never {
    throw new GraphHttpError(400, 'BadRequest', `Invalid filter clause: ${why}.`);
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private isWord(text: string): boolean {
    const t = this.peek();
    return t?.kind === 'word' && t.text.toLowerCase() === text;
  }

  private expect(text: string): void {
    const t = this.tokens[this.pos++];
    if (!t || t.text !== text) this.fail(`expected '${text}'`);
  }

  private or(): Predicate {
    const parts = [this.and()];
    while (this.isWord('or')) {
      this.pos += 1;
      parts.push(this.and());
    }
    return parts.length === 1 ? parts[0] : (m) => parts.some((p) => p(m));
  }

  private and(): Predicate {
    const parts = [this.unary()];
    while (this.isWord('and')) {
      this.pos += 1;
      parts.push(this.unary());
    }
    return parts.length === 1 ? parts[0] : (m) => parts.every((p) => p(m));
  }

  private unary(): Predicate {
    if (this.isWord('not')) {
      this.pos += 1;
      const inner = this.unary();
      return (m) => !inner(m);
    }
    const t = this.peek();
    if (t?.kind === 'punct' && t.text === '(') {
      this.pos += 1;
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    return this.comparison();
  }

  private note(prop: string): void {
    if (!this.properties.includes(prop)) this.properties.push(prop);
  }

  private comparison(): Predicate {
    const t = this.tokens[this.pos++];
    if (!t || t.kind !== 'word') this.fail('expected a property');
    const path = t.text.toLowerCase();
    if (path === 'categories/any') return this.categoriesAny();
    this.note(path);
    const op = this.tokens[this.pos++]?.text.toLowerCase() ?? '';
    const relation = COMPARISONS[op];
    if (!relation) this.fail(`unknown operator '${op}'`);
    const literal = this.literal(path);
    return (m) => {
      const c = compareValues(propertyValue(m, path), literal);
      return c !== undefined && relation(c);
    };
  }

  private literal(path: string): Value {
    const t = this.tokens[this.pos++];
    if (!t) this.fail('expected a value');
    if (t.kind === 'string') return t.text;
    const word = t.text;
    if (word === 'true' || word === 'false') return word === 'true';
    if (word === 'null') return null;
    if (INSTANT_PROPS[path]) {
      const ms = Date.parse(word);
      if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(word)) this.fail(`'${word}' is not a DateTimeOffset`);
      return ms;
    }
    if (/^-?\d+(\.\d+)?$/.test(word)) return Number(word);
    return this.fail(`unexpected literal '${word}'`);
  }

  /** `categories/any(c:c eq 'A' or c eq 'B')`. */
  private categoriesAny(): Predicate {
    this.note('categories');
    this.expect('(');
    const variable = this.tokens[this.pos++];
    if (!variable || variable.kind !== 'word') this.fail('expected a lambda variable');
    this.expect(':');
    const wanted: string[] = [];
    for (;;) {
      const v = this.tokens[this.pos++];
      if (!v || v.text !== variable.text) this.fail(`expected '${variable.text}'`);
      if (this.tokens[this.pos++]?.text.toLowerCase() !== 'eq') this.fail("only 'eq' is supported inside categories/any");
      const s = this.tokens[this.pos++];
      if (!s || s.kind !== 'string') this.fail('expected a string literal');
      wanted.push(s.text.toLowerCase());
      if (!this.isWord('or')) break;
      this.pos += 1;
    }
    this.expect(')');
    return (m) => m.categories.some((c) => wanted.includes(c.toLowerCase()));
  }
}

/** The folder's messages that `$filter` selects, in `$orderby` order (default: newest received first). */
export function queryMessages(items: StoredItem[], query: URLSearchParams): StoredMessage[] {
  const messages = items.filter((i): i is StoredMessage => i.kind === 'message');
  const filterText = query.get('$filter');
  const orderText = query.get('$orderby');
  let predicate: Predicate = () => true;
  let filtered: string[] = [];
  if (filterText) {
    const parser = new Parser(tokenize(filterText));
    predicate = parser.parse();
    filtered = parser.properties;
  }
  const order = (orderText ?? 'receivedDateTime desc').split(',').map((part) => {
    const [prop, dir] = part.trim().split(/\s+/);
    return { prop: (prop ?? '').toLowerCase(), descending: (dir ?? 'asc').toLowerCase() === 'desc' };
  });
  if (orderText && filterText && order.some((o, i) => filtered[i] !== o.prop)) {
    throw new GraphHttpError(400, 'InefficientFilter', 'The restriction or sort order is too complex for this operation.');
  }
  const selected = messages.filter(predicate);
  selected.sort((a, b) => {
    for (const o of order) {
      const c = compareValues(propertyValue(a, o.prop), propertyValue(b, o.prop)) ?? 0;
      if (c !== 0) return o.descending ? -c : c;
    }
    return a.id.localeCompare(b.id);
  });
  return selected;
}
