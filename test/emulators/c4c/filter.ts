/**
 * `$filter` for the subset C4C supports (docs/c4c-odata.md §6):
 *  - comparison `eq ne gt ge lt le`, `and`, `or`, `not`, parentheses;
 *  - `or` only between conditions on the same property (C4C rejects mixed ORs) -> 400;
 *  - functions `startswith(Prop,'x')` / `endswith(Prop,'x')` only (optionally `eq true|false`) -> others 400;
 *  - `*` wildcard inside `eq` / `ne` string literals;
 *  - literals: 'text' (with '' escapes), datetimeoffset'..', datetime'..', guid'..', time'..', numbers, true/false, null;
 *  - non-filterable properties and navigation paths (`A/B`) -> 400.
 *
 * Case rule (documented choice): string comparisons on e-mail, name and subject properties (names containing
 * "mail", "Name", "Subject") are case-insensitive, as C4C's e-mail lookups are; all other strings (IDs such as
 * GroupwareItemID, codes) compare exactly.
 */
import type { EntityTypeModel, PropertyModel } from './edmx-model';
import { badRequest } from './errors';
import { normaliseGuid, parseIsoUtc, type Row, type StoredValue } from './values';

type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'date'; value: number }
  | { kind: 'guid'; value: string }
  | { kind: 'time'; value: string }
  | { kind: 'number'; value: number; text: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' };

type CmpOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterNode =
  | { kind: 'cmp'; op: CmpOp; prop: string; value: Literal }
  | { kind: 'fn'; fn: 'startswith' | 'endswith'; prop: string; value: string; expect: boolean }
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; expr: FilterNode };

type Token =
  | { t: 'lp' | 'rp' | 'comma' }
  | { t: 'lit'; lit: Literal }
  | { t: 'id'; v: string };

const CMP_OPS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FLIP: Record<CmpOp, CmpOp> = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const readQuoted = (): string => {
    // i points at the opening quote; '' inside is an escaped quote.
    let s = '';
    i++;
    for (;;) {
      if (i >= src.length) throw badRequest('Invalid $filter: unterminated string literal');
      const c = src[i];
      if (c === "'") {
        if (src[i + 1] === "'") { s += "'"; i += 2; continue; }
        i++;
        return s;
      }
      s += c;
      i++;
    }
  };
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(') { out.push({ t: 'lp' }); i++; continue; }
    if (c === ')') { out.push({ t: 'rp' }); i++; continue; }
    if (c === ',') { out.push({ t: 'comma' }); i++; continue; }
    if (c === "'") { out.push({ t: 'lit', lit: { kind: 'string', value: readQuoted() } }); continue; }
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?[mMdDlLfF]?/.exec(src.slice(i));
    if (num && (c === '-' || /\d/.test(c))) {
      const text = num[0].replace(/[mMdDlLfF]$/, '');
      out.push({ t: 'lit', lit: { kind: 'number', value: Number(text), text } });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_/.]*/.exec(src.slice(i));
    if (!word) throw badRequest(`Invalid $filter: unexpected character '${c}' at position ${i}`);
    const w = word[0];
    i += w.length;
    if (src[i] === "'" && /^(datetimeoffset|datetime|guid|time|X|binary)$/i.test(w)) {
      const text = readQuoted();
      const kind = w.toLowerCase();
      if (kind === 'datetimeoffset' || kind === 'datetime') {
        const ms = parseIsoUtc(text);
        if (ms === undefined) throw badRequest(`Invalid $filter: bad ${kind} literal '${text}'`);
        out.push({ t: 'lit', lit: { kind: 'date', value: ms } });
      } else if (kind === 'guid') {
        const g = normaliseGuid(text);
        if (!g) throw badRequest(`Invalid $filter: bad guid literal '${text}'`);
        out.push({ t: 'lit', lit: { kind: 'guid', value: g } });
      } else if (kind === 'time') {
        out.push({ t: 'lit', lit: { kind: 'time', value: text } });
      } else {
        throw badRequest(`Invalid $filter: binary literals are not supported`);
      }
      continue;
    }
    if (w === 'true' || w === 'false') out.push({ t: 'lit', lit: { kind: 'boolean', value: w === 'true' } });
    else if (w === 'null') out.push({ t: 'lit', lit: { kind: 'null' } });
    else out.push({ t: 'id', v: w });
  }
  return out;
}

class Parser {
  private pos = 0;
  constructor(private readonly toks: Token[]) {}

  parse(): FilterNode {
    const n = this.or();
    if (this.pos < this.toks.length) throw badRequest('Invalid $filter: unexpected trailing tokens');
    return n;
  }

