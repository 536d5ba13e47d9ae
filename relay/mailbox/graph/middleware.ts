/**
 * The Graph client's middleware chain for one mailbox:
 *   AuthenticationHandler (token from msal-node; only for graph.microsoft.com or `customHosts`)
 *   → RetryHandler (429/503/504 with Retry-After, bounded)
 *   → PreferHeaderHandler (`Prefer: IdType="ImmutableId"` on every call, merged with per-call preferences)
 *   → LimitedNodeHttpHandler (per-mailbox concurrency limit + the actual HTTP call through node:https).
 *
 * Why our own last handler instead of the SDK's fetch-based HTTPMessageHandler: Node's global fetch cannot be told to
 * trust an extra CA per request (the emulators use self-signed certificates), and the limiter must hold a permit only
 * while a request is on the wire, not while the retry handler sleeps.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import type { WeightedLimiter } from './limiter';

export const IMMUTABLE_ID_PREFERENCE = 'IdType="ImmutableId"';

type HeaderRecord = Record<string, string>;

/** The SDK keeps request headers as a plain object (GraphRequest.updateRequestOptions); normalize whatever it holds. */
export function headersOf(context: Context): HeaderRecord {
  const options = context.options ?? {};
  const raw = options.headers;
  const out: HeaderRecord = {};
  if (!raw) return out;
  if (raw instanceof Headers) {
    raw.forEach((value, key) => {
      out[key] = value;
    });
  } else if (Array.isArray(raw)) {
    for (const [key, value] of raw) out[key] = value;
  } else {
    for (const [key, value] of Object.entries(raw)) if (value !== undefined) out[key] = String(value);
  }
  return out;
}

function findHeader(headers: HeaderRecord, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}

/** Adds `IdType="ImmutableId"` to the request's Prefer header unless the call already asks for an id type. */
export class PreferHeaderHandler implements Middleware {
  private next?: Middleware;

  async execute(context: Context): Promise<void> {
    const headers = headersOf(context);
    const existingKey = Object.keys(headers).find((k) => k.toLowerCase() === 'prefer');
    const existing = existingKey ? headers[existingKey] : '';
    if (!/idtype\s*=/i.test(existing)) {
      const merged = existing ? `${existing}, ${IMMUTABLE_ID_PREFERENCE}` : IMMUTABLE_ID_PREFERENCE;
      if (existingKey) delete headers[existingKey];
      headers.Prefer = merged;
      context.options = { ...(context.options ?? {}), headers };
    }
    await (this.next as Middleware).execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

/** Permits a request needs: a `$batch` counts each of its sub-requests (Outlook runs them against the same limit). */
export function requestWeight(url: string, method: string, body: unknown): number {
  if (method.toUpperCase() !== 'POST' || !/\/\$batch(\?|$)/.test(url) || typeof body !== 'string') return 1;
  try {
    const parsed = JSON.parse(body) as { requests?: unknown[] };
    return Array.isArray(parsed.requests) ? Math.max(1, parsed.requests.length) : 1;
  } catch {
    return 1;
  }
}

export interface HttpHandlerOptions {
  limiter: WeightedLimiter;
  /** Extra CA certificates (PEM) to trust besides Node's defaults; the emulators' self-signed CA in tests. */
  caPem?: string;
  /** Socket timeout for one request. */
  timeoutMs: number;
  /** Observes every request that went on the wire (benchmarks count requests with it). */
  onRequest?: (info: { method: string; url: string; status: number; ms: number }) => void;
}

export class LimitedNodeHttpHandler implements Middleware {
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent: http.Agent;

  constructor(private readonly options: HttpHandlerOptions) {
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 16, ...(options.caPem ? { ca: [...tls.rootCertificates, options.caPem] } : {}) });
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  }

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const method = (context.options?.method ?? 'GET').toUpperCase();
    const headers = headersOf(context);
    const body = context.options?.body;
    if (body !== undefined && body !== null && typeof body !== 'string') {
      // Every body this module sends is JSON text (GraphRequest serializes objects); anything else is a programming error.
      throw new Error('Graph request bodies must be strings');
    }
    const release = await this.options.limiter.acquire(requestWeight(url, method, body));
    const started = Date.now();
    try {
      context.response = await this.send(url, method, headers, body ?? undefined);
      this.options.onRequest?.({ method, url, status: context.response.status, ms: Date.now() - started });
    } finally {
      release();
    }
  }

  private send(url: string, method: string, headers: HeaderRecord, body: string | undefined): Promise<Response> {
    const target = new URL(url);
    const isHttps = target.protocol === 'https:';
    const outHeaders: HeaderRecord = { ...headers };
    if (body !== undefined && findHeader(outHeaders, 'content-length') === undefined) outHeaders['Content-Length'] = String(Buffer.byteLength(body));
    return new Promise<Response>((resolve, reject) => {
      const req = (isHttps ? https : http).request(
        target,
        { method, headers: outHeaders, agent: isHttps ? this.httpsAgent : this.httpAgent, timeout: this.options.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const responseHeaders = new Headers();
            for (const [key, value] of Object.entries(res.headers)) {
              if (value === undefined) continue;
              for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(key, v);
            }
            const status = res.statusCode ?? 500;
            // A Response cannot carry a body for these statuses.
            const nullBody = status === 204 || status === 205 || status === 304;
            resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage, headers: responseHeaders }));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`Graph request timed out after ${this.options.timeoutMs} ms`)));
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }
}
