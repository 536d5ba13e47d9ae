/** Fault injection, latency, counters and the HTTP control routes. */
import { startC4cEmulator, type C4cEmulator } from '../emulators/c4c';
import { AUTH, TestClient } from './helpers';

let emu: C4cEmulator;
let c: TestClient;

beforeAll(async () => {
  emu = await startC4cEmulator();
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  emu.control.reset();
  emu.control.clearFaults();
  emu.control.setLatency(0);
  c = new TestClient(emu);
  await c.fetchToken();
  emu.control.resetCounters();
});

describe('status faults', () => {
  it('429 with Retry-After, limited by times, then normal answers', async () => {
    emu.control.addFault({ kind: 'status', status: 429, retryAfterSeconds: 2, method: 'GET', pathIncludes: 'ContactCollection', times: 2 });
    const a = await c.get('ContactCollection');
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('2');
    expect(a.json.error.message.lang).toBe('en');
    expect((await c.get('LeadCollection')).status).toBe(200); // other paths untouched
    expect((await c.get('ContactCollection')).status).toBe(429);
    expect((await c.get('ContactCollection')).status).toBe(200);
  });

  it('503 with and without Retry-After, 500, and 401 with WWW-Authenticate; the write is not applied', async () => {
    emu.control.addFault({ kind: 'status', status: 503, retryAfterSeconds: 1, times: 1 });
    emu.control.addFault({ kind: 'status', status: 503, times: 1 });
    emu.control.addFault({ kind: 'status', status: 500, times: 1 });
    emu.control.addFault({ kind: 'status', status: 401, times: 1 });
    const r1 = await c.write('POST', 'EMailCollection', { Subject: 'x' });
    expect(r1.status).toBe(503);
    expect(r1.headers.get('retry-after')).toBe('1');
    const r2 = await c.write('POST', 'EMailCollection', { Subject: 'x' });
    expect(r2.status).toBe(503);
    expect(r2.headers.get('retry-after')).toBeNull();
    expect((await c.write('POST', 'EMailCollection', { Subject: 'x' })).status).toBe(500);
    const r4 = await c.get('EMailCollection');
    expect(r4.status).toBe(401);
    expect(r4.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(emu.control.list('EMailCollection')).toHaveLength(0);
    expect((await c.write('POST', 'EMailCollection', { Subject: 'x' })).status).toBe(201);
  });
});

describe('timeouts and drops', () => {
  it('applyThenHang commits the write but never answers', async () => {
    emu.control.addFault({ kind: 'timeout', method: 'POST', pathIncludes: 'EMailCollection', applyThenHang: true, times: 1 });
    await expect(c.raw('POST', 'EMailCollection', {
      headers: { authorization: AUTH, accept: 'application/json', 'content-type': 'application/json', 'x-csrf-token': c.token, cookie: c.cookie },
      body: JSON.stringify({ Subject: 'committed', GroupwareItemID: 'GW-HANG' }),
      signal: AbortSignal.timeout(300),
    })).rejects.toThrow();
    expect(emu.control.list('EMailCollection').map((e) => e.Subject)).toEqual(['committed']);
    const check = await c.write('POST', "CheckEmailByGroupwareID?GroupwareItemID='GW-HANG'");
    expect(check.json.d.CheckEmailByGroupwareID).toBe(true);
  });

  it('a plain timeout holds without applying; with ms it answers late', async () => {
    emu.control.addFault({ kind: 'timeout', method: 'POST', times: 1 });
    await expect(c.raw('POST', 'EMailCollection', {
      headers: { authorization: AUTH, accept: 'application/json', 'content-type': 'application/json', 'x-csrf-token': c.token, cookie: c.cookie },
      body: JSON.stringify({ Subject: 'never' }),
      signal: AbortSignal.timeout(200),
    })).rejects.toThrow();
    expect(emu.control.list('EMailCollection')).toHaveLength(0);
    emu.control.addFault({ kind: 'timeout', method: 'GET', ms: 250, times: 1 });
    const t0 = Date.now();
    const r = await c.get('EMailCollection');
    expect(r.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
  });

  it('drop destroys the socket, optionally after applying (e.g. mid-$batch)', async () => {
    emu.control.addFault({ kind: 'drop', method: 'POST', pathIncludes: 'EMailCollection', times: 1 });
    await expect(c.write('POST', 'EMailCollection', { Subject: 'lost' })).rejects.toThrow();
    expect(emu.control.list('EMailCollection')).toHaveLength(0);
    emu.control.addFault({ kind: 'drop', method: 'POST', pathIncludes: '$batch', applyBeforeDrop: true, times: 1 });
    const body = [
      '--b', 'Content-Type: multipart/mixed; boundary=cs', '',
      '--cs', 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', '',
      'POST EMailCollection HTTP/1.1', 'Content-Type: application/json', '', '{"Subject":"applied then dropped"}',
      '--cs--', '--b--', '',
    ].join('\r\n');
    await expect(c.batch(body, 'b')).rejects.toThrow();
    expect(emu.control.list('EMailCollection').map((e) => e.Subject)).toEqual(['applied then dropped']);
  });

  it('latency delays every request', async () => {
    emu.control.setLatency(150);
    const t0 = Date.now();
    await c.get('ContactCollection');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });
});

describe('counters', () => {
  it('counts per endpoint and in total, and resets', async () => {
    await c.get('ContactCollection');
    await c.get("ContactCollection?$filter=Email eq 'x'");
    await c.write('POST', 'EMailCollection', { Subject: 'x' });
    const [e] = emu.control.list('EMailCollection');
    await c.get(`EMailCollection('${e.ObjectID}')/EMailNotes`);
    await c.write('POST', `EMailCollection('${e.ObjectID}')/EMailNotes`, { Text: 'x' });
    const n = emu.control.counters();
    expect(n['GET ContactCollection']).toBe(2);
    expect(n['POST EMailCollection']).toBe(1);
    expect(n['GET EMailCollection/EMailNotes']).toBe(1);
    expect(n['POST EMailCollection/EMailNotes']).toBe(1);
    expect(n.total).toBe(5);
    emu.control.resetCounters();
    expect(emu.control.counters()).toEqual({ total: 0 });
  });
});

describe('HTTP control routes', () => {
  const ctl = (path: string, method = 'GET', body?: unknown): Promise<Response> =>
    fetch(`${emu.origin}/__control/${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

  it('seed / list / get / reset', async () => {
    const seeded = await (await ctl('seed/EMailCollection', 'POST', { rows: [{ Subject: 'Seeded', EMailNotes: [{ Text: 'n' }] }] })).json();
    expect(seeded[0].ObjectID).toMatch(/^[0-9A-F]{32}$/);
    expect(seeded[0].ID).toMatch(/^\d+$/);
    expect(seeded[0].EMailNotes).toHaveLength(1);
    const list = await (await ctl('list/EMailCollection')).json();
    expect(list).toHaveLength(1);
    const one = await (await ctl(`get/EMailCollection/${seeded[0].ObjectID}`)).json();
    expect(one.Subject).toBe('Seeded');
    expect((await ctl('get/EMailCollection/NOPE')).status).toBe(404);
    expect((await ctl('seed/NoSuchCollection', 'POST', [])).status).toBe(404);
    expect((await ctl('seed/EMailCollection', 'POST', [{ Nope: 1 }])).status).toBe(400);
    await ctl('reset', 'POST');
    expect(await (await ctl('list/EMailCollection')).json()).toEqual([]);
  });

  it('faults, latency, csrf expiry / switch, counters', async () => {
    expect((await ctl('faults', 'POST', { kind: 'status', status: 503, times: 1 })).status).toBe(200);
    expect((await c.get('ContactCollection')).status).toBe(503);
    expect((await ctl('faults', 'POST', { kind: 'bogus' })).status).toBe(400);
    await ctl('faults', 'POST', { kind: 'status', status: 500 });
    await ctl('faults', 'DELETE');
    expect((await c.get('ContactCollection')).status).toBe(200);
    await ctl('csrf/expire', 'POST');
    expect((await c.write('POST', 'EMailCollection', { Subject: 'x' })).status).toBe(403);
    await ctl('csrf/required', 'POST', { on: false });
    expect((await c.write('POST', 'EMailCollection', { Subject: 'x' })).status).toBe(201);
    await ctl('csrf/required', 'POST', { on: true });
    const counters = await (await ctl('counters')).json();
    expect(counters['GET ContactCollection']).toBe(2);
    await ctl('counters', 'DELETE');
    expect(await (await ctl('counters')).json()).toEqual({ total: 0 });
    expect((await ctl('latency', 'POST', { ms: 0 })).status).toBe(200);
    const demo = await (await ctl('seed-demo', 'POST')).json();
    expect(demo.counts.ContactCollection).toBeGreaterThanOrEqual(8);
  });
});
