/**
 * C4cClient transport rules against a scripted server: CSRF token + cookie handling, which failures are retried
 * (and how long it waits), what is never repeated, redirects and foreign links refused, typed errors, and no
 * secret in any error or log line.
 */
import util from 'node:util';
import pino from 'pino';
import { C4cClient, type C4cClientOptions, type C4cLogger } from '../../relay/c4c/client';
import type { C4cAuthProvider } from '../../relay/c4c/auth';
import {
  C4cAuthError,
  C4cCsrfError,
  C4cError,
  C4cNetworkError,
  C4cNotFoundError,
  C4cProtocolError,
  C4cServerError,
  C4cThrottledError,
} from '../../relay/c4c/errors';
import { initialSearch, INITIAL_SEARCH_PARTS } from '../../relay/c4c/initial-search';
import { json, odataError, ROOT_PATH, startScriptedServer, type ScriptedServer } from './scripted-server';

const PASSWORD = 'Top$ecret-Pa55';
const BASIC = `Basic ${Buffer.from(`relay:${PASSWORD}`).toString('base64')}`;

let server: ScriptedServer;
const clients: C4cClient[] = [];
const sleeps: number[] = [];
const logLines: unknown[] = [];

const logger: C4cLogger = {
  debug: (obj, msg) => logLines.push([obj, msg]),
  info: (obj, msg) => logLines.push([obj, msg]),
  warn: (obj, msg) => logLines.push([obj, msg]),
  error: (obj, msg) => logLines.push([obj, msg]),
};

function client(overrides: Partial<C4cClientOptions> = {}): C4cClient {
  const created = new C4cClient({
    serviceRoot: server.serviceRoot,
    auth: { kind: 'basic', username: 'relay', password: PASSWORD },
    retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 },
    timeoutMs: 2000,
    logger,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  });
  clients.push(created);
  return created;
}

const created = (fields: Record<string, unknown>) => json(201, { d: { results: fields } }, { etag: 'W/"e1"' });
const serviceDocument = (token = 'tok-1') =>
  json(200, { d: { EntitySets: ['EMailCollection'] } }, { 'x-csrf-token': token, 'set-cookie': ['SAP_SESSIONID=s1; Path=/'] });

beforeAll(async () => {
  server = await startScriptedServer();
});

afterEach(() => {
  sleeps.length = 0;
  logLines.length = 0;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server.close();
});

describe('CSRF token and session cookie', () => {
  it('fetches the token from the service document before the first write and sends it with the cookie', async () => {
    server.handle((request) => {
      if (request.method === 'GET' && request.url === ROOT_PATH) return serviceDocument();
      return created({ ObjectID: 'N1', ID: '1' });
    });
    const c = client();
    const result = await c.create('EMailCollection', { Subject: 'x' });
    expect(result).toMatchObject({ ObjectID: 'N1', __metadata: { etag: 'W/"e1"' } });
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`GET ${ROOT_PATH}`, `POST ${ROOT_PATH}EMailCollection`]);
    expect(server.requests[0].headers['x-csrf-token']).toBe('fetch');
    expect(server.requests[0].headers.authorization).toBe(BASIC);
    expect(server.requests[1].headers['x-csrf-token']).toBe('tok-1');
    expect(server.requests[1].headers.cookie).toBe('SAP_SESSIONID=s1');
    expect(server.requests[1].headers['content-type']).toBe('application/json');
    expect(JSON.parse(server.requests[1].body)).toEqual({ Subject: 'x' });
  });

  it('piggy-backs the token fetch on the first GET (no extra round trip)', async () => {
    server.handle((request) =>
      request.method === 'GET'
        ? json(200, { d: { results: [] } }, { 'x-csrf-token': 'tok-g', 'set-cookie': 'SAP_SESSIONID=s2; Path=/' })
        : json(204, undefined),
    );
    const c = client();
    await c.query('ContactCollection', { top: 1 });
    await c.update('ContactCollection', 'C1', { FirstName: 'A' });
    expect(server.requests.map((r) => r.method)).toEqual(['GET', 'PATCH']);
    expect(server.requests[0].headers['x-csrf-token']).toBe('fetch');
    expect(server.requests[1].headers['x-csrf-token']).toBe('tok-g');
    expect(server.requests[1].headers.cookie).toBe('SAP_SESSIONID=s2');
  });

  it('re-fetches once after 403 x-csrf-token: Required and repeats the write', async () => {
    let token = 'old';
    server.handle((request) => {
      if (request.method === 'GET') return serviceDocument(token);
      if (request.headers['x-csrf-token'] !== 'new') {
        token = 'new';
        return odataError(403, 'CSRF token validation failed', { 'x-csrf-token': 'Required' });
      }
      return json(204, undefined);
    });
    const c = client();
    await c.fetchCsrfToken();
    await c.update('EMailCollection', 'E1', { Subject: 'y' });
    expect(server.requests.map((r) => `${r.method} ${r.headers['x-csrf-token']}`)).toEqual([
      'GET fetch',
      'PATCH old',
      'GET fetch',
      'PATCH new',
    ]);
  });

  it('gives a typed CSRF error when the fresh token is rejected too (one re-fetch only)', async () => {
    server.handle((request) =>
      request.method === 'GET' ? serviceDocument('t') : odataError(403, 'CSRF token validation failed', { 'x-csrf-token': 'Required' }),
    );
    const c = client();
    await expect(c.delete('EMailCollection', 'E1')).rejects.toBeInstanceOf(C4cCsrfError);
    expect(server.requests.map((r) => r.method)).toEqual(['GET', 'DELETE', 'GET', 'DELETE']);
  });

  it('concurrent writes share one token fetch', async () => {
    server.handle((request) => (request.method === 'GET' ? serviceDocument('shared') : json(204, undefined)));
    const c = client();
    await Promise.all([1, 2, 3].map((n) => c.update('EMailCollection', `E${n}`, { Subject: `${n}` })));
    expect(server.requests.filter((r) => r.method === 'GET')).toHaveLength(1);
    expect(server.requests.filter((r) => r.method === 'PATCH').every((r) => r.headers['x-csrf-token'] === 'shared')).toBe(true);
  });
});

