/**
 * The HTTP layer handed to ews-javascript-api (`service.XHRApi`). It replaces the library's default transport to:
 * - hold a slot of the account's concurrency limiter for every call;
 * - honour `ErrorServerBusy` (HTTP 500 SOAP fault with BackOffMilliseconds): wait and resend, bounded;
 * - retry read-only operations once or twice when the connection drops (never writes: they may have happened);
 * - keep non-SOAP error bodies away from the library, whose fault parser crashes the process on them
 *   (an uncaught TypeError in a promise callback) — they are reported as HTTP errors instead;
 * - record what happened on the wire in the caller's call context (AsyncLocalStorage), so errors are classified
 *   from facts (status, fault code) rather than from the library's loosely typed error objects.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import https from 'node:https';
import axios, { type AxiosResponse } from 'axios';
import type { IXHRApi, IXHROptions } from 'ews-javascript-api';
import { Backoff } from '../../lib/backoff';
import type { Limiter } from '../../lib/limiter';
import { reportUpstreamRequest } from '../../metrics/edges';

/** What the transport saw for the calls of one Mailbox method. */
export interface CallRecord {
  /** Last HTTP status (0 = no response). */
  status?: number;
  /** Response code of the last SOAP fault (e.g. ErrorImpersonateUserDenied). */
  faultCode?: string;
  faultMessage?: string;
  /** BackOffMilliseconds of the last ErrorServerBusy that was not retried. */
  backOffMs?: number;
  /** Network error code (ECONNREFUSED, ECONNRESET, …). */
  networkError?: string;
  /** ErrorServerBusy faults seen (retried or not). */
  throttled: number;
  requests: number;
}

export const callContext = new AsyncLocalStorage<CallRecord>();

export interface EwsTransportOptions {
  limiter: Limiter;
  /** Resends after ErrorServerBusy before giving up (default 4). */
  maxBusyRetries?: number;
  /** Longest back-off honoured in-process; a longer hint fails the call as throttled (default 30 s). */
  maxBackOffMs?: number;
  /** Resends of read-only operations after a dropped connection (default 2). */
  maxNetworkRetries?: number;
  /** Per-request timeout (default 100 s; EWS batches may run up to a minute server-side). */
  timeoutMs?: number;
  /** Extra CA certificate(s) to trust for https EWS URLs. */
  caPem?: string;
  sleep?: (ms: number) => Promise<void>;
}

/** Operations that change nothing on the server, safe to resend after a dropped connection. */
const READ_ONLY = new Set(['GetFolder', 'FindFolder', 'SyncFolderHierarchy', 'SyncFolderItems', 'GetItem', 'FindItem', 'GetAttachment', 'GetUserConfiguration', 'ResolveNames', 'ConvertId']);

export function soapOperationOf(body: unknown): string {
  if (typeof body !== 'string') return 'Unknown';
  const match = /<(?:[\w-]+:)?Body[^>]*>\s*<(?:[\w-]+:)?(\w+)/.exec(body);
  return match?.[1] ?? 'Unknown';
}

/** Response code and BackOffMilliseconds of a SOAP fault body, if it is one. */
export function parseFault(body: string): { code: string; message?: string; backOffMs?: number } | undefined {
  if (!/<(?:[\w-]+:)?Fault\b/.test(body)) return undefined;
  const code = /<(?:[\w-]+:)?ResponseCode[^>]*>\s*([A-Za-z]+)\s*</.exec(body)?.[1] ?? /<faultcode[^>]*>(?:[\w-]+:)?([A-Za-z]+)</.exec(body)?.[1];
  if (!code) return undefined;
  const message = /<(?:[\w-]+:)?Message[^>]*>([^<]*)</.exec(body)?.[1] ?? /<faultstring[^>]*>([^<]*)</.exec(body)?.[1];
  const backOff = /Name="BackOffMilliseconds"[^>]*>\s*(\d+)\s*</.exec(body)?.[1];
  return { code, message, backOffMs: backOff ? Number(backOff) : undefined };
}

function looksLikeSoap(body: string): boolean {
  return /<(?:[\w-]+:)?Envelope\b/.test(body);
}

