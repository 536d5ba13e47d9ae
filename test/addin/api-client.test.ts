/**
 * The relay client against a small local server that speaks the contract: bearer tokens, response parsing with the
 * shared schemas, the { error: { code, message, fields } } shape, the one retry on 401 with a fresh token, and
 * requests refused before sending when they break the contract.
 */
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, RelayClient } from '../../addin/api/client';
import { MAX_BODY_BYTES, MAX_ATTACHMENT_BYTES, SaveEmailRequestSchema, type SaveEmailRequest } from '../../shared/api/sidebar';

let server: Server;
let baseUrl: string;
const seen: Array<{ method: string; path: string; auth?: string; body?: unknown; query?: unknown }> = [];
let validToken = 'token-1';

beforeAll(async () => {
  const app = express();
  app.use(express.json({ limit: '30mb' }));
  app.use((req, res, next) => {
    seen.push({ method: req.method, path: req.path, auth: req.headers.authorization, body: req.body, query: req.query });
    if (req.headers.authorization !== `Bearer ${validToken}`) {
      res.status(401).json({ error: { code: 'unauthorized', message: 'Token expired' } });
      return;
    }
    next();
  });
  app.post('/api/sidebar/search', (req, res) => {
    res.json({
      results: (req.body.addresses as string[]).map((address) => ({
        address,
        records: address.startsWith('julia')
          ? [{ kind: 'contact', objectId: 'OBJ1', id: '1000101', name: 'Julia Hoffmann', email: address, accountName: 'Hoffmann', accountObjectId: 'ACC1', c4cUrl: 'https://my000.crm.ondemand.com/c/1' }]
          : [],
      })),
      suggestion: { mainAccountObjectId: 'ACC1', mainContactObjectId: 'OBJ1', mainContactKind: 'contact' },
    });
  });
  app.get('/api/sidebar/emails/status', (req, res) => {
    res.json(req.query.internetMessageId === '<saved@x>' ? { status: 'saved', objectId: 'E1', id: '42', c4cUrl: 'https://my000.crm.ondemand.com/e/42', savedAt: '2026-11-20T10:00:00Z', savedBy: 'Marco Rossi' } : { status: 'not-saved' });
  });
  app.post('/api/sidebar/contacts', (_req, res) => {
    res.status(400).json({ error: { code: 'invalid-request', message: 'Invalid request: email', fields: { email: 'Already used by contact 1000101' } } });
  });
  app.get('/api/sidebar/related', (_req, res) => {
    res.json({ items: [{ type: 'opportunity', objectId: 'OPP1', id: '77', name: 'Pumps 2027' }], unexpected: true });
  });
  app.get('/api/me', (_req, res) => {
    res.json({ displayName: 'Anna' }); // breaks the contract on purpose
  });
  app.post('/api/sidebar/emails', (_req, res) => {
    res.status(502).send('<html>bad gateway</html>');
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
  validToken = 'token-1';
});

function client(tokens: string[] = ['token-1']): { client: RelayClient; calls: Array<boolean | undefined> } {
  const calls: Array<boolean | undefined> = [];
  return {
    calls,
    client: new RelayClient({
      baseUrl,
      getAccessToken: async (options) => {
        calls.push(options?.forceRefresh);
        return tokens[Math.min(calls.length - 1, tokens.length - 1)];
      },
    }),
  };
}

const email: SaveEmailRequest = {
  internetMessageId: '<new@x>',
  itemId: 'AAMk1',
  subject: 'Hello',
  sentAt: '2026-11-20T09:15:00.000Z',
  from: { address: 'julia@hoffmann.example', name: 'Julia' },
  to: [],
  cc: [],
  bodyHtml: '<p>x</p>',
  includeAttachments: false,
};

describe('RelayClient', () => {
  it('sends the bearer token and parses the search answer with the shared schema', async () => {
    const { client: c } = client();
    const result = await c.search(['julia@hoffmann.example', 'nobody@x.example']);
    expect(seen[0]).toMatchObject({ method: 'POST', path: '/api/sidebar/search', auth: 'Bearer token-1', body: { addresses: ['julia@hoffmann.example', 'nobody@x.example'] } });
    expect(result.results[0].records[0]).toMatchObject({ kind: 'contact', name: 'Julia Hoffmann' });
    expect(result.results[1].records).toEqual([]);
    expect(result.suggestion.mainContactKind).toBe('contact');
  });

  it('searches only addresses C4C can hold: odd ones are left out, not fatal, and the list is capped', async () => {
    const { client: c } = client();
    await expect(c.search([])).resolves.toEqual({ results: [], suggestion: {} });
    await expect(c.search(['/O=CONTOSO/OU=EXCHANGE ADMINISTRATIVE GROUP/CN=RECIPIENTS/CN=JDOE', 'user@intranet'])).resolves.toEqual({ results: [], suggestion: {} });
    expect(seen).toHaveLength(0);
    const many = Array.from({ length: 150 }, (_, i) => `person${i}@big-list.example`);
    await c.search(['/O=CONTOSO/CN=X', 'julia@hoffmann.example', 'julia@hoffmann.example', ...many]);
    const sent = (seen[0].body as { addresses: string[] }).addresses;
    expect(sent).toHaveLength(100);
    expect(sent[0]).toBe('julia@hoffmann.example');
    expect(sent).not.toContain('/O=CONTOSO/CN=X');
  });

  it('puts query parameters in the URL (internetMessageId with <, @, >)', async () => {
    const { client: c } = client();
    await expect(c.emailStatus('<saved@x>')).resolves.toMatchObject({ status: 'saved', savedBy: 'Marco Rossi' });
    expect(seen[0].query).toEqual({ internetMessageId: '<saved@x>' });
  });

  it('retries once with a forced token refresh after a 401', async () => {
    validToken = 'token-2';
    const { client: c, calls } = client(['token-1', 'token-2']);
    await expect(c.emailStatus('<a@b>')).resolves.toEqual({ status: 'not-saved' });
    expect(calls).toEqual([false, true]);
    expect(seen.map((s) => s.auth)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('gives up after the second 401 with the relay error', async () => {
    validToken = 'never';
    const { client: c } = client(['a', 'b']);
    const error = await c.emailStatus('<a@b>').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, code: 'unauthorized', message: 'Token expired' });
    expect(seen).toHaveLength(2);
  });

  it('carries the relay `fields` so the form shows the error at the field', async () => {
    const { client: c } = client();
    const error = await c.createContact({ firstName: 'Julia', lastName: 'Hoffmann', email: 'julia@hoffmann.example' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, code: 'invalid-request', fields: { email: 'Already used by contact 1000101' } });
    expect((error as ApiError).retryable).toBe(false);
  });

  it('ignores unknown response fields but rejects answers that break the contract', async () => {
    const { client: c } = client();
    await expect(c.related('opportunity', 'pum')).resolves.toEqual({ items: [{ type: 'opportunity', objectId: 'OPP1', id: '77', name: 'Pumps 2027' }] });
    expect(seen[0].query).toEqual({ type: 'opportunity', q: 'pum' });
    await expect(c.me()).rejects.toMatchObject({ code: 'invalid-response' });
  });

  it('maps a non-JSON error page to a retryable http-<status> error', async () => {
    const { client: c } = client();
    const error = (await c.saveEmail(email).catch((e: unknown) => e)) as ApiError;
    expect(error).toMatchObject({ status: 502, code: 'http-502' });
    expect(error.retryable).toBe(true);
  });

  it('refuses a request that breaks the contract before sending it, naming the fields', async () => {
    const { client: c } = client();
    const error = await c.saveEmail({ ...email, sentAt: 'yesterday', from: { address: '' } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, code: 'invalid-request' });
    expect(Object.keys((error as ApiError).fields ?? {}).sort()).toEqual(['from.address', 'sentAt']);
    expect(seen).toHaveLength(0);
  });

  it('reports a network failure as a retryable "network" error', async () => {
    const c = new RelayClient({ baseUrl: 'http://127.0.0.1:9', getAccessToken: async () => 't' });
    const error = (await c.me().catch((e: unknown) => e)) as ApiError;
    expect(error).toMatchObject({ status: 0, code: 'network' });
    expect(error.retryable).toBe(true);
  });

  it('passes an abort through untouched', async () => {
    const { client: c } = client();
    const controller = new AbortController();
    controller.abort();
    await expect(c.related('ticket', '', controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('save request limits', () => {
  it('rejects bodies above MAX_BODY_BYTES (UTF-8 bytes, not characters) and attachments above the total', () => {
    const fits = SaveEmailRequestSchema.safeParse({ ...email, bodyHtml: 'a'.repeat(MAX_BODY_BYTES) });
    expect(fits.success).toBe(true);
    const tooBig = SaveEmailRequestSchema.safeParse({ ...email, bodyHtml: 'ä'.repeat(MAX_BODY_BYTES / 2 + 1) });
    expect(tooBig.success).toBe(false);
    const half = Buffer.alloc(MAX_ATTACHMENT_BYTES / 2 + 1).toString('base64');
    const attachments = SaveEmailRequestSchema.safeParse({
      ...email,
      includeAttachments: true,
      attachments: [
        { name: 'a.bin', contentType: 'application/octet-stream', contentBase64: half },
        { name: 'b.bin', contentType: 'application/octet-stream', contentBase64: half },
      ],
    });
    expect(attachments.success).toBe(false);
    expect(attachments.error?.issues[0].path).toEqual(['attachments']);
  });

  it('requires the kind of a main contact', () => {
    const parsed = SaveEmailRequestSchema.safeParse({ ...email, mainContactObjectId: 'C1' });
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['mainContactKind']);
  });
});
