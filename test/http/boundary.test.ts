/**
 * Bad input at the relay's boundary (issue 12): NUL characters and lone surrogates in identifiers answer 400 naming
 * the field (they used to reach PostgreSQL → 22021 → 500, or throw URIError in the OData query → 500); bodies are
 * read only after authentication (401 at once, even for invalid JSON or a 24 MB body, without the body being read);
 * per-route body limits; every response carries a correlation id.
 */
import http from 'node:http';
import { DEMO_USERS } from '../emulators/demo-identities';
import { startSandboxRelay, type SandboxRelay } from '../helpers/sandbox-relay';

const [ANNA] = DEMO_USERS;
const KATRIN = 'katrin.hoffmann@nordwind-maschinenbau.example';

let env: SandboxRelay;
let token: string;

beforeAll(async () => {
  env = await startSandboxRelay({ SYNC_WORKERS: 'false' });
  token = await env.tokenFor(ANNA.oid);
});
afterAll(async () => {
  await env?.close();
});

async function call(path: string, options: { token?: string; method?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) {
  const hasBody = options.body !== undefined || options.raw !== undefined;
  const response = await fetch(`${env.url}${path}`, {
    method: options.method ?? (hasBody ? 'POST' : 'GET'),
    headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(hasBody ? { 'content-type': 'application/json' } : {}), ...options.headers },
    body: options.raw ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined),
  });
  const text = await response.text();
  let body: { error?: { code: string; message: string; fields?: Record<string, string>; correlationId?: string } } | undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, body, headers: response.headers };
}

function email(internetMessageId: string) {
  return {
    internetMessageId,
    itemId: 'AAMkBoundary',
    subject: 'Boundary',
    sentAt: '2026-11-20T09:15:00.000Z',
    from: { address: KATRIN },
    to: [{ address: ANNA.email }],
    cc: [],
    bodyHtml: '<p>x</p>',
    includeAttachments: false,
  };
}

function meeting(groupwareItemId: string) {
  return {
    groupwareItemId,
    subject: 'Boundary meeting',
    start: '2026-12-03T10:00:00.000Z',
    end: '2026-12-03T11:00:00.000Z',
    timeZone: 'Europe/Berlin',
    isAllDay: false,
    organizer: { address: ANNA.email },
    attendees: [],
  };
}

async function ledgerCounts(): Promise<Record<string, number>> {
  const tables = ['email_saves', 'appointment_creates', 'audit_log'];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const result = await env.relay.services.db.query<{ n: string | number }>(`select count(*) as n from ${table}`);
    counts[table] = Number(result.rows[0].n);
  }
  return counts;
}

const BAD_IDS: Array<[string, string]> = [
  ['a NUL character', '<a\u0000b@x.example>'],
  ['a lone high surrogate', '<a\uD800b@x.example>'],
  ['a lone low surrogate', '<a\uDC00b@x.example>'],
  ['more than 765 characters (C4C GroupwareItemID ML765)', `<${'x'.repeat(770)}@x.example>`],
];

describe('identifiers PostgreSQL or OData cannot hold', () => {
  it.each(BAD_IDS)('answers 400 naming the field for %s, on all four routes, and writes nothing', async (_label, bad) => {
    const before = await ledgerCounts();
    const surrogate = /[\uD800-\uDFFF]/.test(bad);
    const cases: Array<{ path: () => string; body?: unknown; field: string }> = [
      { path: () => '/api/sidebar/emails', body: email(bad), field: 'internetMessageId' },
      { path: () => '/api/sidebar/appointments', body: meeting(bad), field: 'groupwareItemId' },
    ];
    // A lone surrogate cannot be put in a URL (encodeURIComponent refuses it; see the next test); a NUL can (%00).
    if (!surrogate) {
      cases.push(
        { path: () => `/api/sidebar/emails/status?internetMessageId=${encodeURIComponent(bad)}`, field: 'internetMessageId' },
        { path: () => `/api/sidebar/appointments/status?groupwareItemId=${encodeURIComponent(bad)}`, field: 'groupwareItemId' },
      );
    }
    for (const c of cases) {
      const path = c.path();
      const res = await call(path, { token, body: c.body });
      expect({ path: path.split('?')[0], status: res.status }).toEqual({ path: path.split('?')[0], status: 400 });
      expect(res.body?.error?.code).toBe('invalid-request');
      expect(Object.keys(res.body?.error?.fields ?? {})).toContain(c.field);
    }
    expect(await ledgerCounts()).toEqual(before);
  });

  it('answers a surrogate percent-encoded in a query string (CESU bytes, not UTF-8) without a 500', async () => {
    // %ED%A0%80 is how a lax encoder writes a lone U+D800; the query parser decodes it to U+FFFD replacement
    // characters, which are well-formed: the request is valid and finds nothing.
    const res = await call('/api/sidebar/emails/status?internetMessageId=%3Ca%ED%A0%80b%3E', { token });
    expect(res.status).toBe(200);
    expect((res.body as unknown as { status: string }).status).toBe('not-saved');
  });

  it('names the field of a nested NUL (a recipient address) and of a blocklist entry', async () => {
    const nested = { ...email('<nested-nul@x.example>'), to: [{ address: 'anna\u0000@contoso.example' }] };
    const res = await call('/api/sidebar/emails', { token, body: nested });
    expect(res.status).toBe(400);
    expect(res.body?.error?.fields?.['to.0.address']).toMatch(/NUL/);
    const blocklist = await call('/api/me/sync/settings', { token, method: 'PUT', body: { blocklist: ['spam\u0000@example.com'] } });
    expect(blocklist.status).toBe(400);
    expect(Object.keys(blocklist.body?.error?.fields ?? {})).toEqual(['blocklist.0']);
  });

  it('still saves an email whose subject holds characters outside the BMP (well-formed surrogate pairs)', async () => {
    const res = await call('/api/sidebar/emails', { token, body: { ...email(`<emoji-${Date.now()}@x.example>`), subject: 'Pumps 🚀 Ω' } });
    expect(res.status).toBe(201);
  });
});

