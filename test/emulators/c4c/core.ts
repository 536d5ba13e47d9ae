/**
 * The emulator's request pipeline on node:http: counters -> latency -> fault rules -> Basic auth -> CSRF ->
 * $batch or a single OData request. Transport concerns only; OData semantics live in service.ts / batch.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { assertBatchRequest, executeBatch, innerRequest, parseBatch } from './batch';
import { serviceModel, type ServiceModel } from './edmx-model';
import { ODataError, errorBody, statusText } from './errors';
import { FaultInjector, type FaultRule } from './faults';
import { NavigationResolver } from './navigation';
import { CsrfGuard, MODIFYING_METHODS, WWW_AUTHENTICATE, authenticate, type Credentials } from './security';
import { ODataService, endpointKey, errorResponse, type ODataRequest } from './service';
import { TenantStore } from './store';
import { EntityWriter } from './write';

export const SERVICE_ROOT_PATH = '/sap/c4c/odata/v1/c4codataapi/';

export interface CoreOptions {
  users: Credentials[];
  csrf: boolean;
  pageSize: number;
  expandPageSize: number;
}

/** What the pipeline decided to send. `hang` = never answer; `drop` = destroy the socket. */
export interface HttpResult {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function headerMap(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function errorResult(status: number, code: string, message: string, headers: Record<string, string> = {}): HttpResult {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', dataserviceversion: '2.0', ...headers },
    body: JSON.stringify(errorBody(code, message)),
  };
}

export class EmulatorCore {
  readonly model: ServiceModel = serviceModel();
  readonly store = new TenantStore();
  readonly resolver: NavigationResolver;
  readonly writer: EntityWriter;
  readonly service: ODataService;
  readonly faults = new FaultInjector();
  readonly csrf: CsrfGuard;
  private counters = new Map<string, number>();
  /** Requests held open by 'timeout' faults; answered or destroyed on close(). */
  readonly held = new Set<ServerResponse>();

  constructor(readonly options: CoreOptions) {
    this.resolver = new NavigationResolver(this.model, this.store);
    this.writer = new EntityWriter(this.model, this.store, this.resolver);
    this.service = new ODataService(this.model, this.store, this.resolver, this.writer, {
      pageSize: options.pageSize,
      expandPageSize: options.expandPageSize,
    });
    this.csrf = new CsrfGuard(options.csrf);
  }

  count(key: string): void {
    this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
  }

  counterSnapshot(): Record<string, number> {
    return Object.fromEntries(this.counters);
  }

  resetCounters(): void {
    this.counters.clear();
  }

