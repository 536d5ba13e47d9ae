/** OData plumbing of the Graph emulator: error bodies, Prefer header, $select / $expand, opaque delta tokens. */
import { randomUUID } from 'node:crypto';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** Graph's error envelope (see fixtures/graph/batch.json, throttling-429.json). */
export function errorReply(status: number, code: string, message: string, clientRequestId?: string, headers: Record<string, string> = {}, innerExtra: Record<string, string> = {}): Reply {
  const requestId = randomUUID();
  return {
    status,
    headers: { 'Content-Type': 'application/json', 'request-id': requestId, ...(clientRequestId ? { 'client-request-id': clientRequestId } : {}), ...headers },
    body: {
      error: {
        code,
        message,
        innerError: {
          ...innerExtra,
          date: new Date().toISOString().slice(0, 19),
          'request-id': requestId,
          'client-request-id': clientRequestId ?? requestId,
        },
      },
    },
  };
}

export class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** `Prefer: odata.maxpagesize=2, IdType="ImmutableId", outlook.timezone="Pacific Standard Time"` → map. */
export function parsePrefer(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  // Values may be quoted and contain commas ("W. Europe Standard Time" does not, but be safe).
  const re = /\s*([A-Za-z0-9_.-]+)\s*(?:=\s*("([^"]*)"|[^,]*))?\s*(?:,|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(header)) !== null && m[0] !== '') {
    out.set(m[1].toLowerCase(), m[3] ?? (m[2] ?? '').trim());
  }
  return out;
}

/** Splits `a,b(c,d),e` on top-level commas. */
export function splitTopLevel(value: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of value) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

export interface ExpandSpec {
  /** Nested `$select` of attachments. */
  attachments?: { select?: string[] };
  /** Ids asked for by `singleValueExtendedProperties($filter=id eq '…')`; empty array = all. */
  extendedProperties?: string[];
}

export function parseExpand(value: string | undefined): ExpandSpec {
  const spec: ExpandSpec = {};
  if (!value) return spec;
  for (const part of splitTopLevel(value)) {
    const m = /^([A-Za-z]+)(?:\((.*)\))?$/.exec(part);
    if (!m) throw new GraphHttpError(400, 'BadRequest', `Parsing OData Select and Expand failed: ${part}`);
    const [, name, inner] = m;
    const options = new Map<string, string>();
    for (const opt of inner ? inner.split(';') : []) {
      const eq = opt.indexOf('=');
      if (eq > 0) options.set(opt.slice(0, eq).trim().toLowerCase(), opt.slice(eq + 1).trim());
    }
    if (name.toLowerCase() === 'attachments') {
      const select = options.get('$select');
      spec.attachments = { select: select ? select.split(',').map((s) => s.trim()) : undefined };
    } else if (name.toLowerCase() === 'singlevalueextendedproperties') {
      const filter = options.get('$filter');
      if (!filter) spec.extendedProperties = [];
      else {
        const ids = [...filter.matchAll(/id\s+eq\s+'([^']*)'/gi)].map((x) => x[1]);
        if (ids.length === 0) throw new GraphHttpError(400, 'ErrorInvalidProperty', `Unsupported $filter on extended properties: ${filter}`);
        spec.extendedProperties = ids;
      }
    } else {
      throw new GraphHttpError(400, 'BadRequest', `Could not find a property named '${name}' to expand.`);
    }
  }
  return spec;
}

export function applySelect(entity: Record<string, unknown>, select: string[] | undefined, always: string[] = ['id']): Record<string, unknown> {
  if (!select || select.length === 0) return entity;
  const keep = new Set([...select, ...always].map((s) => s.toLowerCase()));
  return Object.fromEntries(Object.entries(entity).filter(([key]) => key.startsWith('@odata.') || keep.has(key.toLowerCase())));
}

/** Opaque `$skiptoken` / `$deltatoken`: the store's cursor plus what the round needs to remember. */
export interface DeltaToken {
  /** Store cursor (readChangePage). */
  c: string;
  /** calendarView window. */
  s?: string;
  e?: string;
  /** `$select` of the round's first request. */
  sel?: string[];
}

export function encodeDeltaToken(token: DeltaToken): string {
  return Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
}

export function decodeDeltaToken(value: string): DeltaToken {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as DeltaToken;
    if (typeof parsed.c !== 'string') throw new Error('shape');
    return parsed;
  } catch {
    throw new GraphHttpError(410, 'syncStateNotFound', 'The sync state generation is not found. Restart the synchronization without a delta token.');
  }
}

/** Outlook's `@odata.etag` of an item: `W/"<changeKey>"`. */
export function etag(changeKey: string): string {
  return `W/"${changeKey}"`;
}

/** Graph's date-time format for outlook items: seconds precision with Z. */
export function graphInstant(iso: string | undefined): string | null {
  if (!iso) return null;
  return `${new Date(iso).toISOString().slice(0, 19)}Z`;
}

/** Event / task timestamps carry 7 fractional digits. */
export function graphPreciseInstant(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 23)}0000Z`;
}

export function htmlToText(html: string): string {
  return html
    .replace(/<(br|\/p|\/div|\/tr|\/h\d)\s*\/?>/gi, '\r\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
}