  private peekId(v: string): boolean {
    const t = this.toks[this.pos];
    return t?.t === 'id' && t.v === v;
  }

  private expect(t: 'lp' | 'rp' | 'comma'): void {
    if (this.toks[this.pos]?.t !== t) throw badRequest(`Invalid $filter: expected ${t === 'lp' ? '(' : t === 'rp' ? ')' : ','}`);
    this.pos++;
  }

  private or(): FilterNode {
    let left = this.and();
    while (this.peekId('or')) { this.pos++; left = { kind: 'or', left, right: this.and() }; }
    return left;
  }

  private and(): FilterNode {
    let left = this.unary();
    while (this.peekId('and')) { this.pos++; left = { kind: 'and', left, right: this.unary() }; }
    return left;
  }

  private unary(): FilterNode {
    if (this.peekId('not')) { this.pos++; return { kind: 'not', expr: this.unary() }; }
    return this.primary();
  }

  private operand(): { prop?: string; lit?: Literal } {
    const t = this.toks[this.pos++];
    if (!t) throw badRequest('Invalid $filter: unexpected end of expression');
    if (t.t === 'lit') return { lit: t.lit };
    if (t.t === 'id') return { prop: t.v };
    throw badRequest('Invalid $filter: expected a property or a literal');
  }

  private primary(): FilterNode {
    const t = this.toks[this.pos];
    if (t?.t === 'lp') {
      this.pos++;
      const n = this.or();
      this.expect('rp');
      return n;
    }
    if (t?.t === 'id' && this.toks[this.pos + 1]?.t === 'lp') {
      const fn = t.v;
      if (fn !== 'startswith' && fn !== 'endswith') {
        throw badRequest(`Invalid $filter: function '${fn}' is not supported; only startswith and endswith are`);
      }
      this.pos += 2;
      const a = this.operand();
      this.expect('comma');
      const b = this.operand();
      this.expect('rp');
      if (!a.prop || !b.lit || b.lit.kind !== 'string') {
        throw badRequest(`Invalid $filter: ${fn} expects (Property,'text')`);
      }
      let expect = true;
      if (this.peekId('eq') || this.peekId('ne')) {
        const neg = this.peekId('ne');
        this.pos++;
        const v = this.operand();
        if (!v.lit || v.lit.kind !== 'boolean') throw badRequest(`Invalid $filter: ${fn}(...) can only be compared with true/false`);
        expect = neg ? !v.lit.value : v.lit.value;
      }
      return { kind: 'fn', fn, prop: a.prop, value: b.lit.value, expect };
    }
    const left = this.operand();
    const opTok = this.toks[this.pos++];
    if (opTok?.t !== 'id' || !CMP_OPS.has(opTok.v)) throw badRequest('Invalid $filter: expected a comparison operator');
    const op = opTok.v as CmpOp;
    const right = this.operand();
    if (left.prop && right.lit) return { kind: 'cmp', op, prop: left.prop, value: right.lit };
    if (left.lit && right.prop) return { kind: 'cmp', op: FLIP[op], prop: right.prop, value: left.lit };
    throw badRequest('Invalid $filter: a comparison needs one property and one literal');
  }
}

function propsOf(n: FilterNode, acc = new Set<string>()): Set<string> {
  if (n.kind === 'cmp' || n.kind === 'fn') acc.add(n.prop);
  else if (n.kind === 'not') propsOf(n.expr, acc);
  else { propsOf(n.left, acc); propsOf(n.right, acc); }
  return acc;
}

function checkLiteral(p: PropertyModel, lit: Literal, op: string): void {
  const bad = (): never => {
    throw badRequest(`Invalid $filter: literal of kind ${lit.kind} does not match property '${p.name}' (${p.type})`);
  };
  if (lit.kind === 'null') {
    if (op !== 'eq' && op !== 'ne') bad();
    return;
  }
  switch (p.type) {
    case 'Edm.String': if (lit.kind !== 'string') bad(); break;
    case 'Edm.DateTime': case 'Edm.DateTimeOffset': if (lit.kind !== 'date') bad(); break;
    case 'Edm.Guid': if (lit.kind !== 'guid' && !(lit.kind === 'string' && normaliseGuid(lit.value))) bad(); break;
    case 'Edm.Boolean': if (lit.kind !== 'boolean') bad(); break;
    case 'Edm.Time': if (lit.kind !== 'time' && lit.kind !== 'string') bad(); break;
    case 'Edm.Decimal': case 'Edm.Int64': case 'Edm.Int16': case 'Edm.Int32': case 'Edm.Byte': case 'Edm.Double':
      if (lit.kind !== 'number' && lit.kind !== 'string') bad();
      break;
    default: break;
  }
}

