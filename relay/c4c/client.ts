/**
 * The C4C OData V2 client (c4codataapi): one instance per C4C tenant + credential, long-lived, safe for
 * concurrent use. What it takes care of so callers do not have to:
 *
 * - **Session**: a tough-cookie jar on the axios instance and the CSRF token bound to it (§9). The token is fetched
 *   once (piggy-backed on the first GET when possible), sent on every write / `$batch` / POST function import, and
 *   re-fetched once when C4C answers `403` + `x-csrf-token: Required`.
 * - **Retries** (retry.ts, relay/lib/backoff.ts): exponential back-off with full jitter, `Retry-After` honoured, on 429 / 502 / 503 / 504,
 *   network errors and timeouts, but only where repeating is harmless: reads, read-only batches, updates and
 *   deletes. A create is never blindly repeated: with `createIdempotent` the caller's probe runs first and an
 *   existing record is returned instead of creating a second one.
 * - **Envelopes** (odata-json.ts): `d.results` single / collection, `__count`, `__next`, `/Date(ms)/`.
 * - **Errors** (errors.ts): typed, with C4C's message text, without secrets.
 */
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { CookieJar } from 'tough-cookie';
import { z } from 'zod';
import { createAuthProvider, type C4cAuth, type C4cAuthProvider } from './auth';
import { BatchBuilder, parseBatchResponse } from './batch';
import { BatchResult } from './batch-result';
import { attachCookieJar } from './cookies';
import type { CreateBodyOf, EntityOf, UpdateBodyOf } from './entities';
import {
  C4cCsrfError,
  C4cError,
  C4cNetworkError,
  C4cNotFoundError,
  C4cProtocolError,
  C4cThrottledError,
  errorFromResponse,
} from './errors';
import { type CollectionPage, unwrapCollection, unwrapEntity, unwrapFunctionResult } from './odata-json';
import { buildQueryString, checkEntitySet, encodeQueryValue, entityPath, eq, stringLiteral, withQuery, type ODataQuery } from './query';
import { sleep as realSleep } from '../lib/backoff';
import { reportUpstreamRequest } from '../metrics/edges';
import { parseRetryAfter, policyBackoff, retryPolicySchema, type RetryPolicy, type RetryPolicyInput } from './retry';

