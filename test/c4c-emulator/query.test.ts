/** $filter dialect, $select/$expand/$orderby/$top/$skip/$inlinecount/$count/$search and server paging with __next. */
import { startC4cEmulator, type C4cEmulator } from '../emulators/c4c';
import { TestClient } from './helpers';

let emu: C4cEmulator;
let c: TestClient;

beforeAll(async () => {
  emu = await startC4cEmulator({ pageSize: 5, expandPageSize: 2 });
  c = new TestClient(emu);
  emu.control.seed('ContactCollection', [
    { FirstName: 'Anna', LastName: 'Adler', Email: 'Anna.Adler@Alpha.example', ContactID: '2001' },
    { FirstName: 'Bert', LastName: 'Brandt', Email: 'bert@beta.example', ContactID: '2002' },
    { FirstName: 'Carla', LastName: 'Christ', Email: 'carla@alpha.example', ContactID: '2003' },
    { FirstName: 'Dirk', LastName: 'Decker', Email: 'dirk@delta.example', ContactID: '2004' },
  ]);
  const base = Date.parse('2025-01-01T00:00:00Z');
  emu.control.seed('EMailCollection', Array.from({ length: 12 }, (_, i) => ({
    Subject: `Mail ${String(i).padStart(2, '0')}`,
    DateTime: new Date(base + i * 86_400_000).toISOString(),
    GroupwareItemID: `GW-${i}`,
    Direction: i % 2 ? '2' : '3',
    EMailNotes: [{ Text: `note ${i}` }],
  })));
});
afterAll(async () => {
  await emu.close();
});

const ids = (r: { json: { d: { results: { ContactID: string }[] } } }): string[] => r.json.d.results.map((x) => x.ContactID).sort();

describe('$filter', () => {
  it('eq on e-mail is case-insensitive; OR on the same property', async () => {
    expect(ids(await c.get("ContactCollection?$filter=Email eq 'anna.adler@alpha.example'"))).toEqual(['2001']);
    expect(ids(await c.get("ContactCollection?$filter=Email eq 'bert@beta.example' or Email eq 'DIRK@delta.example'"))).toEqual(['2002', '2004']);
  });

  it('supports * wildcards in eq, startswith / endswith, ne, and/or/not with parentheses', async () => {
    expect(ids(await c.get("ContactCollection?$filter=Email eq '*@alpha.example'"))).toEqual(['2001', '2003']);
    expect(ids(await c.get("ContactCollection?$filter=Email eq 'b*'"))).toEqual(['2002']);
    expect(ids(await c.get("ContactCollection?$filter=startswith(LastName,'D')"))).toEqual(['2004']);
    expect(ids(await c.get("ContactCollection?$filter=endswith(Email,'alpha.example') eq true"))).toEqual(['2001', '2003']);
    expect(ids(await c.get("ContactCollection?$filter=ContactID ne '2001' and (Email eq '*alpha*' or Email eq '*delta*')"))).toEqual(['2003', '2004']);
    expect(ids(await c.get("ContactCollection?$filter=not (ContactID ge '2002')"))).toEqual(['2001']);
    expect(ids(await c.get("ContactCollection?$filter=ContactID gt '2002' and ContactID le '2004'"))).toEqual(['2003', '2004']);
  });

  it('compares datetimeoffset literals with stored instants', async () => {
    const r = await c.get("EMailCollection?$filter=DateTime ge datetimeoffset'2025-01-10T00:00:00Z'&$select=Subject");
    expect(r.json.d.results.map((x: { Subject: string }) => x.Subject)).toEqual(['Mail 09', 'Mail 10', 'Mail 11']);
    const lt = await c.get("EMailCollection?$filter=DateTime lt datetime'2025-01-02T00:00:00'");
    expect(lt.json.d.results).toHaveLength(1);
  });

  it('GroupwareItemID is stored and filterable (exact match)', async () => {
    const r = await c.get("EMailCollection?$filter=GroupwareItemID eq 'GW-7'");
    expect(r.json.d.results).toHaveLength(1);
    expect(r.json.d.results[0].Subject).toBe('Mail 07');
    expect((await c.get("EMailCollection?$filter=GroupwareItemID eq 'gw-7'")).json.d.results).toHaveLength(0);
  });

  it.each([
    ["Lead filter on non-filterable AccountEMail", "LeadCollection?$filter=AccountEMail eq 'x'", /not filterable/],
    ['unsupported function', "ContactCollection?$filter=substringof('a',Email)", /not supported/],
    ['OR across properties', "ContactCollection?$filter=Email eq 'x' or LastName eq 'y'", /same property/],
    ['navigation path', "ContactCollection?$filter=CorporateAccount/Name eq 'x'", /navigation/],
    ['unknown property', "ContactCollection?$filter=Nope eq 'x'", /not found/],
    ['type mismatch', "EMailCollection?$filter=DateTime ge '2025-01-01'", /does not match/],
    ['syntax', "ContactCollection?$filter=Email eq", /Invalid \$filter/],
    ['bad $orderby', 'ContactCollection?$orderby=Nope', /not found/],
    ['bad $expand', 'ContactCollection?$expand=Nope', /navigation property/],
    ['bad $select', 'ContactCollection?$select=Nope', /not found/],
  ])('400 for %s', async (_name, url, msg) => {
    const r = await c.get(url as string);
    expect(r.status).toBe(400);
    expect(r.json.error.message.value).toMatch(msg as RegExp);
  });
});