  /** Entry point for requests under the service root. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const rel = url.pathname.slice(SERVICE_ROOT_PATH.length);
    const isBatch = rel === '$batch';
    this.count('total');
    this.count(isBatch ? `${method} $batch` : endpointKey(method, safeDecodePath(rel)));
    const body = await readBody(req);
    if (this.faults.latencyMs > 0) await sleep(this.faults.latencyMs);

    const rule = this.faults.take(method, req.url ?? '');
    if (rule) {
      await this.applyFault(rule, req, res, () => this.process(req, url, method, rel, body));
      return;
    }
    this.send(res, method, this.process(req, url, method, rel, body));
  }

  private async applyFault(rule: FaultRule, req: IncomingMessage, res: ServerResponse, run: () => HttpResult): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    if (rule.kind === 'status') {
      const status = rule.status ?? 500;
      const headers: Record<string, string> = {};
      if (rule.retryAfterSeconds !== undefined) headers['retry-after'] = String(rule.retryAfterSeconds);
      if (status === 401) headers['www-authenticate'] = WWW_AUTHENTICATE;
      if (status === 403) headers['x-csrf-token'] = 'Required';
      this.send(res, method, errorResult(status, `EMULATOR/${status}`, rule.message ?? `Injected fault: ${statusText(status)}`, headers));
      return;
    }
    if (rule.kind === 'drop') {
      if (rule.applyBeforeDrop) run();
      req.socket.destroy();
      return;
    }
    // timeout
    const result = rule.applyThenHang ? run() : undefined;
    this.held.add(res);
    res.on('close', () => this.held.delete(res));
    if (rule.ms === undefined) return; // hold forever (until the client gives up or the server closes)
    await sleep(rule.ms);
    this.held.delete(res);
    if (res.destroyed || res.writableEnded) return;
    this.send(res, method, result ?? run());
  }

  private send(res: ServerResponse, method: string, r: HttpResult): void {
    if (res.destroyed || res.writableEnded) return;
    const headers = { ...r.headers };
    const withBody = method !== 'HEAD' && r.status !== 204;
    if (!('content-length' in headers)) headers['content-length'] = String(withBody ? Buffer.byteLength(r.body) : 0);
    res.writeHead(r.status, headers);
    res.end(withBody ? r.body : undefined);
  }

  /** Auth, CSRF and dispatch. Synchronous so a changeset and its rollback cannot interleave with other requests. */
  process(req: IncomingMessage, url: URL, method: string, rel: string, body: string): HttpResult {
    const headers = headerMap(req);
    const user = authenticate(headers.authorization, this.options.users);
    if (!user) {
      return errorResult(401, '/IWFND/CM_MGW/401', 'Logon failed: valid Basic credentials are required', { 'www-authenticate': WWW_AUTHENTICATE });
    }
    const extra: Record<string, string | string[]> = {};
    const tokenHeader = headers['x-csrf-token'];
    if ((method === 'GET' || method === 'HEAD') && tokenHeader?.toLowerCase() === 'fetch') {
      Object.assign(extra, this.csrf.fetch(headers.cookie, user));
    }
    if (MODIFYING_METHODS.has(method) && !this.csrf.valid(headers.cookie, tokenHeader, user)) {
      return errorResult(403, '/IWFND/CM_MGW/403', 'CSRF token validation failed', { 'x-csrf-token': 'Required' });
    }
    const serviceUrl = `http://${headers.host ?? url.host}${SERVICE_ROOT_PATH}`;
    let result: HttpResult;
    if (rel === '$batch') {
      result = this.batch(method, headers, body, serviceUrl, user);
    } else {
      const r = this.service.handle({
        method, path: safeDecodePath(rel), query: url.searchParams, headers, body, serviceUrl, user, inBatch: false,
      });
      result = { status: r.status, headers: r.headers, body: r.body };
    }
    result.headers = { ...result.headers, ...extra };
    return result;
  }

  private batch(method: string, headers: Record<string, string>, body: string, serviceUrl: string, user: string): HttpResult {
    try {
      if (method !== 'POST') throw new ODataError(405, '/IWFND/CM_MGW_RT/021', '$batch must be sent with POST');
      const boundary = assertBatchRequest(headers['content-type']);
      const parts = parseBatch(body, boundary);
      const base: Pick<ODataRequest, 'serviceUrl' | 'user' | 'inBatch'> = { serviceUrl, user, inBatch: true };
      const out = executeBatch(parts, {
        run: (op, inChangeset) => {
          this.count(`batch:${endpointKey(op.method.toUpperCase(), innerRequest(op, SERVICE_ROOT_PATH, base).path)}`);
          void inChangeset;
          return this.service.handle(innerRequest(op, SERVICE_ROOT_PATH, base));
        },
        begin: () => this.store.begin(),
        commit: () => this.store.commit(),
        rollback: () => this.store.rollback(),
      });
      return { status: 202, headers: { 'content-type': out.contentType, dataserviceversion: '2.0' }, body: out.body };
    } catch (e) {
      const err = e instanceof ODataError ? e : new ODataError(500, 'SY/500', e instanceof Error ? e.message : String(e));
      const r = errorResponse(err);
      return { status: r.status, headers: r.headers, body: r.body };
    }
  }
}

function safeDecodePath(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}