function validate(n: FilterNode, type: EntityTypeModel): void {
  if (n.kind === 'and') { validate(n.left, type); validate(n.right, type); return; }
  if (n.kind === 'or') {
    validate(n.left, type);
    validate(n.right, type);
    const props = propsOf(n);
    if (props.size > 1) {
      throw badRequest(`Invalid $filter: 'or' is only supported between conditions on the same property (got ${[...props].join(', ')})`);
    }
    return;
  }
  if (n.kind === 'not') { validate(n.expr, type); return; }
  if (n.kind !== 'cmp' && n.kind !== 'fn') return;
  if (n.prop.includes('/')) {
    throw badRequest(`Invalid $filter: filtering on navigation property path '${n.prop}' is not supported`);
  }
  const p = type.propertyByName.get(n.prop);
  if (!p) throw badRequest(`Invalid $filter: property '${n.prop}' not found in type '${type.name}'`);
  if (!p.filterable) throw badRequest(`Invalid $filter: property '${n.prop}' is not filterable`);
  if (n.kind === 'fn') {
    if (p.type !== 'Edm.String') throw badRequest(`Invalid $filter: ${n.fn} needs a string property, '${n.prop}' is ${p.type}`);
    return;
  }
  checkLiteral(p, n.value, n.op);
}

export function parseFilter(src: string, type: EntityTypeModel): FilterNode {
  const node = new Parser(tokenize(src)).parse();
  validate(node, type);
  return node;
}

/** Property names compared case-insensitively (documented choice, see file header). */
export function isCaseInsensitive(prop: string): boolean {
  return /mail/i.test(prop) || /Name/.test(prop) || prop === 'Subject';
}

function wildcardRegex(pattern: string, ci: boolean): RegExp {
  const esc = pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${esc}$`, ci ? 'is' : 's');
}

function compare(a: number | string, b: number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function evalCmp(node: Extract<FilterNode, { kind: 'cmp' }>, p: PropertyModel, raw: StoredValue | undefined): boolean {
  const v = raw === undefined ? null : raw;
  const lit = node.value;
  if (lit.kind === 'null') return node.op === 'eq' ? v === null || v === '' : !(v === null || v === '');
  if (v === null) return node.op === 'ne';
  let left: number | string | boolean;
  let right: number | string | boolean;
  if (p.type === 'Edm.String' && lit.kind === 'string') {
    const ci = isCaseInsensitive(p.name);
    if ((node.op === 'eq' || node.op === 'ne') && lit.value.includes('*')) {
      const hit = wildcardRegex(lit.value, ci).test(String(v));
      return node.op === 'eq' ? hit : !hit;
    }
    left = ci ? String(v).toLowerCase() : String(v);
    right = ci ? lit.value.toLowerCase() : lit.value;
  } else if (lit.kind === 'date') {
    left = Number(v);
    right = lit.value;
  } else if (lit.kind === 'guid' || (p.type === 'Edm.Guid' && lit.kind === 'string')) {
    left = String(v).toUpperCase();
    right = normaliseGuid(lit.value) ?? lit.value;
  } else if (lit.kind === 'number') {
    left = Number(v);
    right = lit.value;
  } else if (lit.kind === 'boolean') {
    left = v;
    right = lit.value;
  } else {
    left = String(v);
    right = String(lit.value);
  }
  if (typeof left === 'boolean' || typeof right === 'boolean') {
    if (node.op === 'eq') return left === right;
    if (node.op === 'ne') return left !== right;
    return false;
  }
  const c = compare(left, right);
  switch (node.op) {
    case 'eq': return c === 0;
    case 'ne': return c !== 0;
    case 'gt': return c > 0;
    case 'ge': return c >= 0;
    case 'lt': return c < 0;
    case 'le': return c <= 0;
  }
}

export function matches(node: FilterNode, row: Row, type: EntityTypeModel): boolean {
  switch (node.kind) {
    case 'and': return matches(node.left, row, type) && matches(node.right, row, type);
    case 'or': return matches(node.left, row, type) || matches(node.right, row, type);
    case 'not': return !matches(node.expr, row, type);
    case 'fn': {
      const ci = isCaseInsensitive(node.prop);
      const v = String(row[node.prop] ?? '');
      const a = ci ? v.toLowerCase() : v;
      const b = ci ? node.value.toLowerCase() : node.value;
      const hit = node.fn === 'startswith' ? a.startsWith(b) : a.endsWith(b);
      return hit === node.expect;
    }
    case 'cmp': return evalCmp(node, type.propertyByName.get(node.prop)!, row[node.prop]);
  }
}
