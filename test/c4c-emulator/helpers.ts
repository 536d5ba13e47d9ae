/** Small fetch-based C4C client for the emulator tests: Basic auth, cookie jar of one session, CSRF token. */
import type { C4cEmulator } from '../emulators/c4c';

export const AUTH = `Basic ${Buffer.from('sandbox:sandbox').toString('base64')}`;

export interface Res {
  status: number;
  headers: Headers;
  text: string;
  // Response bodies are arbitrary OData JSON; tests index into them freely.
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export class TestClient {
  cookie = '';
  token = '';

  constructor(readonly emu: C4cEmulator) {}

  async raw(method: string, path: string, init: { headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {}): Promise<Res> {
    const url = path.startsWith('http') ? path : `${this.emu.serviceRoot}${path}`;
    const r = await fetch(url, { method, headers: init.headers, body: init.body, signal: init.signal });
    const text = await r.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: r.status, headers: r.headers, text, json };
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Res> {
    return this.raw('GET', path, { headers: { authorization: AUTH, accept: 'application/json', ...headers } });
  }

  /** Fetches a CSRF token and keeps the session cookie. */
  async fetchToken(): Promise<string> {
    const r = await fetch(this.emu.serviceRoot, { headers: { authorization: AUTH, accept: 'application/json', 'x-csrf-token': 'fetch', ...(this.cookie ? { cookie: this.cookie } : {}) } });
    await r.text();
    const set = r.headers.getSetCookie().map((c) => c.split(';')[0]);
    if (set.length) this.cookie = set.join('; ');
    this.token = r.headers.get('x-csrf-token') ?? '';
    return this.token;
  }

  async write(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
    if (!this.token) await this.fetchToken();
    return this.raw(method, path, {
      headers: {
        authorization: AUTH, accept: 'application/json', 'content-type': 'application/json',
        'x-csrf-token': this.token, cookie: this.cookie, ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async batch(body: string, boundary = 'batch_1', headers: Record<string, string> = {}): Promise<Res> {
    if (!this.token) await this.fetchToken();
    return this.raw('POST', '$batch', {
      headers: {
        authorization: AUTH, 'content-type': `multipart/mixed; boundary=${boundary}`,
        'x-csrf-token': this.token, cookie: this.cookie, ...headers,
      },
      body,
    });
  }
}

export const OBJECT_ID = /^[0-9A-F]{32}$/;
export const DATE_WIRE = /^\/Date\(\d+\)\/$/;
export const ETAG = /^W\/"datetimeoffset'\d{4}-\d{2}-\d{2}T\d{2}%3A\d{2}%3A\d{2}\.\d{7}Z'"$/;

export function crlf(lines: string[]): string {
  return lines.join('\r\n');
}
