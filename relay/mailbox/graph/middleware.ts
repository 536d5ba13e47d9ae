/**
 * The Graph client's middleware chain for one mailbox:
 *   AuthenticationHandler (token from msal-node; only for graph.microsoft.com or `customHosts`)
 *   → RetryHandler (429/503/504 with Retry-After, bounded)
 *   → ReplayOnDropHandler (a dropped connection: resend idempotent requests only, bounded, with back-off)
 *   → PreferHeaderHandler (`Prefer: IdType="ImmutableId"` on every call, merged with per-call preferences)
 *   → LimitedNodeHttpHandler (per-mailbox concurrency limit + the actual HTTP call through node:https).
 *
 * Why our own last handler instead of the SDK's fetch-based HTTPMessageHandler: Node's global fetch cannot be told to
 * trust an extra CA per request (the emulators use self-signed certificates), and the limiter must hold a permit only
 * while a request is on the wire, not while a retry handler sleeps.
 *
 * Why a handler of our own for dropped connections: the SDK's RetryHandler only looks at answers (429/503/504); an
 * exception from the wire (ECONNRESET, "socket hang up") goes straight through it, so not even a GET was resent.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { GraphClientError, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { Backoff, retry, type Sleep } from '../../lib/backoff';
import { reportUpstreamRequest } from '../../metrics/edges';
import type { Limiter } from '../../lib/limiter';

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

/**
 * Whether a request may be sent again after its connection dropped without an answer. The server may or may not have
 * executed it, so only requests whose replay cannot change anything qualify: GET/HEAD, and a `$batch` whose
 * sub-requests are all GETs. Never a POST that creates (a replay would create a second item), nor PATCH/DELETE/moves
 * (a replayed DELETE answers 404 for an item the first attempt deleted; a replayed move moves from the wrong folder).
 */
export function isReplayable(url: string, method: string, body: unknown): boolean {
  const m = method.toUpperCase();
  if (m === 'GET' || m === 'HEAD') return true;
  if (m !== 'POST' || !/\/\$batch(\?|$)/.test(url) || typeof body !== 'string') return false;
  try {
    const parsed = JSON.parse(body) as { requests?: unknown };
    if (!Array.isArray(parsed.requests) || parsed.requests.length === 0) return false;
    return parsed.requests.every((r: unknown) => typeof r === 'object' && r !== null && String((r as { method?: unknown }).method).toUpperCase() === 'GET');
  } catch {
    return false;
  }
}

/**
 * A request that got no HTTP answer. `kind`: `connection` = refused, reset or dropped (also mid-response); `timeout` =
 * no answer within the socket timeout; `tls` = the certificate was not trusted (configuration, never healed by a retry).
 * `attempts` and `replayable` are filled in by ReplayOnDropHandler so the mapped error can say what was tried.
 *
 * A GraphClientError because the SDK rethrows those unchanged; anything else it wraps into a GraphError that keeps only
 * the message, and the error mapping would lose the code and the attempts.
 */
export class ConnectionError extends GraphClientError {
  attempts = 1;
  replayable = false;

  constructor(
    message: string,
    readonly code: string,
    readonly kind: 'connection' | 'timeout' | 'tls',
    readonly original?: unknown,
  ) {
    super(message);
    // GraphClientError resets the prototype to its own; restore ours so `instanceof ConnectionError` holds.
    Object.setPrototypeOf(this, ConnectionError.prototype);
    this.name = 'ConnectionError';
  }
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|HOSTNAME_MISMATCH/i;

/** Wraps whatever node:http(s) emitted as `error` on a request or response. */
export function connectionErrorOf(error: unknown): ConnectionError {
  if (error instanceof ConnectionError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : 'ECONNRESET';
  const message = error instanceof Error ? error.message : String(error);
  return new ConnectionError(message, code, TLS_CODES.test(code) || TLS_CODES.test(message) ? 'tls' : 'connection', error);
}

export interface ReplayOptions {
  /** Resends after a dropped connection (per logical request, across throttling retries). */
  maxReplays: number;
  /** Back-off before the first resend; doubles per resend, with jitter (half to all of it). */
  baseDelayMs: number;
  sleep?: Sleep;
  random?: () => number;
}

/**
 * Resends idempotent requests (see isReplayable) whose connection dropped, at most `maxReplays` times with exponential
 * back-off. Sits below the SDK's RetryHandler, so a throttled answer to a resend is still handled there; the replay
 * budget is kept per request context, so throttling retries do not multiply it. Request timeouts and TLS failures are
 * not resent: a slow server gets no extra load from us (the job reschedules the transient error), and an untrusted
 * certificate stays untrusted.
 */
export class ReplayOnDropHandler implements Middleware {
  private next?: Middleware;
  private readonly budgets = new WeakMap<Context, Backoff>();

  constructor(private readonly options: ReplayOptions) {}

  async execute(context: Context): Promise<void> {
    let budget = this.budgets.get(context);
    if (!budget) {
      const { maxReplays, baseDelayMs, sleep, random } = this.options;
      budget = new Backoff({ baseMs: baseDelayMs, jitter: 'equal', maxAttempts: Math.max(0, maxReplays) + 1, sleep, random });
      this.budgets.set(context, budget);
    }
    await retry(() => (this.next as Middleware).execute(context), budget, {
      retryable: (error, attempt) => {
        if (!(error instanceof ConnectionError)) return false;
        // Decided only after a drop: parsing a $batch body for every request would tax the path that works.
        const url = typeof context.request === 'string' ? context.request : context.request.url;
        error.replayable = isReplayable(url, context.options?.method ?? 'GET', context.options?.body);
        error.attempts = attempt;
        return error.replayable && error.kind === 'connection';
      },
    });
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

export interface HttpHandlerOptions {
  limiter: Limiter;
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
      context.response = await this.send(url, method, headers, body ?? undefined).catch((error: unknown) => {
        reportUpstreamRequest({ system: 'graph', operation: method, status: 0, ms: Date.now() - started });
        throw error;
      });
      this.options.onRequest?.({ method, url, status: context.response.status, ms: Date.now() - started });
      reportUpstreamRequest({ system: 'graph', operation: method, status: context.response.status, ms: Date.now() - started });
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
          // A connection dropped mid-body ("aborted", ECONNRESET) is as much a drop as one before the status line.
          res.on('error', (error) => reject(connectionErrorOf(error)));
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
      req.on('timeout', () => req.destroy(new ConnectionError(`Graph request timed out after ${this.options.timeoutMs} ms`, 'ETIMEDOUT', 'timeout')));
      req.on('error', (error) => reject(connectionErrorOf(error)));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }
}