/** pino-compatible: `logger.debug({ ...fields }, 'message')`. A pino Logger fits. */
export interface C4cLogger {
  debug(obj: Record<string, unknown>, msg?: string): void;
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

export interface C4cClientOptions {
  /** `https://myNNNNNN.crm.ondemand.com/sap/c4c/odata/v1/c4codataapi/` (a missing trailing slash is added). */
  serviceRoot: string;
  auth: C4cAuth;
  /** Deadline of each HTTP attempt (connect to last byte). Default 30 s. */
  timeoutMs?: number;
  retry?: RetryPolicyInput;
  logger?: C4cLogger;
  /** Tests: deterministic jitter and instant sleeps. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const optionsSchema = z.object({
  serviceRoot: z.url({ protocol: /^https?$/ }),
  auth: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('basic'), username: z.string().min(1), password: z.string().min(1) }),
    z.object({ kind: z.literal('provider'), provider: z.custom<C4cAuthProvider>((v) => typeof v === 'object' && v !== null) }),
  ]),
  timeoutMs: z.number().int().positive().default(30_000),
  retry: retryPolicySchema.default(retryPolicySchema.parse({})),
});

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * How an operation may be repeated after a failure:
 * - `idempotent`: repeat on transient failures (reads, updates, deletes, read-only batches);
 * - `once`: never repeat unless C4C certainly did not process it (429, CSRF challenge);
 * - `probe`: like `once`, but after an unknown outcome run the probe; repeat only when it finds nothing.
 */
type RetryMode = 'idempotent' | 'once' | 'probe';

interface SendRequest {
  method: HttpMethod;
  /** Relative to the service root, or an absolute URL under it (a `__next` link). */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  mode: RetryMode;
  probe?: () => Promise<unknown>;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

type SendResult = { kind: 'response'; response: RawResponse } | { kind: 'existing'; entity: unknown };

export interface ReadOptions {
  select?: readonly string[];
  expand?: readonly string[];
}

export interface IdempotentCreateOptions<T> {
  /**
   * Looks the record up by a caller-chosen unique key (for an E-Mail: `GroupwareItemID eq '<message id>'`).
   * Called when a create's outcome is unknown (timeout, dropped connection, 5xx) before deciding to repeat it.
   */
  findExisting: () => Promise<T | undefined | null>;
}

export interface IdempotentCreateResult<T> {
  entity: T;
  /** False when `findExisting` found the record an earlier, uncertain attempt had created. */
  created: boolean;
}

export interface UpdateOptions {
  /** ETag read earlier (`__metadata.etag` or the `etag` header): sent as If-Match; a stale one gives 412. */
  etag?: string;
  /** PATCH (partial, default) or PUT (full replace). */
  method?: 'PATCH' | 'PUT';
}

export interface FunctionCallOptions {
  /** The function import's `m:HttpMethod` in the EDMX. */
  method: 'GET' | 'POST';
  /** True for functions without side effects (the `Check…ByGroupwareID` family), so they may be retried. */
  sideEffectFree?: boolean;
}

export interface PagingOptions {
  /** Stop after this many pages (protects against a server that never ends a `__next` chain). Default 1000. */
  maxPages?: number;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const WRITE_METHODS = new Set<HttpMethod>(['POST', 'PUT', 'PATCH', 'DELETE']);

function lowerCaseHeaders(headers: AxiosResponse['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

export class C4cClient {
  readonly serviceRoot: string;
  readonly retryPolicy: RetryPolicy;
  readonly timeoutMs: number;
  readonly #auth: C4cAuthProvider;
  readonly #http: AxiosInstance;
  readonly #agents: { http: http.Agent; https: https.Agent };
  readonly #logger?: C4cLogger;
  readonly #random: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  /** undefined = not fetched yet; null = the server issues none (CSRF not enforced for this user). */
  #csrfToken: string | null | undefined;
  #csrfFetch?: Promise<string | null>;

  constructor(options: C4cClientOptions) {
    const parsed = optionsSchema.safeParse(options);
    if (!parsed.success) {
      // Zod's message could echo the password; name only the paths.
      const paths = parsed.error.issues.map((issue) => issue.path.join('.') || '(options)').join(', ');
      throw new RangeError(`invalid C4C client options: ${paths}`);
    }
    this.serviceRoot = parsed.data.serviceRoot.endsWith('/') ? parsed.data.serviceRoot : `${parsed.data.serviceRoot}/`;
    this.retryPolicy = parsed.data.retry;
    this.timeoutMs = parsed.data.timeoutMs;
    this.#auth = createAuthProvider(options.auth);
    this.#logger = options.logger;
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? realSleep;
    this.#agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
    this.#http = axios.create({
      httpAgent: this.#agents.http,
      httpsAgent: this.#agents.https,
      // Redirects would carry the credentials elsewhere and usually mean a login page; treat them as errors.
      maxRedirects: 0,
      proxy: false,
      responseType: 'text',
      // Keep the raw text: $batch answers are multipart and JSON errors are parsed by us.
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      timeout: this.timeoutMs,
    });
    // One jar per client: the CSRF token belongs to this client's session only.
    attachCookieJar(this.#http, new CookieJar());
  }

  /** Keeps util.inspect / console.log of a client free of internals (and of anything secret). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `C4cClient(${this.serviceRoot}, ${this.#auth.describe()})`;
  }

  /** Free the keep-alive sockets. */
  close(): void {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  // ----------------------------------------------------------------------------------------------- reads

  /** GET one entity by ObjectID. Its ETag is in `__metadata.etag` (taken from the header when the body lacks it). */
  async read<S extends string, T = EntityOf<S>>(entitySet: S, objectId: string, options: ReadOptions = {}): Promise<T> {
    const path = withQuery(entityPath(entitySet, objectId), buildQueryString({ select: options.select, expand: options.expand }));
    const response = await this.#sendExpectingResponse({ method: 'GET', path, mode: 'idempotent' });
    return withEtag(unwrapEntity<T>(this.#json(response, path)), response);
  }

  /** One page of a collection query (server paging may cut it: look at `next`). */
  async query<S extends string, T = EntityOf<S>>(entitySet: S, query: ODataQuery = {}): Promise<CollectionPage<T>> {
    return this.#page<T>(withQuery(checkEntitySet(entitySet), buildQueryString(query)));
  }

  /** Every page of a query, following `__next` links until there are none. */
  async *pages<S extends string, T = EntityOf<S>>(
    entitySet: S,
    query: ODataQuery = {},
    options: PagingOptions = {},
  ): AsyncGenerator<CollectionPage<T>, void, undefined> {
    const maxPages = options.maxPages ?? 1000;
    let path: string | undefined = withQuery(checkEntitySet(entitySet), buildQueryString(query));
    for (let page = 1; path !== undefined; page += 1) {
      if (page > maxPages) throw new C4cProtocolError(`C4C paging of ${entitySet} exceeded ${maxPages} pages`);
      const current: CollectionPage<T> = await this.#page<T>(path);
      yield current;
      path = current.next;
    }
  }

  /** Every entity of a query, page by page (memory stays at one page). */
  async *iterate<S extends string, T = EntityOf<S>>(
    entitySet: S,
    query: ODataQuery = {},
    options: PagingOptions = {},
  ): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages<S, T>(entitySet, query, options)) yield* page.results;
  }

  /** All entities of a query; `maxItems` guards against unexpectedly large answers. */
  async queryAll<S extends string, T = EntityOf<S>>(
    entitySet: S,
    query: ODataQuery = {},
    options: PagingOptions & { maxItems?: number } = {},
  ): Promise<T[]> {
    const out: T[] = [];
    const maxItems = options.maxItems ?? 100_000;
    for await (const item of this.iterate<S, T>(entitySet, query, options)) {
      if (out.length >= maxItems) throw new C4cProtocolError(`C4C query of ${entitySet} returned more than ${maxItems} entities`);
      out.push(item);
    }
    return out;
  }

  /** Follow a `__next` link of an earlier page (it must point under this service root). */
  async nextPage<T>(next: string): Promise<CollectionPage<T>> {
    return this.#page<T>(next);
  }

  /** `GET <Set>/$count?$filter=…` (plain-text number). */
  async count(entitySet: string, filter?: string): Promise<number> {
    const path = withQuery(`${checkEntitySet(entitySet)}/$count`, buildQueryString({ filter }));
    const response = await this.#sendExpectingResponse({ method: 'GET', path, mode: 'idempotent', headers: { Accept: 'text/plain' } });
    const value = Number(response.body.trim());
    if (!Number.isInteger(value)) throw new C4cProtocolError(`C4C $count of ${entitySet} is not a number`);
    return value;
  }

  async #page<T>(path: string): Promise<CollectionPage<T>> {
    const response = await this.#sendExpectingResponse({ method: 'GET', path, mode: 'idempotent' });
    return unwrapCollection<T>(this.#json(response, path));
  }

  // ----------------------------------------------------------------------------------------------- writes

  /**
   * POST a new entity (deep insert: child rows as arrays under the navigation names). Not repeated when the
   * outcome is unknown; use `createIdempotent` when the entity has a unique key to look for.
   */
  async create<S extends string, T = EntityOf<S>>(entitySet: S, body: CreateBodyOf<S>): Promise<T> {
    const result = await this.#send({
      method: 'POST',
      path: checkEntitySet(entitySet),
      headers: JSON_HEADERS,
      body: JSON.stringify(body),
      mode: 'once',
    });
    return this.#created<T>(result, entitySet);
  }

  /**
   * POST with protection against duplicates: when an attempt's outcome is unknown (timeout, dropped connection,
   * 5xx) the client waits the back-off, runs `findExisting`, and returns the record it finds (`created: false`)
   * instead of posting again. Only when the probe finds nothing is the create repeated.
   */
  async createIdempotent<S extends string, T = EntityOf<S>>(
    entitySet: S,
    body: CreateBodyOf<S>,
    // NoInfer: T comes from the entity set, the probe only has to fit it.
    options: IdempotentCreateOptions<NoInfer<T>>,
  ): Promise<IdempotentCreateResult<T>> {
    const result = await this.#send({
      method: 'POST',
      path: checkEntitySet(entitySet),
      headers: JSON_HEADERS,
      body: JSON.stringify(body),
      mode: 'probe',
      probe: options.findExisting,
    });
    if (result.kind === 'existing') return { entity: result.entity as T, created: false };
    return { entity: this.#created<T>(result, entitySet), created: true };
  }

