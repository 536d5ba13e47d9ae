/** Service document, $metadata, Basic auth, CSRF + session cookie, error shape, entity-set capabilities. */
import { startC4cEmulator, type C4cEmulator } from '../emulators/c4c';
import { AUTH, TestClient } from './helpers';

let emu: C4cEmulator;

beforeAll(async () => {
  emu = await startC4cEmulator();
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.control.reset();
  emu.control.clearFaults();
  emu.control.setCsrfRequired(true);
});

describe('service root', () => {
  it('serves the service document and the vendored $metadata', async () => {
    expect(emu.serviceRoot).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sap\/c4c\/odata\/v1\/c4codataapi\/$/);
    const c = new TestClient(emu);
    const doc = await c.get('');
    expect(doc.status).toBe(200);
    expect(doc.json.d.EntitySets).toEqual(expect.arrayContaining(['EMailCollection', 'TasksCollection', 'AppointmentTextCollectionCollection']));
    expect(doc.json.d.EntitySets).toHaveLength(1793);
    const meta = await c.raw('GET', '$metadata', { headers: { authorization: AUTH } });
    expect(meta.status).toBe(200);
    expect(meta.headers.get('content-type')).toContain('application/xml');
    expect(meta.text).toContain('<Schema Namespace="c4codata"');
    expect(meta.text.length).toBeGreaterThan(2_000_000);
  });

  it('answers JSON only when asked (C4C would send Atom XML otherwise)', async () => {
    const c = new TestClient(emu);
    const noAccept = await c.raw('GET', 'ContactCollection', { headers: { authorization: AUTH } });
    expect(noAccept.status).toBe(406);
    const fmt = await c.raw('GET', 'ContactCollection?$format=json', { headers: { authorization: AUTH } });
    expect(fmt.status).toBe(200);
    expect(fmt.json.d.results).toEqual([]);
  });
});

describe('Basic authentication', () => {
  it('rejects missing or wrong credentials with 401, WWW-Authenticate and the OData error shape', async () => {
    const c = new TestClient(emu);
    const variants: Record<string, string>[] = [{}, { authorization: `Basic ${Buffer.from('sandbox:wrong').toString('base64')}` }];
    for (const headers of variants) {
      const r = await c.raw('GET', 'ContactCollection', { headers: { accept: 'application/json', ...headers } });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect(r.json).toEqual({ error: { code: expect.any(String), message: { lang: 'en', value: expect.any(String) } } });
    }
  });

  it('accepts configured users', async () => {
    const other = await startC4cEmulator({ users: [{ username: 'relay', password: 's3cret' }] });
    try {
      const ok = await fetch(`${other.serviceRoot}ContactCollection`, { headers: { accept: 'application/json', authorization: `Basic ${Buffer.from('relay:s3cret').toString('base64')}` } });
      expect(ok.status).toBe(200);
      const bad = await fetch(`${other.serviceRoot}ContactCollection`, { headers: { accept: 'application/json', authorization: AUTH } });
      expect(bad.status).toBe(401);
    } finally {
      await other.close();
    }
  });
});