describe('options', () => {
  it('$select restricts properties (keeps __metadata), $orderby sorts, $top/$skip window', async () => {
    const r = await c.get('ContactCollection?$select=ContactID,LastName&$orderby=LastName desc&$top=2&$skip=1');
    expect(r.json.d.results.map((x: { LastName: string }) => x.LastName)).toEqual(['Christ', 'Brandt']);
    expect(Object.keys(r.json.d.results[0]).sort()).toEqual(['ContactID', 'LastName', '__metadata']);
  });

  it('$inlinecount=allpages adds __count as a string; absent otherwise', async () => {
    const r = await c.get("ContactCollection?$inlinecount=allpages&$filter=Email eq '*alpha*'&$top=1");
    expect(r.json.d.__count).toBe('2');
    expect(r.json.d.results).toHaveLength(1);
    expect((await c.get('ContactCollection')).json.d).not.toHaveProperty('__count');
  });

  it('$count returns a plain number, also on navigations', async () => {
    const r = await c.get("EMailCollection/$count?$filter=Direction eq '2'");
    expect(r.text).toBe('6');
    expect(r.headers.get('content-type')).toContain('text/plain');
    const first = emu.control.list('EMailCollection')[0];
    expect((await c.get(`EMailCollection('${first.ObjectID}')/EMailNotes/$count`)).text).toBe('1');
  });

  it('$search matches whole words, with * as wildcard; not allowed inside $batch', async () => {
    expect(ids(await c.get("ContactCollection?$search='Brandt'"))).toEqual(['2002']);
    expect(ids(await c.get('ContactCollection?$search=Bran'))).toEqual([]);
    expect(ids(await c.get('ContactCollection?$search=Bran*'))).toEqual(['2002']);
  });

  it('multi-level $expand and $select into expanded entities', async () => {
    const [acc] = emu.control.seed('CorporateAccountCollection', [{ Name: 'Expand AG', RoleCode: 'CRM000' }]);
    emu.control.seed('ContactCollection', [{ LastName: 'Exp', AccountID: acc.AccountID, Email: 'exp@expand.example' }]);
    const r = await c.get("ContactCollection?$filter=Email eq 'exp@expand.example'&$expand=ContactIsContactPersonFor/CorporateAccount,CorporateAccount&$select=ContactID,ContactIsContactPersonFor/AccountID,ContactIsContactPersonFor/CorporateAccount,CorporateAccount/Name");
    const row = r.json.d.results[0];
    expect(row.CorporateAccount).toEqual({ __metadata: expect.any(Object), Name: 'Expand AG' });
    expect(row.ContactIsContactPersonFor[0].AccountID).toBe(acc.AccountID);
    expect(row.ContactIsContactPersonFor[0].CorporateAccount.Name).toBe('Expand AG');
    expect(row.ContactIsContactPersonFor[0]).not.toHaveProperty('Email');
  });
});

describe('server paging', () => {
  it('caps pages at pageSize and links the next page with an absolute __next carrying $skiptoken', async () => {
    const seen: string[] = [];
    let url: string | undefined = "EMailCollection?$filter=Subject eq 'Mail*'&$orderby=Subject&$inlinecount=allpages";
    let pages = 0;
    while (url) {
      const r = await c.get(url);
      expect(r.status).toBe(200);
      expect(r.json.d.__count).toBe('12');
      seen.push(...r.json.d.results.map((x: { Subject: string }) => x.Subject));
      url = r.json.d.__next;
      if (url) {
        expect(url.startsWith(emu.serviceRoot)).toBe(true);
        expect(url).toContain('$skiptoken=');
      }
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `Mail ${String(i).padStart(2, '0')}`));
  });

  it('uses the smaller page with $expand and respects $top across pages', async () => {
    const r = await c.get('EMailCollection?$expand=EMailNotes&$orderby=Subject');
    expect(r.json.d.results).toHaveLength(2);
    expect(r.json.d.__next).toContain('$expand=EMailNotes');
    const top = await c.get('EMailCollection?$top=7&$orderby=Subject');
    expect(top.json.d.results).toHaveLength(5);
    const rest = await c.get(top.json.d.__next);
    expect(rest.json.d.results.map((x: { Subject: string }) => x.Subject)).toEqual(['Mail 05', 'Mail 06']);
    expect(rest.json.d.__next).toBeUndefined();
    const small = await c.get('EMailCollection?$top=3');
    expect(small.json.d.__next).toBeUndefined();
  });
});

describe('default server paging (as C4C: 1000 rows, 100 with $expand)', () => {
  let real: C4cEmulator;
  let client: TestClient;
  beforeAll(async () => {
    real = await startC4cEmulator();
    client = new TestClient(real);
    real.control.seed('LeadCollection', Array.from({ length: 1001 }, (_, i) => ({ Name: `Lead ${i}`, ContactEMail: `lead${i}@paging.example` })));
  });
  afterAll(async () => {
    await real.close();
  });

  it('pages 1000 rows, or 100 when expanding, and links the next page with $skiptoken', async () => {
    const plain = await client.get('LeadCollection');
    const page = plain.json as { d: { results: unknown[]; __next?: string } };
    expect(page.d.results).toHaveLength(1000);
    expect(page.d.__next).toMatch(/\$skiptoken=1000?\d*$/);
    const expanded = (await client.get('LeadCollection?$expand=LeadParty')).json as { d: { results: unknown[]; __next?: string } };
    expect(expanded.d.results).toHaveLength(100);
    expect(expanded.d.__next).toContain('$skiptoken=');
  });
});