  #created<T>(result: SendResult, entitySet: string): T {
    if (result.kind !== 'response') throw new C4cProtocolError('unexpected probe result');
    const { response } = result;
    if (response.body.trim() === '') {
      throw new C4cProtocolError(`C4C answered the create of ${entitySet} with ${response.status} and no body`);
    }
    return withEtag(unwrapEntity<T>(this.#json(response, entitySet)), response);
  }

  /** PATCH (or PUT) by ObjectID; with `etag`, a concurrent change gives `C4cPreconditionFailedError`. */
  async update<S extends string>(
    entitySet: S,
    objectId: string,
    body: UpdateBodyOf<S>,
    options: UpdateOptions = {},
  ): Promise<{ etag?: string }> {
    const headers: Record<string, string> = { ...JSON_HEADERS };
    if (options.etag) headers['If-Match'] = options.etag;
    const response = await this.#sendExpectingResponse({
      method: options.method ?? 'PATCH',
      path: entityPath(entitySet, objectId),
      headers,
      body: JSON.stringify(body),
      mode: 'idempotent',
    });
    return response.headers.etag ? { etag: response.headers.etag } : {};
  }

  /** DELETE by ObjectID. A 404 after an attempt with unknown outcome counts as done (that attempt deleted it). */
  async delete(entitySet: string, objectId: string, options: { etag?: string } = {}): Promise<void> {
    const headers: Record<string, string> = {};
    if (options.etag) headers['If-Match'] = options.etag;
    try {
      await this.#sendExpectingResponse({ method: 'DELETE', path: entityPath(entitySet, objectId), headers, mode: 'idempotent' });
    } catch (error) {
      if (error instanceof C4cNotFoundError && error.afterUncertainAttempt) return;
      throw error;
    }
  }