describe('CSRF', () => {
  const body = JSON.stringify({ Subject: 'x' });

  it('issues a token bound to a session cookie for "fetch" in any case', async () => {
    for (const word of ['fetch', 'Fetch', 'FETCH']) {
      const r = await fetch(emu.serviceRoot, { headers: { authorization: AUTH, accept: 'application/json', 'x-csrf-token': word } });
      expect(r.headers.get('x-csrf-token')).toMatch(/^[A-Za-z0-9+/=]{16,}$/);
      expect(r.headers.getSetCookie().join(';')).toContain('SAP_SESSIONID_C4C_100=');
    }
    const head = await fetch(`${emu.serviceRoot}$metadata`, { method: 'HEAD', headers: { authorization: AUTH, 'x-csrf-token': 'fetch' } });
    expect(head.headers.get('x-csrf-token')).toBeTruthy();
  });

  it('re-fetching within a session returns the same token', async () => {
    const c = new TestClient(emu);
    const t1 = await c.fetchToken();
    const t2 = await c.fetchToken();
    expect(t2).toBe(t1);
  });

  it('rejects writes without token, with token but without cookie, and with a foreign token (403 + x-csrf-token: Required)', async () => {
    const c = new TestClient(emu);
    await c.fetchToken();
    const base = { authorization: AUTH, accept: 'application/json', 'content-type': 'application/json' };
    const cases = [
      { ...base, cookie: c.cookie },
      { ...base, 'x-csrf-token': c.token },
      { ...base, 'x-csrf-token': 'forged==', cookie: c.cookie },
    ];
    for (const headers of cases) {
      const r = await c.raw('POST', 'EMailCollection', { headers, body });
      expect(r.status).toBe(403);
      expect(r.headers.get('x-csrf-token')).toBe('Required');
      expect(r.json.error.message.value).toMatch(/CSRF/);
    }
    expect(emu.control.list('EMailCollection')).toHaveLength(0);
    const ok = await c.write('POST', 'EMailCollection', { Subject: 'x' });
    expect(ok.status).toBe(201);
  });

  it('expired tokens give 403 until a new token is fetched', async () => {
    const c = new TestClient(emu);
    await c.fetchToken();
    emu.control.expireCsrfTokens();
    const r = await c.write('POST', 'EMailCollection', { Subject: 'x' });
    expect(r.status).toBe(403);
    expect(r.headers.get('x-csrf-token')).toBe('Required');
    await c.fetchToken();
    expect((await c.write('POST', 'EMailCollection', { Subject: 'x' })).status).toBe(201);
  });

  it('protects $batch and function imports too', async () => {
    const c = new TestClient(emu);
    const headers = { authorization: AUTH, accept: 'application/json' };
    const b = await c.raw('POST', '$batch', { headers: { ...headers, 'content-type': 'multipart/mixed; boundary=b' }, body: '--b--' });
    expect(b.status).toBe(403);
    const f = await c.raw('POST', "CheckEmailByGroupwareID?GroupwareItemID='x'", { headers });
    expect(f.status).toBe(403);
  });

  it('can be switched off (technical user) per option and at runtime', async () => {
    const tech = await startC4cEmulator({ csrf: false });
    try {
      const r = await fetch(`${tech.serviceRoot}EMailCollection`, { method: 'POST', headers: { authorization: AUTH, accept: 'application/json', 'content-type': 'application/json' }, body });
      expect(r.status).toBe(201);
    } finally {
      await tech.close();
    }
    emu.control.setCsrfRequired(false);
    const c = new TestClient(emu);
    const r = await c.raw('POST', 'EMailCollection', { headers: { authorization: AUTH, accept: 'application/json', 'content-type': 'application/json' }, body });
    expect(r.status).toBe(201);
  });
});

describe('errors and capabilities', () => {
  it('404 for unknown sets and keys, 501 for sets in the EDMX the emulator does not serve', async () => {
    const c = new TestClient(emu);
    const unknown = await c.get('AccountCollection');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message.lang).toBe('en');
    const key = await c.get(`EMailCollection('${'0'.repeat(32)}')`);
    expect(key.status).toBe(404);
    const notServed = await c.get('VisitCollection');
    expect(notServed.status).toBe(501);
  });

  it('405 for DELETE on non-deletable sets and POST on read-only EmployeeBasicData', async () => {
    const [contact] = emu.control.seed('ContactCollection', [{ LastName: 'Keep' }]);
    const c = new TestClient(emu);
    const del = await c.write('DELETE', `ContactCollection('${contact.ObjectID}')`);
    expect(del.status).toBe(405);
    expect(del.json.error.message.value).toMatch(/deletion/);
    expect(emu.control.get('ContactCollection', String(contact.ObjectID))).toBeDefined();
    const rows: Record<string, Record<string, unknown>> = {
      CorporateAccountCollection: { Name: 'Z', RoleCode: 'CRM000' },
      IndividualCustomerCollection: { LastName: 'X', RoleCode: 'CRM000' },
      EmployeeCollection: { FirstName: 'Y', LastName: 'X' },
    };
    for (const [set, data] of Object.entries(rows)) {
      const [row] = emu.control.seed(set, [data]);
      expect((await c.write('DELETE', `${set}('${row.ObjectID}')`)).status).toBe(405);
    }
    const ebd = await c.write('POST', 'EmployeeBasicDataCollection', { FirstName: 'A' });
    expect(ebd.status).toBe(405);
  });

  it('400 with the error shape for malformed JSON bodies', async () => {
    const c = new TestClient(emu);
    await c.fetchToken();
    const r = await c.raw('POST', 'EMailCollection', {
      headers: { authorization: AUTH, accept: 'application/json', 'content-type': 'application/json', 'x-csrf-token': c.token, cookie: c.cookie },
      body: '{nope',
    });
    expect(r.status).toBe(400);
    expect(r.json.error.message.value).toMatch(/Malformed JSON/);
  });
});
