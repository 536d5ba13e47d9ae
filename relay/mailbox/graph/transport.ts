/**
 * One mailbox's HTTP path to Microsoft Graph: the SDK client with our middleware chain, raw responses (we need
 * status, `Date` and `Retry-After` headers), error mapping, and `$batch` with per-sub-request throttling retries.
 *
 * What is sent again automatically: a throttled answer (429, 503; 504 unless a POST other than a `$batch` of GETs)
 * after its Retry-After, when that is within `maxRetryAfterSeconds`; a dropped connection only for GETs and `$batch`es
 * of GETs (middleware.ts).
 * A create whose connection dropped is reported as a transient `network` error and never resent: the server may have
 * created the item already, so the caller must look for it (the C4C stamp) before creating again.
 */
import { AuthenticationHandler, Client, GraphClientError, ResponseType, RetryHandler, RetryHandlerOptions, type AuthenticationProvider } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import { backoffDelay, sleep } from '../../lib/backoff';
import { acquireMailboxLimiter } from './limiter';
import { IMMUTABLE_ID_PREFERENCE, isReplayable, LimitedNodeHttpHandler, PreferHeaderHandler, ReplayOnDropHandler } from './middleware';
import { errorFromException, errorFromGraphResponse, GraphMailboxError, parseRetryAfter, type GraphErrorBody } from './errors';

export interface TransportOptions {
  graphBaseUrl: string;
  address: string;
  appOnly: boolean;
  clientId: string;
  auth: AuthenticationProvider;
  maxConcurrency: number;
  caPem?: string;
  timeoutMs: number;
  /** Retries of a throttled (429/503) call; the SDK's RetryHandler caps this at 10. */
  maxRetries: number;
  /** A Retry-After longer than this is not slept through: the call fails as `throttled` and the job reschedules. */
  maxRetryAfterSeconds: number;
  /** Back-off (seconds) when a throttled answer has no Retry-After. */
  defaultDelaySeconds: number;
  /**
   * Resends of an idempotent request (GET, `$batch` of GETs) whose connection dropped. Default: 2, but never more than
   * `maxRetries`, so `maxRetries: 0` turns every automatic resend off.
   */
  maxNetworkRetries?: number;
  /**
   * Back-off (seconds) before the first resend after a drop; doubles per resend, with jitter. Default: 0.5 s, or
   * `defaultDelaySeconds` if that is shorter (tests configure a fast back-off through it).
   */
  networkDelaySeconds?: number;
  onRequest?: (info: { method: string; url: string; status: number; ms: number }) => void;
}

export interface GraphResult {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface BatchRequest {
  method: 'GET' | 'PATCH' | 'POST' | 'DELETE';
  /** Relative to the version root, e.g. `/users/a@b/messages/{id}`. */
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

const batchResponseSchema = z.object({
  responses: z.array(z.object({ id: z.string(), status: z.number().int(), headers: z.record(z.string(), z.string()).optional(), body: z.unknown().optional() })),
});
export type BatchSubResponse = z.infer<typeof batchResponseSchema>['responses'][number];

/** The sub-responses of a `$batch` answer (any order; match them by id). */
export function parseBatchResponse(body: unknown): BatchSubResponse[] {
  const parsed = batchResponseSchema.safeParse(body);
  if (!parsed.success) throw new GraphMailboxError('server-error', 'Unexpected $batch response from Graph', true, 'unknown');
  return parsed.data.responses;
}

export const MAX_BATCH = 20;

/**
 * The SDK wraps anything an AuthenticationProvider throws into a GraphError and loses the original (msal's error code),
 * except GraphClientError, which it rethrows as is; so token failures travel as this, carrying the mapped error.
 */
class TokenFailure extends GraphClientError {
  constructor(readonly mapped: Error) {
    super(mapped.message);
    // GraphClientError resets the prototype to its own; restore ours so `instanceof TokenFailure` holds.
    Object.setPrototypeOf(this, TokenFailure.prototype);
  }
}

export class GraphTransport {
  private readonly client: Client;
  private readonly http: LimitedNodeHttpHandler;
  private readonly releaseLimiter: () => void;
  private readonly baseUrl: string;

  constructor(private readonly options: TransportOptions) {
    const base = new URL(options.graphBaseUrl);
    if (base.protocol !== 'https:') throw new Error(`graphBaseUrl must be https (got ${options.graphBaseUrl})`);
    this.baseUrl = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
    const { limiter, release } = acquireMailboxLimiter(`${base.host}|${options.clientId}|${options.address}`, options.maxConcurrency);
    this.releaseLimiter = release;
    this.http = new LimitedNodeHttpHandler({ limiter, caPem: options.caPem, timeoutMs: options.timeoutMs, onRequest: options.onRequest });
    const retry = new RetryHandler(
      new RetryHandlerOptions(options.defaultDelaySeconds, options.maxRetries, (_delay, _attempt, request, fetchOptions, response) => {
        const method = (fetchOptions?.method ?? 'GET').toUpperCase();
        const url = typeof request === 'string' ? request : request.url;
        // 504 may mean "executed but slow": never replay a create (a $batch of GETs is fine). 429/503 were not executed.
        if (response.status === 504 && method === 'POST' && !isReplayable(url, method, fetchOptions?.body)) return false;
        const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
        return retryAfter === undefined || retryAfter <= options.maxRetryAfterSeconds;
      }),
    );
    const auth = new AuthenticationHandler({
      getAccessToken: async (authOptions) => {
        try {
          return await options.auth.getAccessToken(authOptions);
        } catch (error) {
          throw new TokenFailure(errorFromException(error, 'token request', options));
        }
      },
    });
    const replay = new ReplayOnDropHandler({
      maxReplays: Math.max(0, Math.min(options.maxNetworkRetries ?? 2, options.maxRetries)),
      baseDelayMs: 1000 * (options.networkDelaySeconds ?? Math.min(0.5, options.defaultDelaySeconds)),
    });
    const prefer = new PreferHeaderHandler();
    auth.setNext(retry);
    retry.setNext(replay);
    replay.setNext(prefer);
    prefer.setNext(this.http);
    this.client = Client.initWithMiddleware({
      middleware: auth,
      baseUrl: this.baseUrl,
      defaultVersion: 'v1.0',
      // The token goes to graph.microsoft.com and to the configured host only (the emulator in tests).
      customHosts: new Set([base.hostname]),
    });
  }

