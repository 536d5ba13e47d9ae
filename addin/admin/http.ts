/**
 * The console's transport to the relay: bearer token from the auth module, JSON in and out checked with the shared zod
 * schemas, one error type carrying the relay's { code, message, fields } (so a form can put each message next to its
 * field), and Server-Sent Events read through fetch: EventSource cannot send an Authorization header.
 */
import type { z } from 'zod';
import { ErrorBodySchema } from '../../shared/api/admin';

export class AdminApiError extends Error {
  override name = 'AdminApiError';
  constructor(
    /** HTTP status; 0 when no answer arrived or the request was refused before sending. */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
  }
}

export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpOptions {
  baseUrl: string;
  getAccessToken(options?: { forceRefresh?: boolean }): Promise<string>;
  fetch?: typeof fetch;
}

export interface Call<T> {
  method: Method;
  path: string;
  query?: Record<string, string | number | undefined>;
  /** JSON body, or a raw body (CSV upload) with its content type. */
  body?: unknown;
  rawBody?: { content: Blob | string; contentType: string };
  response: z.ZodType<T>;
  signal?: AbortSignal;
}

export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

/** Checks a request before sending it; a failure is reported exactly like the relay's 400 (`fields` per input). */
export function checked<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) fields[issue.path.length > 0 ? issue.path.join('.') : '(body)'] ??= issue.message;
  throw new AdminApiError(0, 'invalid-request', 'Some fields need attention.', fields);
}

/** Splits an SSE byte stream into messages (WHATWG HTML §9.2.6: fields per line, a blank line ends a message). */
export function createSseParser(onMessage: (message: SseMessage) => void): { push(chunk: string): void; end(): void } {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  const dispatch = (): void => {
    if (data.length > 0) onMessage({ event: event || 'message', data: data.join('\n'), id });
    event = '';
    data = [];
  };
  const line = (text: string): void => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  };
  return {
    push(chunk) {
      buffer += chunk;
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop() ?? '';
      for (const l of lines) line(l);
    },
    end() {
      if (buffer !== '') line(buffer);
      buffer = '';
      dispatch();
    },
  };
}

export class AdminHttp {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: HttpOptions) {
    // Bound call: window.fetch throws "Illegal invocation" when called as a method of another object.
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  url(path: string, query?: Record<string, string | number | undefined>): string {
    const url = new URL(path, this.options.baseUrl);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    return url.toString();
  }

  async call<T>(call: Call<T>): Promise<T> {
    let response = await this.send(call, false);
    // A cached token the relay no longer accepts: ask for a fresh one, once.
    if (response.status === 401) response = await this.send(call, true);
    if (response.status === 204) return call.response.parse(undefined);
    const payload: unknown = await response.json().catch(() => undefined);
    if (!response.ok) throw errorOf(response.status, payload);
    const parsed = call.response.safeParse(payload);
    if (!parsed.success) throw new AdminApiError(response.status, 'invalid-response', `Unexpected answer from ${call.path}`);
    return parsed.data;
  }

  /** Reads an event stream until it ends or `signal` aborts; each message goes to `onMessage` as it arrives. */
  async stream(path: string, onMessage: (message: SseMessage) => void, signal?: AbortSignal, query?: Record<string, string | number | undefined>): Promise<void> {
    const call: Call<unknown> = { method: 'GET', path, query, response: {} as z.ZodType<unknown>, signal };
    let response = await this.send(call, false, 'text/event-stream');
    if (response.status === 401) response = await this.send(call, true, 'text/event-stream');
    if (!response.ok || response.body === null) throw errorOf(response.status, await response.json().catch(() => undefined));
    const parser = createSseParser(onMessage);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.push(value);
      }
      parser.end();
    } finally {
      reader.releaseLock();
    }
  }

  private async send(call: Call<unknown>, forceRefresh: boolean, accept = 'application/json'): Promise<Response> {
    let token: string;
    try {
      token = await this.options.getAccessToken({ forceRefresh });
    } catch (error) {
      throw new AdminApiError(0, 'auth', error instanceof Error ? error.message : 'Could not sign in');
    }
    const headers: Record<string, string> = { accept, authorization: `Bearer ${token}` };
    let body: BodyInit | undefined;
    if (call.rawBody !== undefined) {
      headers['content-type'] = call.rawBody.contentType;
      body = call.rawBody.content;
    } else if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.body);
    }
    try {
      return await this.fetchImpl(this.url(call.path, call.query), { method: call.method, headers, body, signal: call.signal, credentials: 'omit' });
    } catch (error) {
      if (isAbortError(error)) throw error;
      throw new AdminApiError(0, 'network', 'The relay could not be reached.');
    }
  }
}

function errorOf(status: number, payload: unknown): AdminApiError {
  const error = ErrorBodySchema.safeParse(payload);
  if (error.success) return new AdminApiError(status, error.data.error.code, error.data.error.message, error.data.error.fields);
  return new AdminApiError(status, `http-${status}`, `The relay answered HTTP ${status}.`);
}