/** The XMLHttpRequest-like object the library expects (see @ewsjs/xhr's setupXhrResponse). */
function xhrLike(status: number, statusText: string, body: string, headers: Record<string, string>, message?: string): XMLHttpRequest {
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = String(v);
  const response = {
    status,
    statusText,
    responseText: body,
    response: body,
    responseType: '',
    headers: lower,
    message,
    getAllResponseHeaders: () => Object.entries(lower).map(([k, v]) => `${k} : ${v}\r\n`).join(''),
    getResponseHeader: (name: string) => lower[name.toLowerCase()] ?? null,
  };
  // The library only reads the members above; it types them as XMLHttpRequest.
  return response as unknown as XMLHttpRequest;
}

export class EwsTransport implements IXHRApi {
  readonly apiName = 'relay-ews-transport';
  private readonly httpsAgent?: https.Agent;

  constructor(private readonly options: EwsTransportOptions) {
    if (options.caPem) this.httpsAgent = new https.Agent({ ca: options.caPem, keepAlive: true });
  }

  async xhr(request: IXHROptions): Promise<XMLHttpRequest> {
    const record = callContext.getStore();
    const operation = soapOperationOf(request.data);
    const sleep = this.options.sleep;
    // Two budgets: the server's busy hints and dropped connections are unrelated, one must not spend the other's.
    // Without a hint, busy waits 1 s, 2 s, 4 s, …; a wait over the cap is not slept through (the job reschedules).
    const busy = new Backoff({ baseMs: 1000, maxAttempts: Math.max(0, this.options.maxBusyRetries ?? 4) + 1, giveUpAboveMs: this.options.maxBackOffMs ?? 30_000, sleep });
    const network = new Backoff({ baseMs: 200, maxAttempts: (READ_ONLY.has(operation) ? Math.max(0, this.options.maxNetworkRetries ?? 2) : 0) + 1, sleep });
    for (;;) {
      let response: AxiosResponse<string>;
      const release = await this.options.limiter.acquire();
      const started = Date.now();
      try {
        if (record) record.requests += 1;
        response = await axios.request<string>({
          url: request.url,
          method: (request.type ?? 'POST') as 'POST',
          data: request.data,
          headers: request.headers as Record<string, string>,
          responseType: 'text',
          transformResponse: (data: unknown) => data,
          validateStatus: () => true,
          maxRedirects: request.allowRedirect ? 5 : 0,
          timeout: this.options.timeoutMs ?? 100_000,
          httpsAgent: this.httpsAgent,
          decompress: true,
        });
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'ENETWORK';
        reportUpstreamRequest({ system: 'ews', operation, status: 0, ms: Date.now() - started });
        const step = network.next();
        if (step.retry) {
          await network.wait(step.delayMs);
          continue;
        }
        if (record) Object.assign(record, { status: 0, networkError: code });
        throw xhrLike(0, 'Network Error', '', {}, `Could not reach the EWS endpoint (${code}).`);
      } finally {
        release();
      }
      reportUpstreamRequest({ system: 'ews', operation, status: response.status, ms: Date.now() - started });
      const body = typeof response.data === 'string' ? response.data : '';
      const headers = response.headers as Record<string, string>;
      if (record) record.status = response.status;
      if (response.status === 200) return xhrLike(200, response.statusText, body, headers);
      const fault = response.status === 500 ? parseFault(body) : undefined;
      if (record && fault) Object.assign(record, { faultCode: fault.code, faultMessage: fault.message });
      if (fault?.code === 'ErrorServerBusy') {
        if (record) record.throttled += 1;
        const step = busy.next(fault.backOffMs);
        if (step.retry) {
          await busy.wait(step.delayMs);
          continue;
        }
        if (record) record.backOffMs = step.delayMs;
      }
      if (response.status === 500 && !looksLikeSoap(body)) {
        // Keep the library's SOAP fault parser away from non-XML bodies (it would crash the process).
        if (record) record.status = 502;
        throw xhrLike(502, 'Bad Gateway', '', headers, `The EWS endpoint answered HTTP 500 without a SOAP fault.`);
      }
      throw xhrLike(response.status, response.statusText, body, headers, `HTTP ${response.status} ${response.statusText}`.trim());
    }
  }

  xhrStream(): Promise<XMLHttpRequest> {
    return Promise.reject(new Error('Streaming notifications are not used by the relay (sync-only design).'));
  }

  disconnect(): void {
    this.httpsAgent?.destroy();
  }
}