  // ----------------------------------------------------------------------------------------------- functions, batch

  /**
   * Call a function import at the service root: `POST <root>CheckEmailByGroupwareID?GroupwareItemID='…'`.
   * Strings are sent as quoted OData literals. Returns the unwrapped result (primitive, entity or array).
   */
  async callFunction(
    name: string,
    parameters: Record<string, string | number | boolean>,
    options: FunctionCallOptions,
  ): Promise<unknown> {
    const query = Object.entries(parameters)
      .map(([key, value]) => `${encodeQueryValue(key)}=${encodeQueryValue(typeof value === 'string' ? stringLiteral(value) : String(value))}`)
      .join('&');
    const path = withQuery(checkEntitySet(name), query);
    const mode: RetryMode = options.method === 'GET' || options.sideEffectFree ? 'idempotent' : 'once';
    const response = await this.#sendExpectingResponse({ method: options.method, path, mode });
    return unwrapFunctionResult(this.#json(response, name), name);
  }

  /** `CheckEmailByGroupwareID`: has an E-Mail activity with this GroupwareItemID been saved already? */
  async checkEmailByGroupwareId(groupwareItemId: string): Promise<boolean> {
    return toBoolean(await this.callFunction('CheckEmailByGroupwareID', { GroupwareItemID: groupwareItemId }, { method: 'POST', sideEffectFree: true }));
  }

  /** `CheckAppointmentByGroupwareID`. */
  async checkAppointmentByGroupwareId(groupwareItemId: string): Promise<boolean> {
    return toBoolean(await this.callFunction('CheckAppointmentByGroupwareID', { GroupwareItemID: groupwareItemId }, { method: 'POST', sideEffectFree: true }));
  }

  /** Find an entity by a unique text property (e.g. `GroupwareItemID`), the usual `findExisting` probe. */
  async findOneBy<S extends string, T = EntityOf<S>>(entitySet: S, property: string, value: string): Promise<T | undefined> {
    const page = await this.query<S, T>(entitySet, { filter: eq(property, value), top: 1 });
    return page.results[0];
  }

  /**
   * Send a `$batch` in one HTTP request. A read-only batch is retried like a GET; a batch with changesets only
   * when C4C certainly did not process it (429, CSRF challenge).
   */
  async batch(builder: BatchBuilder): Promise<BatchResult> {
    const { contentType, body } = builder.build();
    const response = await this.#sendExpectingResponse({
      method: 'POST',
      path: '$batch',
      headers: { 'Content-Type': contentType, Accept: 'multipart/mixed' },
      body,
      mode: builder.readOnly ? 'idempotent' : 'once',
    });
    const items = parseBatchResponse(response.body, response.headers['content-type'] ?? '');
    return new BatchResult(builder.items, items);
  }