  get versionRoot(): string {
    return `${this.baseUrl}/v1.0`;
  }

  /** One call; throws mapped errors for anything but 2xx. `path` may be absolute (a nextLink / deltaLink). */
  async call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; mailboxLevel?: boolean } = {},
  ): Promise<GraphResult> {
    const what = `${method} ${path.startsWith('http') ? new URL(path).pathname : path.split('?')[0]}`;
    let response: Response;
    try {
      let request = this.client.api(path).responseType(ResponseType.RAW);
      if (options.headers) request = request.headers(options.headers);
      if (method === 'GET') response = (await request.get()) as Response;
      else if (method === 'POST') response = (await request.post(options.body ?? {})) as Response;
      else if (method === 'PATCH') response = (await request.patch(options.body ?? {})) as Response;
      else response = (await request.delete()) as Response;
    } catch (error) {
      if (error instanceof TokenFailure) throw error.mapped;
      throw errorFromException(error, what, this.options);
    }
    const text = await response.text();
    let body: unknown;
    if (text.length > 0) {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        body = text;
      }
    }
    if (response.status >= 200 && response.status < 300) return { status: response.status, headers: response.headers, body };
    throw errorFromGraphResponse(response.status, body as GraphErrorBody, response.headers.get('Retry-After'), what, { ...this.options, mailboxLevel: options.mailboxLevel });
  }

  /**
   * Runs requests through `$batch` (≤ 20 per batch, batches in parallel under the mailbox limiter). Sub-responses
   * throttled with 429/503 are retried alone after their Retry-After, at most `maxRetries` times. Returns one result
   * per request, in order; failed sub-requests come back as errors (not thrown), so callers decide per item.
   */
  async batch(requests: BatchRequest[]): Promise<(GraphResult | Error)[]> {
    const results: (GraphResult | Error)[] = new Array(requests.length);
    const chunks: number[][] = [];
    for (let i = 0; i < requests.length; i += MAX_BATCH) chunks.push(requests.slice(i, i + MAX_BATCH).map((_, j) => i + j));
    await Promise.all(chunks.map((indexes) => this.runBatch(requests, indexes, results)));
    return results;
  }

  private async runBatch(requests: BatchRequest[], indexes: number[], results: (GraphResult | Error)[]): Promise<void> {
    let pending = indexes;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const payload = {
        requests: pending.map((index) => {
          const r = requests[index];
          return {
            id: String(index),
            method: r.method,
            url: r.url,
            // Sub-requests carry their own headers; the top-level Prefer does not reach them.
            headers: { Prefer: IMMUTABLE_ID_PREFERENCE, ...(r.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...r.headers },
            ...(r.body !== undefined ? { body: r.body } : {}),
          };
        }),
      };
      const { body } = await this.call('POST', '/$batch', { body: payload });
      const responses = parseBatchResponse(body);
      const retry: number[] = [];
      let waitSeconds = 0;
      for (const index of pending) {
        const sub = responses.find((r) => r.id === String(index));
        const r = requests[index];
        const what = `${r.method} ${r.url.split('?')[0]} (in $batch)`;
        if (!sub) {
          results[index] = new GraphMailboxError('server-error', `${what}: no response in the batch`, true, 'unknown');
          continue;
        }
        const headers = new Headers(sub.headers ?? {});
        if (sub.status >= 200 && sub.status < 300) {
          results[index] = { status: sub.status, headers, body: sub.body };
          continue;
        }
        const retryAfter = parseRetryAfter(headers.get('Retry-After'));
        const throttled = sub.status === 429 || sub.status === 503;
        if (throttled && attempt < this.options.maxRetries && (retryAfter ?? 0) <= this.options.maxRetryAfterSeconds) {
          retry.push(index);
          waitSeconds = Math.max(waitSeconds, retryAfter ?? backoffDelay(attempt + 1, { baseMs: this.options.defaultDelaySeconds * 1000 }) / 1000);
          continue;
        }
        results[index] = errorFromGraphResponse(sub.status, sub.body as GraphErrorBody, headers.get('Retry-After'), what, this.options);
      }
      pending = retry;
      if (pending.length > 0) await sleep(waitSeconds * 1000);
    }
  }

  close(): void {
    this.http.close();
    this.releaseLimiter();
  }
}
