/**
 * `$batch` (multipart/mixed), as in SAP's developer guide samples (fixtures/c4c/samples/devguide-*batch*):
 *  - top-level parts are single requests (reads) or changesets (multipart/mixed, writes only);
 *  - a changeset is one transaction: on the first failing operation everything it did is rolled back and the
 *    changeset is answered with that single error part;
 *  - response boundaries are the server's own (`ejjeeffe0` outside, `ejjeeffe1`, `ejjeeffe2`… per changeset), each
 *    part carries Content-Type: application/http, Content-Length, Content-Transfer-Encoding and a full status line;
 *  - inner Content-Length headers are ignored (SAP's own samples carry dummy values), LF-only line ends accepted;
 *  - `$<Content-ID>` at the start of a later URL in the same changeset refers to the entity created by that part.
 */
import { ODataError, badRequest, statusText } from './errors';
import { errorResponse, type ODataRequest, type ODataResponse } from './service';

export interface BatchOperation {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export type BatchPart = { kind: 'op'; op: BatchOperation; contentId?: string } | { kind: 'changeset'; ops: { op: BatchOperation; contentId?: string }[] };

const CRLF = '\r\n';

export function boundaryOf(contentType: string | undefined): string | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

function splitHeaders(text: string): { headers: Record<string, string>; rest: string } {
  const m = /\r?\n\r?\n/.exec(text);
  const head = m ? text.slice(0, m.index) : text;
  const rest = m ? text.slice(m.index + m[0].length) : '';
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { headers, rest };
}

/** Splits a multipart body into its raw parts (without the boundary lines). */
function multipartParts(body: string, boundary: string): string[] {
  const delim = `--${boundary}`;
  const chunks = body.split(delim);
  const parts: string[] = [];
  for (let i = 1; i < chunks.length; i++) {
    const c = chunks[i];
    if (c.startsWith('--')) break; // closing delimiter
    parts.push(c.replace(/^[ \t]*\r?\n/, '').replace(/\r?\n$/, ''));
  }
  if (chunks.length < 2) throw badRequest('Malformed $batch body: boundary not found');
  return parts;
}

function parseOperation(raw: string): BatchOperation {
  const { headers: partHeaders, rest } = splitHeaders(raw);
  const ct = (partHeaders['content-type'] ?? '').toLowerCase();
  if (!ct.startsWith('application/http')) throw badRequest(`Malformed $batch part: Content-Type must be application/http, got '${ct}'`);
  const text = rest.replace(/^(\r?\n)+/, '');
  const nl = /\r?\n/.exec(text);
  const requestLine = (nl ? text.slice(0, nl.index) : text).trim();
  const m = /^([A-Z]+)\s+(\S+)(?:\s+HTTP\/1\.[01])?$/.exec(requestLine);
  if (!m) throw badRequest(`Malformed $batch part request line: '${requestLine}'`);
  const afterLine = nl ? text.slice(nl.index + nl[0].length) : '';
  // A request without headers has its blank line right after the request line.
  const { headers, rest: body } = /^\r?\n/.test(afterLine) ? { headers: {}, rest: afterLine.replace(/^\r?\n/, '') } : splitHeaders(afterLine);
  return { method: m[1], url: m[2], headers, body: body.replace(/(\r?\n)+$/, '') };
}

export function parseBatch(body: string, boundary: string): BatchPart[] {
  return multipartParts(body, boundary).map((raw): BatchPart => {
    const { headers, rest } = splitHeaders(raw);
    const ct = headers['content-type'] ?? '';
    if (ct.toLowerCase().startsWith('multipart/mixed')) {
      const inner = boundaryOf(ct);
      if (!inner) throw badRequest('Malformed $batch changeset: missing boundary');
      const ops = multipartParts(rest, inner).map((p) => {
        const op = parseOperation(p);
        const contentId = splitHeaders(p).headers['content-id'] ?? op.headers['content-id'];
        return { op, contentId };
      });
      return { kind: 'changeset', ops };
    }
    const op = parseOperation(raw);
    return { kind: 'op', op, contentId: headers['content-id'] ?? op.headers['content-id'] };
  });
}

function httpMessage(res: ODataResponse): string {
  const lines = [`HTTP/1.1 ${res.status} ${statusText(res.status)}`];
  const headers: Record<string, string> = { ...res.headers, 'content-length': String(Buffer.byteLength(res.body)) };
  for (const [k, v] of Object.entries(headers)) lines.push(`${k === 'content-type' ? 'Content-Type' : k === 'content-length' ? 'Content-Length' : k}: ${v}`);
  return `${lines.join(CRLF)}${CRLF}${CRLF}${res.body}`;
}

function partFor(res: ODataResponse, contentId: string | undefined): string {
  const msg = httpMessage(res);
  const head = ['Content-Type: application/http', `Content-Length: ${Buffer.byteLength(msg)}`, 'Content-Transfer-Encoding: binary'];
  if (contentId) head.push(`Content-ID: ${contentId}`);
  return `${head.join(CRLF)}${CRLF}${CRLF}${msg}${CRLF}`;
}

export interface BatchExecutor {
  /** Runs one operation (path relative to the service root, plus query). */
  run(op: BatchOperation, inChangeset: boolean): ODataResponse;
  begin(): void;
  commit(): void;
  rollback(): void;
}

export const BATCH_BOUNDARY = 'ejjeeffe0';

/** Executes a parsed batch and renders the multipart response body. */
export function executeBatch(parts: BatchPart[], exec: BatchExecutor): { contentType: string; body: string } {
  const out: string[] = [];
  let changesetNo = 0;
  for (const part of parts) {
    if (part.kind === 'op') {
      let res: ODataResponse;
      if (part.op.method.toUpperCase() !== 'GET') {
        res = errorResponse(badRequest(`${part.op.method} operations must be sent inside a changeset`));
      } else {
        res = exec.run(part.op, false);
      }
      out.push(`--${BATCH_BOUNDARY}${CRLF}${partFor(res, part.contentId)}`);
      continue;
    }
    changesetNo++;
    const cs = `ejjeeffe${changesetNo}`;
    exec.begin();
    const results: { res: ODataResponse; contentId?: string }[] = [];
    const locations = new Map<string, string>();
    let failed: ODataResponse | undefined;
    for (const { op, contentId } of part.ops) {
      let url = op.url;
      const ref = /^\$([^/?]+)(.*)$/.exec(url);
      if (ref && locations.has(ref[1])) url = `${locations.get(ref[1])}${ref[2]}`;
      const res = op.method.toUpperCase() === 'GET'
        ? errorResponse(badRequest('GET operations are not allowed inside a changeset'))
        : exec.run({ ...op, url }, true);
      if (res.status >= 400) { failed = res; break; }
      if (contentId && res.headers.location) locations.set(contentId, res.headers.location);
      results.push({ res, contentId });
    }
    if (failed) {
      exec.rollback();
      out.push(`--${BATCH_BOUNDARY}${CRLF}${partFor(failed, undefined)}`);
      continue;
    }
    exec.commit();
    const inner = results.map((r) => `--${cs}${CRLF}${partFor(r.res, r.contentId)}`).join('') + `--${cs}--${CRLF}`;
    out.push(`--${BATCH_BOUNDARY}${CRLF}Content-Type: multipart/mixed; boundary=${cs}${CRLF}Content-Length: ${Buffer.byteLength(inner)}${CRLF}${CRLF}${inner}${CRLF}`);
  }
  out.push(`--${BATCH_BOUNDARY}--${CRLF}`);
  return { contentType: `multipart/mixed; boundary=${BATCH_BOUNDARY}`, body: out.join('') };
}

/** Splits an inner URL (relative to the service root, or absolute path/URL) into path and query for the service. */
export function innerRequest(op: BatchOperation, serviceRootPath: string, base: Omit<ODataRequest, 'method' | 'path' | 'query' | 'headers' | 'body'>): ODataRequest {
  let url = op.url;
  const abs = /^https?:\/\/[^/]+(\/.*)$/.exec(url);
  if (abs) url = abs[1];
  if (url.startsWith(serviceRootPath)) url = url.slice(serviceRootPath.length);
  url = url.replace(/^\/+/, '');
  const q = url.indexOf('?');
  const path = q >= 0 ? url.slice(0, q) : url;
  const query = new URLSearchParams(q >= 0 ? url.slice(q + 1) : '');
  return { ...base, method: op.method, path: decodeURIComponent(path), query, headers: op.headers, body: op.body };
}

export function assertBatchRequest(contentType: string | undefined): string {
  const b = boundaryOf(contentType);
  if (!contentType?.toLowerCase().startsWith('multipart/mixed') || !b) {
    throw new ODataError(400, 'SY/530', '$batch requires Content-Type: multipart/mixed; boundary=…');
  }
  return b;
}