  /** Fetch the CSRF token now (otherwise it is fetched on the first write). Mostly for warm-up and tests. */
  async fetchCsrfToken(): Promise<void> {
    this.#csrfToken = undefined;
    await this.#csrf();
  }

  // ----------------------------------------------------------------------------------------------- transport

  #json(response: RawResponse, what: string): unknown {
    try {
      return JSON.parse(response.body) as unknown;
    } catch {
      throw new C4cProtocolError(`C4C answered ${what.split('?')[0]} with ${response.status} and a body that is not JSON`);
    }
  }

  async #sendExpectingResponse(request: SendRequest): Promise<RawResponse> {
    const result = await this.#send(request);
    if (result.kind !== 'response') throw new C4cProtocolError('unexpected probe result');
    return result.response;
  }

  /** Path for logs and errors: relative to the service root, without the query (it may hold e-mail addresses). */
  #logPath(path: string): string {
    const relative = path.startsWith(this.serviceRoot) ? path.slice(this.serviceRoot.length) : path;
    return relative.split('?')[0];
  }

  #url(path: string): string {
    if (/^https?:\/\//i.test(path)) {
      // `__next` links are absolute; follow them only under our own service root (credentials go with them).
      const target = new URL(path);
      const root = new URL(this.serviceRoot);
      if (target.origin !== root.origin || !target.pathname.startsWith(root.pathname)) {
        throw new C4cProtocolError(`C4C sent a link outside the service root: ${target.origin}${target.pathname}`);
      }
      return path;
    }
    return `${this.serviceRoot}${path}`;
  }

  async #send(request: SendRequest): Promise<SendResult> {
    const policy = this.retryPolicy;
    const method = request.method;
    const logPath = this.#logPath(request.path);
    const isWrite = WRITE_METHODS.has(method);
    // One step of the budget per attempt that failed; a CSRF re-fetch or a token refresh is not an attempt.
    const backoff = policyBackoff(policy, { sleep: this.#sleep, random: this.#random });
    let attempt = 0;
    let csrfRetried = false;
    let authRetried = false;
    let uncertain = false;

    /**
     * After an attempt with unknown outcome (probe mode): give the server the back-off delay to finish, then look
     * for the record. Also after the last attempt, so a create that did succeed is reported as such. A failing
     * probe leaves the outcome unknown: the original failure is reported.
     */
    const probe = async (delayMs: number, failure: C4cError): Promise<SendResult | undefined> => {
      uncertain = true;
      await backoff.wait(delayMs);
      let existing: unknown;
      try {
        existing = await request.probe?.();
      } catch (probeError) {
        this.#logger?.warn({ method, path: logPath, attempt, probeError: describe(probeError) }, 'C4C duplicate probe failed; outcome stays unknown');
        throw withAttempts(failure, attempt, true);
      }
      if (existing === undefined || existing === null) return undefined;
      this.#logger?.info({ method, path: logPath, attempt }, 'C4C create had an unknown outcome; found the existing record');
      return { kind: 'existing', entity: existing };
    };

    for (;;) {
      attempt += 1;
      const started = Date.now();
      let response: RawResponse;
      let usedToken: string | null | undefined;
      try {
        const sent = await this.#attempt(request);
        response = sent.response;
        usedToken = sent.csrfToken;
      } catch (error) {
        if (error instanceof C4cError) throw error; // token fetch failures are typed already
        const network = withAttempts(toNetworkError(error, method, logPath, attempt, isWrite), attempt, uncertain);
        this.#logger?.warn(
          { method, path: logPath, attempt, code: network.networkCode, timedOut: network.timedOut, ms: Date.now() - started },
          'C4C request failed without an answer',
        );
        reportUpstreamRequest({ system: 'c4c', operation: method, status: 0, ms: Date.now() - started });
        const step = backoff.next();
        if (request.mode === 'probe') {
          const found = await probe(step.delayMs, network);
          if (found) return found;
          if (step.retry) continue;
        } else if (request.mode === 'idempotent' && step.retry) {
          uncertain = uncertain || isWrite;
          await backoff.wait(step.delayMs);
          continue;
        }
        throw withAttempts(network, attempt, uncertain);
      }

      this.#logger?.debug({ method, path: logPath, status: response.status, attempt, ms: Date.now() - started }, 'C4C request');
      reportUpstreamRequest({ system: 'c4c', operation: method, status: response.status, ms: Date.now() - started });

      if (response.status === 403 && /^required$/i.test(response.headers['x-csrf-token'] ?? '')) {
        // The token (or the session it belongs to) expired; C4C did not process the request. Re-fetch once.
        if (this.#csrfToken === usedToken) this.#csrfToken = undefined;
        if (!csrfRetried && usedToken !== undefined) {
          csrfRetried = true;
          attempt -= 1;
          this.#logger?.info({ method, path: logPath }, 'C4C CSRF token rejected; fetching a new one');
          continue;
        }
        throw withAttempts(errorFromResponse(403, response.body, { method, path: logPath, csrfRequired: true }), attempt, uncertain);
      }

      if (response.status === 401 && !authRetried && (await this.#auth.onUnauthorized())) {
        authRetried = true;
        attempt -= 1;
        continue;
      }

      if (response.status >= 200 && response.status < 300) return { kind: 'response', response };

      const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
      const transient = policy.retryStatuses.includes(response.status);
      // 429 = rejected before processing: safe to repeat even for a create. A 5xx on a write: outcome unknown.
      const notProcessed = response.status === 429;
      const outcomeUnknown = isWrite && response.status >= 500;
      const failure = withAttempts(
        errorFromResponse(response.status, response.body, { method, path: logPath, outcomeUnknown, retryAfterMs }),
        attempt,
        uncertain,
      );

      if (transient && retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) {
        this.#logger?.warn({ method, path: logPath, status: response.status, retryAfterMs }, 'C4C asks to wait longer than the retry policy allows');
        if (request.mode === 'probe' && outcomeUnknown) {
          const found = await probe(0, failure);
          if (found) return found;
        }
        throw failure instanceof C4cThrottledError ? failure : withAttempts(new C4cThrottledError(failure.message, { ...failure, retryAfterMs }), attempt, uncertain);
      }
      const step = backoff.next(retryAfterMs);

      if (request.mode === 'probe' && outcomeUnknown) {
        const found = await probe(step.delayMs, failure);
        if (found) return found;
        if (transient && step.retry) continue;
        throw withAttempts(failure, attempt, uncertain);
      }
      if (transient && step.retry && (request.mode === 'idempotent' || notProcessed)) {
        this.#logger?.warn({ method, path: logPath, status: response.status, attempt, delayMs: step.delayMs }, 'C4C transient failure; retrying');
        uncertain = uncertain || outcomeUnknown;
        await backoff.wait(step.delayMs);
        continue;
      }
      throw failure;
    }
  }

  async #attempt(request: SendRequest): Promise<{ response: RawResponse; csrfToken: string | null | undefined }> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      DataServiceVersion: '2.0',
      MaxDataServiceVersion: '2.0',
      ...request.headers,
      Authorization: await this.#auth.authorization(),
    };
    let csrfToken: string | null | undefined;
    if (WRITE_METHODS.has(request.method)) {
      csrfToken = await this.#csrf();
      if (csrfToken) headers['x-csrf-token'] = csrfToken;
    } else if (this.#csrfToken === undefined && !this.#csrfFetch) {
      // Piggy-back the token fetch on a read we make anyway: saves the extra round trip before the first write.
      headers['x-csrf-token'] = 'fetch';
    }
    const response = await this.#http.request<string>({
      method: request.method,
      url: this.#url(request.path),
      headers,
      data: request.body,
      // axios' `timeout` is a socket inactivity timer; this bounds the whole attempt (a slowly dripping answer too).
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const raw: RawResponse = { status: response.status, headers: lowerCaseHeaders(response.headers), body: response.data ?? '' };
    if (headers['x-csrf-token'] === 'fetch') this.#takeToken(raw);
    return { response: raw, csrfToken };
  }

  #takeToken(response: RawResponse): void {
    if (response.status < 200 || response.status >= 300) return;
    const token = response.headers['x-csrf-token'];
    if (token && !/^(required|fetch)$/i.test(token)) this.#csrfToken = token;
    else if (this.#csrfToken === undefined) this.#csrfToken = null;
  }

  /** The current token, fetching it once for all concurrent callers when needed. */
  async #csrf(): Promise<string | null> {
    if (this.#csrfToken !== undefined) return this.#csrfToken;
    this.#csrfFetch ??= (async () => {
      try {
        // GET of the service document: small, always allowed, and the documented place to fetch the token.
        const result = await this.#send({ method: 'GET', path: '', mode: 'idempotent', headers: { 'x-csrf-token': 'fetch' } });
        if (result.kind === 'response') this.#takeToken(result.response);
        if (this.#csrfToken === undefined) throw new C4cCsrfError('C4C did not answer the CSRF token request', { method: 'GET', path: '' });
        return this.#csrfToken;
      } finally {
        this.#csrfFetch = undefined;
      }
    })();
    return this.#csrfFetch;
  }
}

