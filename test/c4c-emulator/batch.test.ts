/** $batch: reads, changesets as transactions, C4C's response boundaries and part layout. */
import { startC4cEmulator, type C4cEmulator } from '../emulators/c4c';
import { TestClient, crlf } from './helpers';

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
  emu.control.seed('ContactCollection', [{ LastName: 'Lookup', Email: 'a@b.example' }]);
  c = new TestClient(emu);
  await c.fetchToken();
});

function getPart(url: string): string[] {
  return ['--batch_1', 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', '', `GET ${url} HTTP/1.1`, 'Accept: application/json', '', ''];
}

function writePart(cs: string, method: string, url: string, body: unknown, contentId?: string): string[] {
  return [
    `--${cs}`, 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', ...(contentId ? [`Content-ID: ${contentId}`] : []), '',
    `${method} ${url} HTTP/1.1`, 'Content-Type: application/json', 'Accept: application/json', 'Content-Length: 10000', '',
    JSON.stringify(body),
  ];
}

/** Splits a multipart body by boundary into raw parts. */
function parts(body: string, boundary: string): string[] {
  return body.split(`--${boundary}`).slice(1).filter((p) => !p.startsWith('--'));
}

describe('$batch', () => {
  it('answers GETs and a changeset with server boundaries, status lines and part headers', async () => {
    const body = crlf([
      ...getPart("ContactCollection?$filter=Email%20eq%20'a%40b.example'&$select=ObjectID,LastName"),
      '--batch_1', 'Content-Type: multipart/mixed; boundary=changeset_1', '',
      ...writePart('changeset_1', 'POST', 'EMailCollection', { Subject: 'From batch', EMailNotes: [{ Text: 'x' }] }, '1'),
      ...writePart('changeset_1', 'POST', '$1/EMailToRecipients', { MessageToEmailID: 'a@b.example' }),
      '--changeset_1--', '--batch_1--', '',
    ]);
    const r = await c.batch(body);
    expect(r.status).toBe(202);
    expect(r.headers.get('content-type')).toBe('multipart/mixed; boundary=ejjeeffe0');
    const top = parts(r.text, 'ejjeeffe0');
    expect(top).toHaveLength(2);
    // Part 1: the GET
    expect(top[0]).toMatch(/^\r\nContent-Type: application\/http\r\nContent-Length: \d+\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    const json = JSON.parse(top[0].slice(top[0].indexOf('{"d"')).trim());
    expect(json.d.results).toEqual([expect.objectContaining({ LastName: 'Lookup' })]);
    // Part 2: the changeset, in its own boundary
    expect(top[1]).toContain('Content-Type: multipart/mixed; boundary=ejjeeffe1');
    const inner = parts(top[1], 'ejjeeffe1');
    expect(inner).toHaveLength(2);
    expect(inner[0]).toContain('HTTP/1.1 201 Created');
    expect(inner[0]).toMatch(/location: http:\/\/127\.0\.0\.1:\d+\/sap\/c4c\/odata\/v1\/c4codataapi\/EMailCollection\('[0-9A-F]{32}'\)/);
    expect(inner[0]).toMatch(/etag: W\/"datetimeoffset'/);
    expect(inner[0]).toContain('"d":{"results":{');
    expect(inner[1]).toContain('HTTP/1.1 201 Created');
    const [email] = emu.control.list('EMailCollection');
    expect(email.EMailNotes).toHaveLength(1);
    expect(email.EMailToRecipients).toHaveLength(1); // $1 resolved to the e-mail created by Content-ID 1
    // Content-Length of each part equals the byte size of its embedded HTTP message
    const m = /Content-Length: (\d+)\r\n\r\n([\s\S]*)$/.exec(top[0].replace(/^\r\n/, ''))!;
    expect(Buffer.byteLength(m[2].replace(/\r\n$/, ''))).toBe(Number(m[1]));
  });

  it('PATCH inside a changeset gives 204 No Content parts', async () => {
    const [e] = emu.control.seed('EMailCollection', [{ Subject: 'old' }]);
    const body = crlf([
      '--batch_1', 'Content-Type: multipart/mixed; boundary=cs', '',
      ...writePart('cs', 'PATCH', `EMailCollection('${e.ObjectID}')`, { Subject: 'new' }),
      '--cs--', '--batch_1--', '',
    ]);
    const r = await c.batch(body);
    expect(r.text).toContain('HTTP/1.1 204 No Content\r\nContent-Type: text/html\r\n');
    expect(emu.control.get('EMailCollection', String(e.ObjectID))!.Subject).toBe('new');
  });

  it('rolls a failing changeset back as a unit and answers it with one error part; other changesets commit', async () => {
    const body = crlf([
      '--batch_1', 'Content-Type: multipart/mixed; boundary=cs1', '',
      ...writePart('cs1', 'POST', 'EMailCollection', { Subject: 'will be rolled back' }),
      ...writePart('cs1', 'POST', 'ContactCollection', { FirstName: 'no last name' }),
      '--cs1--',
      '--batch_1', 'Content-Type: multipart/mixed; boundary=cs2', '',
      ...writePart('cs2', 'POST', 'EMailCollection', { Subject: 'kept' }),
      '--cs2--',
      '--batch_1--', '',
    ]);
    const r = await c.batch(body);
    expect(r.status).toBe(202);
    const top = parts(r.text, 'ejjeeffe0');
    expect(top).toHaveLength(2);
    expect(top[0]).toContain('HTTP/1.1 400 Bad Request');
    expect(top[0]).not.toContain('multipart/mixed');
    expect(top[0]).toContain('"error":{"code"');
    expect(top[1]).toContain('boundary=ejjeeffe2');
    const subjects = emu.control.list('EMailCollection').map((x) => x.Subject);
    expect(subjects).toEqual(['kept']);
    const ids = emu.control.list('EMailCollection').map((x) => Number(x.ID));
    expect(ids).toEqual([280600]); // the number range was rolled back too
  });

  it('accepts LF-only bodies, $format=json and trailing slashes like the SAP guide samples', async () => {
    const body = ['--b', 'Content-Type: application/http', 'Content-Transfer-Encoding:binary', '', 'GET ContactCollection/?$top=3&$format=json HTTP/1.1', '', '', '--b--'].join('\n');
    const r = await c.batch(body, 'b');
    expect(r.status).toBe(202);
    expect(r.text).toContain('HTTP/1.1 200 OK');
    expect(r.text).toContain('"LastName":"Lookup"');
  });

  it('rejects $search inside $batch, writes outside changesets and GETs inside changesets', async () => {
    const body = crlf([
      ...getPart('ContactCollection?$search=Lookup'),
      '--batch_1', 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', '', 'POST EMailCollection HTTP/1.1', 'Content-Type: application/json', '', '{"Subject":"x"}',
      '--batch_1', 'Content-Type: multipart/mixed; boundary=cs', '',
      '--cs', 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', '', 'GET ContactCollection HTTP/1.1', '', '',
      '--cs--', '--batch_1--', '',
    ]);
    const r = await c.batch(body);
    const top = parts(r.text, 'ejjeeffe0');
    expect(top).toHaveLength(3);
    expect(top[0]).toContain('400 Bad Request');
    expect(top[0]).toContain('$search');
    expect(top[1]).toContain('400 Bad Request');
    expect(top[2]).toContain('400 Bad Request');
    expect(emu.control.list('EMailCollection')).toHaveLength(0);
  });

  it('counts the $batch request and its inner operations separately', async () => {
    emu.control.resetCounters();
    await c.batch(crlf([...getPart('ContactCollection'), ...getPart('LeadCollection'), '--batch_1--', '']));
    const counters = emu.control.counters();
    expect(counters['POST $batch']).toBe(1);
    expect(counters.total).toBe(1);
    expect(counters['batch:GET ContactCollection']).toBe(1);
    expect(counters['batch:GET LeadCollection']).toBe(1);
  });

  it('400 for a $batch without multipart content type', async () => {
    const r = await c.batch('x', 'b', { 'content-type': 'application/json' });
    expect(r.status).toBe(400);
  });
});