describe('authentication before the body', () => {
  it('answers 401 to invalid JSON without a token (not 400)', async () => {
    const res = await call('/api/sidebar/emails', { raw: '{"internetMessageId":' });
    expect(res.status).toBe(401);
    expect(res.body?.error?.code).toBe('unauthorized');
    const admin = await call('/api/admin/organizations', { raw: '{' });
    expect(admin.status).toBe(401);
    const sync = await call('/api/me/sync/settings', { method: 'PUT', raw: '{' });
    expect(sync.status).toBe(401);
  });

  it('answers 401 to a 24 MB body without a token before reading it, and closes the connection', async () => {
    const url = new URL(`${env.url}/api/sidebar/emails`);
    const total = 24 * 1024 * 1024;
    const result = await new Promise<{ status: number; sentBytes: number; connection: string | undefined }>((resolve, reject) => {
      let sent = 0;
      const req = http.request({ hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(total) } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, sentBytes: sent, connection: res.headers.connection });
        req.destroy();
      });
      req.on('error', (error) => {
        // The relay closing the socket while we still write is expected once the answer is in.
        if (sent > 0) return;
        reject(error);
      });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const write = (): void => {
        while (sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', write);
            return;
          }
        }
        req.end();
      };
      write();
    });
    expect(result.status).toBe(401);
    expect(result.connection).toBe('close');
    // The answer came long before the body could have been read (the socket buffers hold a few MB at most).
    expect(result.sentBytes).toBeLessThan(total);
  });
});

describe('body limits per route', () => {
  it('refuses a search over 64 kB with 413 while a save may be megabytes', async () => {
    const addresses = Array.from({ length: 3000 }, (_, i) => `person${i}@example.com`);
    const search = await call('/api/sidebar/search', { token, body: { addresses } });
    expect(search.status).toBe(413);
    expect(search.body?.error?.code).toBe('payload-too-large');
    const big = { ...email(`<big-${Date.now()}@x.example>`), bodyHtml: `<p>${'a'.repeat(900 * 1024)}</p>` };
    const save = await call('/api/sidebar/emails', { token, body: big });
    expect(save.status).toBe(201);
  });

  it('refuses a chunked search body over the limit while it streams (no Content-Length)', async () => {
    const url = new URL(`${env.url}/api/sidebar/search`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('{"addresses":[');
      for (let i = 0; i < 200; i++) req.write(`"${'p'.repeat(500)}@example.com",`);
      req.end('"x@example.com"]}');
    });
    expect(status).toBe(413);
  });
  it('answers 413 to an endless chunked body as soon as it crosses the limit, without waiting for its end', async () => {
    const url = new URL(`${env.url}/api/sidebar/search`);
    const ceiling = 64 * 1024 * 1024; // the client gives up here; the relay must have answered long before
    const result = await new Promise<{ status: number; sentBytes: number; connection: string | undefined }>((resolve, reject) => {
      let sent = 0;
      let answered = false;
      const req = http.request({ hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'transfer-encoding': 'chunked' } }, (res) => {
        answered = true;
        res.resume();
        resolve({ status: res.statusCode ?? 0, sentBytes: sent, connection: res.headers.connection });
        req.destroy();
      });
      req.on('error', (error) => {
        if (answered || sent > 0) return; // the relay closing the socket while we still write
        reject(error);
      });
      const chunk = Buffer.from(`"${'p'.repeat(64 * 1024)}@example.com",`);
      req.write('{"addresses":[');
      const write = (): void => {
        while (!answered && sent < ceiling) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', write);
            return;
          }
        }
        if (!answered) req.end('"x@example.com"]}');
      };
      write();
    });
    expect(result.status).toBe(413);
    expect(result.connection).toBe('close');
    expect(result.sentBytes).toBeLessThan(ceiling);
  });
});

describe('correlation ids', () => {
  it('puts x-correlation-id on every response and keeps a caller-provided one', async () => {
    const res = await call('/api/me', { token });
    expect(res.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    const mine = await call('/api/me', { token, headers: { 'x-correlation-id': 'addin-req-12345678' } });
    expect(mine.headers.get('x-correlation-id')).toBe('addin-req-12345678');
    const hostile = await call('/api/me', { token, headers: { 'x-correlation-id': 'x\r\nSet-Cookie: a=b'.replace(/\r\n/g, ' ') } });
    expect(hostile.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
