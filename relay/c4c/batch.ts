/**
 * OData V2 `$batch` (c4c-odata.md §8): a builder for the multipart/mixed request (GET parts at the top level,
 * writes inside changesets, one changeset = one transaction) and a parser for the multipart answer.
 *
 * The parser relies on the boundaries only: C4C's published answers carry padded and even wrong `Content-Length`
 * values, use the server's own boundaries (`ejjeeffe0` / `ejjeeffe1`), and the published requests mix LF and CRLF,
 * trailing spaces and missing header spaces. All of that is accepted.
 */
import { randomUUID } from 'node:crypto';
import { C4cProtocolError } from './errors';

export type BatchMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'MERGE' | 'DELETE';

export interface BatchOperation {
  method: BatchMethod;
  /** Relative to the service root, query included and URL-encoded: `ContactCollection?$filter=…`. */
  path: string;
  headers?: Record<string, string>;
  /** JSON-serialised for writes. */
  body?: unknown;
  /** Content-ID of a changeset operation (lets later operations refer to it as `$<id>` [U on C4C]). */
  contentId?: string;
}

export type BatchItem = { kind: 'get'; operation: BatchOperation } | { kind: 'changeset'; operations: BatchOperation[] };

export interface WriteOptions {
  contentId?: string;
  /** ETag for optimistic concurrency (PATCH / PUT / DELETE). */
  ifMatch?: string;
  headers?: Record<string, string>;
}

export class ChangesetBuilder {
  readonly operations: BatchOperation[] = [];

  post(path: string, body: unknown, options: WriteOptions = {}): this {
    return this.add('POST', path, body, options);
  }

  patch(path: string, body: unknown, options: WriteOptions = {}): this {
    return this.add('PATCH', path, body, options);
  }

  put(path: string, body: unknown, options: WriteOptions = {}): this {
    return this.add('PUT', path, body, options);
  }

  delete(path: string, options: WriteOptions = {}): this {
    return this.add('DELETE', path, undefined, options);
  }

  private add(method: BatchMethod, path: string, body: unknown, options: WriteOptions): this {
    const headers: Record<string, string> = { ...options.headers };
    if (options.ifMatch) headers['If-Match'] = options.ifMatch;
    this.operations.push({ method, path: checkRelativePath(path), body, headers, contentId: options.contentId });
    return this;
  }
}

function checkRelativePath(path: string): string {
  if (/[\r\n]/.test(path)) throw new RangeError('a batch request path cannot contain line breaks');
  if (/\s/.test(path)) throw new RangeError(`a batch request path must be URL-encoded: ${path}`);
  if (/^[a-z]+:\/\//i.test(path) || path.startsWith('/')) throw new RangeError('batch request paths are relative to the service root');
  return path;
}

function checkHeader(name: string, value: string): void {
  if (!/^[A-Za-z0-9-]+$/.test(name) || /[\r\n]/.test(value)) throw new RangeError(`invalid batch header ${name}`);
}

export class BatchBuilder {
  readonly items: BatchItem[] = [];

  /** Add a GET part; returns its index in the answer. */
  get(path: string, headers: Record<string, string> = {}): number {
    this.items.push({ kind: 'get', operation: { method: 'GET', path: checkRelativePath(path), headers } });
    return this.items.length - 1;
  }

  /** Add a changeset (one transaction); returns its index in the answer. */
  changeset(build: (changeset: ChangesetBuilder) => void): number {
    const changeset = new ChangesetBuilder();
    build(changeset);
    if (changeset.operations.length === 0) throw new RangeError('a changeset needs at least one operation');
    this.items.push({ kind: 'changeset', operations: changeset.operations });
    return this.items.length - 1;
  }

  get size(): number {
    return this.items.length;
  }

  /** True when the batch only reads, so re-sending it after an unknown outcome is harmless. */
  get readOnly(): boolean {
    return this.items.every((item) => item.kind === 'get');
  }

  build(boundary: string = `batch_${randomUUID()}`): { contentType: string; body: string } {
    if (this.items.length === 0) throw new RangeError('an empty $batch');
    const lines: string[] = [];
    for (const item of this.items) {
      lines.push(`--${boundary}`);
      if (item.kind === 'get') {
        lines.push('Content-Type: application/http', 'Content-Transfer-Encoding: binary', '');
        lines.push(...httpRequestLines(item.operation));
      } else {
        const changesetBoundary = `changeset_${randomUUID()}`;
        lines.push(`Content-Type: multipart/mixed; boundary=${changesetBoundary}`, '');
        for (const operation of item.operations) {
          lines.push(`--${changesetBoundary}`, 'Content-Type: application/http', 'Content-Transfer-Encoding: binary');
          if (operation.contentId) lines.push(`Content-ID: ${operation.contentId}`);
          lines.push('');
          lines.push(...httpRequestLines(operation));
        }
        lines.push(`--${changesetBoundary}--`, '');
      }
    }
    lines.push(`--${boundary}--`, '');
    return { contentType: `multipart/mixed; boundary=${boundary}`, body: lines.join('\r\n') };
  }
}

/** The embedded HTTP request; ends so that a CRLF precedes the next delimiter. */
function httpRequestLines(operation: BatchOperation): string[] {
  const lines = [`${operation.method} ${operation.path} HTTP/1.1`];
  const headers: Record<string, string> = { Accept: 'application/json', ...operation.headers };
  // SAP's guide shows Content-ID among the embedded headers; the OData spec puts it on the MIME part. Send both.
  if (operation.contentId) headers['Content-ID'] = operation.contentId;
  let body: string | undefined;
  if (operation.body !== undefined && operation.method !== 'GET' && operation.method !== 'DELETE') {
    body = JSON.stringify(operation.body);
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(body, 'utf8'));
  }
  for (const [name, value] of Object.entries(headers)) {
    checkHeader(name, value);
    lines.push(`${name}: ${value}`);
  }
  lines.push('');
  // A GET part has no body: the guide asks for an empty line after the header block.
  lines.push(body ?? '');
  return lines;
}