describe('retries', () => {
  it('honours Retry-After given as an HTTP date and as seconds', async () => {
    const inTwoSeconds = new Date(Date.now() + 2000).toUTCString();
    server.handle((_request, index) => {
      if (index === 0) return odataError(429, 'slow down', { 'retry-after': inTwoSeconds });
      if (index === 1) return odataError(503, 'maintenance', { 'retry-after': '3' });
      return json(200, { d: { results: [{ ObjectID: 'A' }] } });
    });
    const page = await client().query('LeadCollection');
    expect(page.results).toHaveLength(1);
    expect(server.requests).toHaveLength(3);
    expect(sleeps[0]).toBeGreaterThan(500);
    expect(sleeps[0]).toBeLessThanOrEqual(2000);
    expect(sleeps[1]).toBe(3000);
  });

  it('uses jittered exponential back-off without Retry-After and stops after maxAttempts', async () => {
    server.handle(() => odataError(503, 'down'));
    const error = await client().read('EMailCollection', 'E1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(C4cServerError);
    expect((error as C4cServerError).attempts).toBe(3);
    expect((error as C4cServerError).c4cMessage).toBe('down');
    expect(sleeps).toEqual([50, 100]); // random 0.5 × 100·2^(n-1)
  });

  it('does not wait for a Retry-After beyond the policy: throttled error with retryAfterMs', async () => {
    server.handle(() => odataError(429, 'quota', { 'retry-after': '3600' }));
    const error = await client().query('LeadCollection').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(C4cThrottledError);
    expect((error as C4cThrottledError).retryAfterMs).toBe(3_600_000);
    expect(sleeps).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a GET after a dropped connection', async () => {
    server.handle((_request, index) => (index === 0 ? 'drop' : json(200, { d: { results: [] } })));
    await expect(client().query('LeadCollection')).resolves.toEqual({ results: [] });
    expect(server.requests).toHaveLength(2);
  });

  it('retries a GET after a timeout', async () => {
    server.handle((_request, index) => (index === 0 ? 'hang' : json(200, { d: { results: [] } })));
    await expect(client({ timeoutMs: 200 }).query('LeadCollection')).resolves.toEqual({ results: [] });
    expect(server.requests).toHaveLength(2);
  });

  it('bounds each attempt by timeoutMs even when the answer keeps dripping in', async () => {
    server.handle(() => 'drip');
    const started = Date.now();
    const error = await client({ timeoutMs: 300, retry: { maxAttempts: 1 } }).query('LeadCollection').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(C4cNetworkError);
    expect((error as C4cNetworkError).timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('never repeats a plain create after an unknown outcome (5xx, dropped connection)', async () => {
    server.handle((request) => (request.method === 'GET' ? serviceDocument() : odataError(503, 'busy')));
    const c = client();
    const error = await c.create('EMailCollection', { Subject: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(C4cServerError);
    expect((error as C4cServerError).outcomeUnknown).toBe(true);
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);

    server.handle(() => 'drop');
    const dropped = await c.create('EMailCollection', { Subject: 'x' }).catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(C4cNetworkError);
    expect((dropped as C4cNetworkError).outcomeUnknown).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('repeats a create after 429 (C4C did not process it)', async () => {
    server.handle((request, index) => {
      if (request.method === 'GET') return serviceDocument();
      return index === 1 ? odataError(429, 'later', { 'retry-after': '1' }) : created({ ObjectID: 'N2' });
    });
    await expect(client().create('EMailCollection', { Subject: 'x' })).resolves.toMatchObject({ ObjectID: 'N2' });
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
  });

  it('createIdempotent probes after a 5xx and returns the record found instead of posting again', async () => {
    server.handle((request) => (request.method === 'GET' ? serviceDocument() : odataError(502, 'gateway')));
    const probes: number[] = [];
    const result = await client().createIdempotent(
      'EMailCollection',
      { Subject: 'x', GroupwareItemID: 'k1' },
      {
        findExisting: async () => {
          probes.push(Date.now());
          return { ObjectID: 'EXISTING', ID: '9' } as never;
        },
      },
    );
    expect(result).toEqual({ entity: { ObjectID: 'EXISTING', ID: '9' }, created: false });
    expect(probes).toHaveLength(1);
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('createIdempotent repeats the create when the probe finds nothing', async () => {
    server.handle((request, index) => {
      if (request.method === 'GET') return serviceDocument();
      return index === 1 ? 'drop' : created({ ObjectID: 'N3' });
    });
    const result = await client().createIdempotent('EMailCollection', { Subject: 'x' }, { findExisting: async () => undefined });
    expect(result).toMatchObject({ created: true, entity: { ObjectID: 'N3' } });
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
  });

  it('probes even after the last attempt, and reports the original failure when the probe itself fails', async () => {
    server.handle((request) => (request.method === 'GET' ? serviceDocument() : 'drop'));
    const single = client({ retry: { maxAttempts: 1 } });
    await expect(
      single.createIdempotent('EMailCollection', { Subject: 'x' }, { findExisting: async () => ({ ObjectID: 'LATE' }) as never }),
    ).resolves.toEqual({ entity: { ObjectID: 'LATE' }, created: false });
    const error = await single
      .createIdempotent('EMailCollection', { Subject: 'x' }, {
        findExisting: async () => {
          throw new Error('probe down');
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(C4cNetworkError);
    expect(error).toMatchObject({ outcomeUnknown: true, afterUncertainAttempt: true });
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
  });

  it('a DELETE whose first attempt timed out and whose retry finds nothing counts as done', async () => {
    server.handle((request, index) => {
      if (request.method === 'GET') return serviceDocument();
      return index === 1 ? 'drop' : odataError(404, 'not found');
    });
    await expect(client().delete('EMailCollection', 'E1')).resolves.toBeUndefined();
    server.handle((request) => (request.method === 'GET' ? serviceDocument() : odataError(404, 'not found')));
    await expect(client().delete('EMailCollection', 'E1')).rejects.toBeInstanceOf(C4cNotFoundError);
  });
});

describe('authentication and secrets', () => {
  it('401 is a typed auth error, not retried', async () => {
    server.handle(() => odataError(401, 'Logon failed', { 'www-authenticate': 'Basic realm="x"' }));
    const error = await client().query('LeadCollection').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(C4cAuthError);
    expect(server.requests).toHaveLength(1);
  });

  it('a token provider gets one chance to refresh after 401', async () => {
    let token = 'expired';
    const provider: C4cAuthProvider = {
      authorization: async () => `Bearer ${token}`,
      onUnauthorized: async () => {
        token = 'fresh';
        return true;
      },
      describe: () => 'bearer (test)',
    };
    server.handle((request) => (request.headers.authorization === 'Bearer fresh' ? json(200, { d: { results: [] } }) : odataError(401, 'expired')));
    await client({ auth: { kind: 'provider', provider } }).query('LeadCollection');
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer expired', 'Bearer fresh']);
  });

  it('no error, log line or inspected client contains the password or the Authorization header', async () => {
    const c = client();
    const errors: unknown[] = [];
    server.handle(() => odataError(401, 'Logon failed'));
    errors.push(await c.query('LeadCollection').catch((e: unknown) => e));
    server.handle(() => 'drop');
    errors.push(await c.read('EMailCollection', 'X').catch((e: unknown) => e));
    server.handle(() => odataError(500, 'boom'));
    errors.push(await c.update('EMailCollection', 'X', { Subject: 'q' }).catch((e: unknown) => e));
    const everything = [
      ...errors.map((e) => util.inspect(e, { depth: 10, showHidden: true })),
      ...errors.map((e) => JSON.stringify(e)),
      ...errors.map((e) => (e as Error).stack ?? ''),
      JSON.stringify(logLines),
      util.inspect(c, { depth: 10, showHidden: true }),
    ].join('\n');
    expect(errors.every((e) => e instanceof C4cError)).toBe(true);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(BASIC.slice(6));
    expect(everything.toLowerCase()).not.toContain('authorization');
  });

  it('accepts a pino logger, whose output holds no secret either', async () => {
    const lines: string[] = [];
    const destination = { write: (line: string) => lines.push(line) };
    const pinoLogger: C4cLogger = pino({ level: 'debug' }, destination);
    server.handle((request, index) => (index === 0 ? odataError(503, 'busy') : request.method === 'GET' ? json(200, { d: { results: [] } }) : json(204, undefined)));
    const c = client({ logger: pinoLogger });
    await c.query('LeadCollection', { filter: "ContactEMail eq 'private.person@example.com'" });
    const output = lines.join('');
    expect(output).toContain('C4C transient failure; retrying');
    expect(output).toContain('LeadCollection');
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toContain('private.person'); // query strings (addresses) are not logged
  });

  it('rejects invalid options without echoing them', () => {
    expect(() => new C4cClient({ serviceRoot: 'ftp://x', auth: { kind: 'basic', username: 'u', password: PASSWORD } })).toThrow(
      /serviceRoot/,
    );
    try {
      new C4cClient({ serviceRoot: 'ftp://x', auth: { kind: 'basic', username: 'u', password: PASSWORD } });
    } catch (error) {
      expect(String(error)).not.toContain(PASSWORD);
    }
  });
});

describe('protocol safety', () => {
  it('does not follow redirects (they would carry the credentials and usually mean a login page)', async () => {
    server.handle(() => ({ status: 302, headers: { location: 'https://login.example/sso' } }));
    const error = await client().query('LeadCollection').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(C4cError);
    expect((error as C4cError).status).toBe(302);
    expect(server.requests).toHaveLength(1);
  });

  it('follows __next only under its own service root', async () => {
    server.handle(() => json(200, { d: { results: [{ ObjectID: 'A' }], __next: 'https://evil.example/sap/c4c/odata/v1/c4codataapi/LeadCollection?$skiptoken=2' } }));
    const pages: unknown[] = [];
    const iterate = async () => {
      for await (const page of client().pages('LeadCollection')) pages.push(page);
    };
    await expect(iterate()).rejects.toBeInstanceOf(C4cProtocolError);
    expect(pages).toHaveLength(1);
    expect(server.requests).toHaveLength(1);
  });

  it('a body that is not JSON is a protocol error', async () => {
    server.handle(() => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>login</html>' }));
    await expect(client().query('LeadCollection')).rejects.toBeInstanceOf(C4cProtocolError);
  });

  it('calls function imports at the service root with quoted parameters and reads the Boolean', async () => {
    server.handle((request) => (request.method === 'GET' ? serviceDocument() : json(200, { d: { CheckEmailByGroupwareID: true } })));
    await expect(client().checkEmailByGroupwareId("<abc'1@mail.example>")).resolves.toBe(true);
    const post = server.requests.find((r) => r.method === 'POST')!;
    // (Node's URL parser percent-encodes the quotes of the query; the server decodes them.)
    expect(post.url.split('?')[0]).toBe(`${ROOT_PATH}CheckEmailByGroupwareID`);
    expect(decodeURIComponent(post.url.split('?')[1])).toBe("GroupwareItemID='<abc''1@mail.example>'");
    expect(post.headers['x-csrf-token']).toBe('tok-1');
  });
});

describe('initial search with a failing part', () => {
  it('reports the failing entity type and still returns the others', async () => {
    const part = (status: string, body: string) =>
      ['--ejjeeffe0', 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', '', `HTTP/1.1 ${status}`, 'Content-Type: application/json', '', body].join('\r\n');
    server.handle((request) => {
      if (request.method === 'GET') return serviceDocument();
      const parts = INITIAL_SEARCH_PARTS.map((spec) => {
        if (spec.kind === 'Contact') {
          return part('200 OK', JSON.stringify({ d: { results: [{ ObjectID: 'C1', ContactID: '1001', LastName: 'Lee', Email: 'ann@x.example', AccountID: '' }], __count: '1' } }));
        }
        if (spec.kind === 'Lead') return part('400 Bad Request', JSON.stringify({ error: { code: 'X', message: { lang: 'en', value: 'Property ContactEMail not filterable' } } }));
        return part('200 OK', JSON.stringify({ d: { results: [], __count: '0' } }));
      });
      return { status: 202, headers: { 'content-type': 'multipart/mixed; boundary=ejjeeffe0' }, body: `${parts.join('\r\n')}\r\n--ejjeeffe0--\r\n` };
    });
    const result = await initialSearch(client(), ['Ann@X.example']);
    expect(result.failures.map((f) => [f.kind, f.error.c4cMessage])).toEqual([['Lead', 'Property ContactEMail not filterable']]);
    expect(result.addresses[0].contacts.map((m) => m.contact.ContactID)).toEqual(['1001']);
    expect(result.suggestion.mainContact).toMatchObject({ kind: 'Contact', partyId: '1001' });
    expect(server.requests.filter((r) => r.method === 'POST').map((r) => r.url)).toEqual([`${ROOT_PATH}$batch`]);
  });
});