function withEtag<T>(entity: T, response: RawResponse): T {
  const etag = response.headers.etag;
  if (!etag) return entity;
  const withMeta = entity as { __metadata?: { etag?: string } };
  withMeta.__metadata = { ...withMeta.__metadata, etag: withMeta.__metadata?.etag ?? etag };
  return entity;
}

function withAttempts<E extends C4cError>(error: E, attempts: number, uncertain: boolean): E {
  error.attempts = attempts;
  error.afterUncertainAttempt = uncertain;
  return error;
}

/** A failure's name and message for logs (never the object: an axios error holds the request headers). */
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function toBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'X') return true;
  if (value === 'false' || value === '') return false;
  throw new C4cProtocolError(`expected a Boolean function result, got ${typeof value}`);
}

/** Map an axios / socket failure to C4cNetworkError without keeping the axios error (its config holds credentials). */
function toNetworkError(error: unknown, method: string, path: string, attempt: number, isWrite: boolean): C4cNetworkError {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const networkCode = typeof code === 'string' ? code : undefined;
  // ERR_CANCELED: our own AbortSignal.timeout fired (nothing else cancels requests).
  const timedOut = networkCode === 'ECONNABORTED' || networkCode === 'ETIMEDOUT' || networkCode === 'ERR_CANCELED';
  const what = timedOut ? 'timed out' : `failed (${networkCode ?? 'network error'})`;
  return new C4cNetworkError(`C4C request ${method} ${path} ${what}`, {
    method,
    path,
    attempts: attempt,
    timedOut,
    networkCode,
    outcomeUnknown: isWrite,
  });
}