// ------------------------------------------------------------------------------------------------- parsing

export interface BatchOperationResponse {
  status: number;
  statusText: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
  contentId?: string;
}

export type BatchResponseItem =
  | { kind: 'operation'; response: BatchOperationResponse }
  | { kind: 'changeset'; responses: BatchOperationResponse[] };

/** `boundary` parameter of a multipart Content-Type (quoted or not). */
export function boundaryOf(contentType: string): string | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2]) : undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The parts between `--boundary` delimiters (preamble and epilogue dropped). */
export function splitMultipart(body: string, boundary: string): string[] {
  const delimiter = new RegExp(`(?:^|\\r?\\n)--${escapeRegExp(boundary)}(--)?[ \\t]*(?=\\r?\\n|$)`, 'g');
  const parts: string[] = [];
  let start: number | undefined;
  let match: RegExpExecArray | null;
  while ((match = delimiter.exec(body)) !== null) {
    if (start !== undefined) parts.push(body.slice(start, match.index));
    if (match[1] === '--') {
      start = undefined;
      break;
    }
    start = match.index + match[0].length;
    // Skip the line break that ends the delimiter line.
    if (body.startsWith('\r\n', start)) start += 2;
    else if (body.startsWith('\n', start)) start += 1;
  }
  if (start !== undefined) throw new C4cProtocolError(`multipart body is missing the closing --${boundary}--`);
  return parts;
}

/** Split a header block from what follows the first empty line. */
function splitHead(text: string): { headers: Record<string, string>; rest: string; firstLine?: string } {
  const match = /\r?\n[ \t]*\r?\n/.exec(text);
  const head = match ? text.slice(0, match.index) : text;
  const rest = match ? text.slice(match.index + match[0].length) : '';
  const headers: Record<string, string> = {};
  const lines = head.split(/\r?\n/);
  let firstLine: string | undefined;
  for (const [index, line] of lines.entries()) {
    const colon = line.indexOf(':');
    if (index === 0 && /^(HTTP\/\d|[A-Z]+ \S+ HTTP\/\d)/.test(line)) {
      firstLine = line.trim();
      continue;
    }
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    // The published examples repeat headers (the same Content-Length twice); the first one wins.
    headers[name] ??= line.slice(colon + 1).trim();
  }
  return { headers, rest, firstLine };
}

function parseOperationPart(part: string, partHeaders: Record<string, string>): BatchOperationResponse {
  const { headers, rest, firstLine } = splitHead(part.replace(/^(\r?\n)+/, ''));
  const status = firstLine ? /^HTTP\/\d(?:\.\d)?\s+(\d{3})\s*(.*)$/.exec(firstLine) : null;
  if (!status) throw new C4cProtocolError('batch part has no HTTP status line');
  const contentId = partHeaders['content-id'] ?? headers['content-id'];
  return {
    status: Number(status[1]),
    statusText: status[2].trim(),
    headers,
    body: rest.replace(/(\r?\n)+$/, ''),
    ...(contentId ? { contentId } : {}),
  };
}

/** Parse the multipart answer of a `$batch`; items line up with the request's items. */
export function parseBatchResponse(body: string, contentType: string): BatchResponseItem[] {
  const boundary = boundaryOf(contentType) ?? sniffBoundary(body);
  if (!boundary) throw new C4cProtocolError(`$batch answer is not multipart (Content-Type: ${contentType})`);
  return splitMultipart(body, boundary).map((part) => {
    const { headers: partHeaders, rest } = splitHead(part);
    const partType = partHeaders['content-type'] ?? '';
    if (/^multipart\/mixed/i.test(partType)) {
      const inner = boundaryOf(partType);
      if (!inner) throw new C4cProtocolError('changeset part without boundary');
      const responses = splitMultipart(rest, inner).map((operationPart) => {
        const split = splitHead(operationPart);
        return parseOperationPart(split.rest, split.headers);
      });
      return { kind: 'changeset', responses };
    }
    return { kind: 'operation', response: parseOperationPart(rest, partHeaders) };
  });
}

/** When the outer Content-Type got lost (as in the published sample), the first line names the boundary. */
function sniffBoundary(body: string): string | undefined {
  const match = /^\s*--([^\r\n]+?)[ \t]*\r?\n/.exec(body);
  return match?.[1];
}

/** JSON body of an operation answer (undefined for an empty body). */
export function operationJson(response: BatchOperationResponse): unknown {
  const text = response.body.trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new C4cProtocolError(`batch part ${response.status} has a body that is not JSON`);
  }
}
