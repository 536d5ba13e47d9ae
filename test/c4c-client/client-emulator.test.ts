/**
 * C4cClient against the loopback C4C emulator (test/emulators/c4c): CRUD with deep insert and ETags, CSRF
 * expiry, server paging, injected 429 / 503 / timeouts, duplicate-safe creates, batch changesets, function
 * imports and the one-round-trip initial search, with request counts taken from the emulator's counters.
 */
import { startC4cEmulator, type C4cEmulator } from '../emulators/c4c';
import {
  BatchBuilder,
  C4cAuthError,
  C4cClient,
  C4cNetworkError,
  C4cNotFoundError,
  C4cPreconditionFailedError,
  type C4cClientOptions,
  type EMail,
  type EMailCreate,
  etagOf,
  initialSearch,
  searchOpportunities,
  searchTickets,
} from '../../relay/c4c';

let emulator: C4cEmulator;
let paged: C4cEmulator;
const clients: C4cClient[] = [];

function clientFor(target: C4cEmulator, overrides: Partial<C4cClientOptions> = {}): C4cClient {
  const client = new C4cClient({
    serviceRoot: target.serviceRoot,
    auth: { kind: 'basic', username: 'sandbox', password: 'sandbox' },
    timeoutMs: 5000,
    retry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200 },
    ...overrides,
  });
  clients.push(client);
  return client;
}

const total = (target: C4cEmulator): number => target.control.counters().total;

function emailBody(key: string, subject = 'Quote follow-up'): EMailCreate {
  return {
    Subject: subject,
    GroupwareItemID: key,
    DateTime: '2025-03-04T10:15:00Z',
    Direction: '2',
    TransmissionStatusCode: '3',
    DataOriginTypeCode: '2',
    MessageFromEmailURI: 'katrin.hoffmann@nordwind.example',
    MessageFromName: 'Katrin Hoffmann',
    EMailToRecipients: [{ MessageToEmailID: 'anna.berger@contoso.example', MessageToName: 'Anna Berger' }],
    EMailNotes: [{ TypeCode: '10002', Text: '<p>Please find the quote attached.</p>' }],
  };
}

beforeAll(async () => {
  [emulator, paged] = await Promise.all([startC4cEmulator(), startC4cEmulator({ pageSize: 5, expandPageSize: 3 })]);
});

afterEach(() => {
  emulator.control.clearFaults();
  emulator.control.setLatency(0);
});

afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all([emulator?.close(), paged?.close()]);
});

describe('CRUD round trip', () => {
  it('deep-inserts an E-Mail, reads it back with ETag, updates with If-Match, deletes it', async () => {
    const client = clientFor(emulator);
    const created = await client.create('EMailCollection', emailBody('crud-1@mail.example'));
    expect(created.ObjectID).toMatch(/^[0-9A-F]{32}$/);
    expect(created.ID).toMatch(/^\d+$/);
    expect(created.DateTime).toBe('2025-03-04T10:15:00.000Z');
    expect(etagOf(created)).toMatch(/^W\/"datetimeoffset'/);

    const stored = emulator.control.get('EMailCollection', created.ObjectID)!;
    expect(stored.EMailNotes).toHaveLength(1);
    expect(stored.EMailToRecipients).toHaveLength(1);

    const read = await client.read('EMailCollection', created.ObjectID, { expand: ['EMailNotes', 'EMailToRecipients'] });
    expect(read.Subject).toBe('Quote follow-up');
    expect(read.EMailNotes?.[0]).toMatchObject({ TypeCode: '10002', Text: '<p>Please find the quote attached.</p>' });
    expect(read.EMailToRecipients?.[0]).toMatchObject({ MessageToEmailID: 'anna.berger@contoso.example' });

    const found = await client.query('EMailCollection', { filter: "GroupwareItemID eq 'crud-1@mail.example'", select: ['ObjectID', 'ID', 'Subject'] });
    expect(found.results.map((e) => e.ObjectID)).toEqual([created.ObjectID]);

    const { etag } = await client.update('EMailCollection', created.ObjectID, { Subject: 'Quote follow-up (2)' }, { etag: etagOf(read) });
    const reread = await client.read('EMailCollection', created.ObjectID);
    expect(reread.Subject).toBe('Quote follow-up (2)');
    expect(etagOf(reread)).not.toBe(etagOf(read));
    if (etag) expect(etag).toBe(etagOf(reread));

    await client.delete('EMailCollection', created.ObjectID, { etag: etagOf(reread) });
    await expect(client.read('EMailCollection', created.ObjectID)).rejects.toBeInstanceOf(C4cNotFoundError);
    expect(emulator.control.get('EMailCollection', created.ObjectID)).toBeUndefined();
  });

  it('a stale ETag gives a typed 412 and leaves the record unchanged', async () => {
    const client = clientFor(emulator);
    const [contact] = emulator.control.seed('ContactCollection', [{ FirstName: 'Eva', LastName: 'Stale', Email: 'eva.stale@example.com' }]);
    const first = await client.read('ContactCollection', String(contact.ObjectID));
    await client.update('ContactCollection', first.ObjectID, { JobTitle: 'Buyer' }, { etag: etagOf(first) });
    const error = await client.update('ContactCollection', first.ObjectID, { JobTitle: 'CEO' }, { etag: etagOf(first) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(C4cPreconditionFailedError);
    expect((error as C4cPreconditionFailedError).status).toBe(412);
    expect((await client.read('ContactCollection', first.ObjectID)).JobTitle).toBe('Buyer');
  });

  it('runs a changeset as one transaction: all applied, or nothing', async () => {
    const client = clientFor(emulator);
    const mail = await client.create('EMailCollection', emailBody('batch-1@mail.example'));
    const ok = new BatchBuilder();
    const changeset = ok.changeset((cs) =>
      cs
        .post('EMailBTDReferenceCollection', { ParentObjectID: mail.ObjectID, ID: '4711', TypeCode: '72', RoleCode: '1' })
        .patch(`EMailCollection('${mail.ObjectID}')`, { Subject: 'Linked' }),
    );
    const result = await client.batch(ok);
    expect(result.changeset(changeset).map((r) => r.status)).toEqual([201, 204]);
    expect(result.created<{ ID: string }>(changeset, 0).ID).toBe('4711');
    expect(emulator.control.get('EMailCollection', mail.ObjectID)!.Subject).toBe('Linked');

    const failing = new BatchBuilder();
    failing.changeset((cs) =>
      cs
        .post('EMailBTDReferenceCollection', { ParentObjectID: mail.ObjectID, ID: '4712', TypeCode: '72', RoleCode: '1' })
        .patch("EMailCollection('00000000000000000000000000000000')", { Subject: 'nope' }),
    );
    const failed = await client.batch(failing);
    expect(failed.error(0)).toBeInstanceOf(C4cNotFoundError);
    const refs = emulator.control.get('EMailCollection', mail.ObjectID)!.EMailBTDReference as Array<{ ID: string }>;
    expect(refs.map((r) => r.ID)).toEqual(['4711']);
  });

  it('calls CheckEmailByGroupwareID', async () => {
    const client = clientFor(emulator);
    await client.create('EMailCollection', emailBody('check-1@mail.example'));
    await expect(client.checkEmailByGroupwareId('check-1@mail.example')).resolves.toBe(true);
    await expect(client.checkEmailByGroupwareId('never-saved@mail.example')).resolves.toBe(false);
  });
});

describe('session and failures', () => {
  it('recovers transparently from expired CSRF tokens', async () => {
    const client = clientFor(emulator);
    await client.create('EMailCollection', emailBody('csrf-1@mail.example'));
    emulator.control.expireCsrfTokens();
    emulator.control.resetCounters();
    const second = await client.create('EMailCollection', emailBody('csrf-2@mail.example'));
    expect(second.GroupwareItemID).toBe('csrf-2@mail.example');
    // rejected POST, token re-fetch, repeated POST
    expect(total(emulator)).toBe(3);
    expect(emulator.control.list('EMailCollection').filter((e) => e.GroupwareItemID === 'csrf-2@mail.example')).toHaveLength(1);
  });

  it('401 gives a typed auth error after one request', async () => {
    const client = clientFor(emulator, { auth: { kind: 'basic', username: 'sandbox', password: 'wrong' } });
    emulator.control.resetCounters();
    const error = await client.query('LeadCollection').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(C4cAuthError);
    expect((error as C4cAuthError).status).toBe(401);
    expect(total(emulator)).toBe(1);
  });

  it('retries after an injected 429 with Retry-After and a 503', async () => {
    const client = clientFor(emulator);
    emulator.control.addFault({ method: 'GET', pathIncludes: 'LeadCollection', kind: 'status', status: 429, retryAfterSeconds: 1, times: 1 });
    emulator.control.addFault({ method: 'GET', pathIncludes: 'LeadCollection', kind: 'status', status: 503, times: 1 });
    emulator.control.resetCounters();
    const started = Date.now();
    const page = await client.query('LeadCollection', { top: 1 });
    expect(page.results).toBeDefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950); // waited for Retry-After: 1
    expect(emulator.control.counters()['GET LeadCollection']).toBe(3);
  });

  it('a create that times out after the server applied it is not duplicated (findExisting)', async () => {
    const client = clientFor(emulator, { timeoutMs: 400 });
    await client.fetchCsrfToken();
    const key = '<timeout-1@mail.example>';
    emulator.control.addFault({ method: 'POST', pathIncludes: 'EMailCollection', kind: 'timeout', applyThenHang: true, times: 1 });
    const result = await client.createIdempotent('EMailCollection', emailBody(key), {
      findExisting: () => client.findOneBy('EMailCollection', 'GroupwareItemID', key),
    });
    expect(result.created).toBe(false);
    expect(result.entity.GroupwareItemID).toBe(key);
    expect(emulator.control.list('EMailCollection').filter((e) => e.GroupwareItemID === key)).toHaveLength(1);
  });

  it('without a probe, a timed-out create is reported as outcome-unknown and not repeated', async () => {
    const client = clientFor(emulator, { timeoutMs: 400 });
    await client.fetchCsrfToken();
    const key = '<timeout-2@mail.example>';
    emulator.control.addFault({ method: 'POST', pathIncludes: 'EMailCollection', kind: 'timeout', applyThenHang: true, times: 1 });
    const error = await client.create('EMailCollection', emailBody(key)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(C4cNetworkError);
    expect(error).toMatchObject({ timedOut: true, outcomeUnknown: true });
    expect(emulator.control.list('EMailCollection').filter((e) => e.GroupwareItemID === key)).toHaveLength(1);
  });

  it('a create whose connection drops before the server applied it is repeated once the probe finds nothing', async () => {
    const client = clientFor(emulator);
    await client.fetchCsrfToken();
    const key = '<drop-1@mail.example>';
    emulator.control.addFault({ method: 'POST', pathIncludes: 'EMailCollection', kind: 'drop', times: 1 });
    const result = await client.createIdempotent('EMailCollection', emailBody(key), {
      findExisting: () => client.findOneBy<'EMailCollection', EMail>('EMailCollection', 'GroupwareItemID', key),
    });
    expect(result.created).toBe(true);
    expect(emulator.control.list('EMailCollection').filter((e) => e.GroupwareItemID === key)).toHaveLength(1);
  });
});

describe('server paging', () => {
  beforeAll(() => {
    paged.control.seed(
      'LeadCollection',
      Array.from({ length: 12 }, (_, i) => ({ Name: `Paging lead ${i}`, ContactEMail: `lead${i}@paging.example` })),
    );
  });

  it('follows __next across pages (page size 5 → 3 requests for 12 rows)', async () => {
    const client = clientFor(paged);
    paged.control.resetCounters();
    const sizes: number[] = [];
    for await (const page of client.pages('LeadCollection', { filter: "startswith(Name,'Paging lead')", inlineCount: true })) {
      sizes.push(page.results.length);
    }
    expect(sizes).toEqual([5, 5, 2]);
    expect(paged.control.counters()['GET LeadCollection']).toBe(3);
    const all = await client.queryAll('LeadCollection', { filter: "startswith(Name,'Paging lead')" });
    expect(new Set(all.map((l) => l.ObjectID)).size).toBe(12);
  });

  it('stops at maxItems instead of reading an unbounded answer', async () => {
    const client = clientFor(paged);
    await expect(client.queryAll('LeadCollection', {}, { maxItems: 7 })).rejects.toThrow(/more than 7/);
  });
});

describe('initial search', () => {
  const seedPeople = (target: C4cEmulator) => {
    const [account] = target.control.seed('CorporateAccountCollection', [
      { Name: 'Nordwind Search GmbH', RoleCode: 'CRM000', Email: 'info@nordwind-search.example' },
    ]);
    target.control.seed('ContactCollection', [
      { FirstName: 'Katrin', LastName: 'Hoffmann', Email: 'Katrin.Hoffmann@Nordwind-Search.example', AccountID: account.AccountID },
      { FirstName: 'Jonas', LastName: 'Vogel', Email: 'jonas.vogel@nordwind-search.example', AccountID: account.AccountID },
    ]);
    target.control.seed('LeadCollection', [{ Name: 'Pilot', ContactEMail: 'lukas@kessler-search.example', Company: 'Kessler' }]);
    target.control.seed('IndividualCustomerCollection', [{ FirstName: 'Paula', LastName: 'Private', RoleCode: 'CRM000', Email: 'paula@private-search.example' }]);
    target.control.seed('EmployeeCollection', [{ FirstName: 'Anna', LastName: 'Berger', Email: 'anna.berger@contoso-search.example' }]);
    return account;
  };

  it('finds every kind of record for 10 addresses in exactly one HTTP request', async () => {
    const account = seedPeople(emulator);
    const client = clientFor(emulator);
    await client.fetchCsrfToken();
    emulator.control.resetCounters();
    const addresses = [
      'anna.berger@contoso-search.example', // employee (sender)
      'KATRIN.HOFFMANN@nordwind-search.example', // contact, different case
      'jonas.vogel@nordwind-search.example',
      'lukas@kessler-search.example',
      'paula@private-search.example',
      'info@nordwind-search.example',
      'unknown1@nowhere.example',
      'unknown2@nowhere.example',
      "o'brien@nowhere.example",
      'unknown3@nowhere.example',
    ];
    const result = await initialSearch(client, addresses);
    const counters = emulator.control.counters();
    expect(counters.total).toBe(1);
    expect(counters['POST $batch']).toBe(1);
    // one GET part per entity type inside that single request
    expect(Object.keys(counters).filter((key) => key.startsWith('batch:GET ')).sort()).toEqual([
      'batch:GET ContactCollection',
      'batch:GET ContactIsContactPersonForCollection',
      'batch:GET CorporateAccountCollection',
      'batch:GET EmployeeBasicDataCollection',
      'batch:GET IndividualCustomerCollection',
      'batch:GET LeadCollection',
    ]);
    expect(result.requests).toBe(1);
    expect(result.failures).toEqual([]);
    expect(result.truncated).toEqual([]);
    const by = (address: string) => result.addresses.find((entry) => entry.normalized === address.toLowerCase())!;
    expect(by('anna.berger@contoso-search.example')).toMatchObject({ isEmployee: true, found: false });
    expect(by('anna.berger@contoso-search.example').employees[0].FormattedName).toContain('Berger');
    expect(by('katrin.hoffmann@nordwind-search.example').contacts.map((m) => [m.contact.LastName, m.matchedBy])).toEqual([['Hoffmann', 'Email']]);
    expect(by('lukas@kessler-search.example').leads.map((l) => l.Name)).toEqual(['Pilot']);
    expect(by('paula@private-search.example').individualCustomers.map((c) => c.LastName)).toEqual(['Private']);
    expect(by('info@nordwind-search.example').corporateAccounts.map((a) => a.AccountID)).toEqual([account.AccountID]);
    expect(by('unknown1@nowhere.example').found).toBe(false);
    expect(result.addresses).toHaveLength(10);

    // SSI rules: the first parsed contact (the employee sender is skipped) and its account.
    expect(result.suggestion.mainContact).toMatchObject({ kind: 'Contact', name: 'Katrin Hoffmann', address: 'KATRIN.HOFFMANN@nordwind-search.example' });
    expect(result.suggestion.mainAccount).toMatchObject({ kind: 'CorporateAccount', partyId: account.AccountID, objectId: account.ObjectID });
  });

  it('without contacts suggests the first lead, and an individual customer as account', async () => {
    const client = clientFor(emulator);
    const result = await initialSearch(client, ['paula@private-search.example', 'lukas@kessler-search.example']);
    expect(result.suggestion.mainContact).toMatchObject({ kind: 'Lead', name: 'Pilot' });
    expect(result.suggestion.mainAccount).toMatchObject({ kind: 'IndividualCustomer', name: 'Paula Private' });
  });

  it('finds a contact by a per-account work e-mail with one extra request', async () => {
    const client = clientFor(emulator);
    const [account] = emulator.control.seed('CorporateAccountCollection', [{ Name: 'Work Mail AG', RoleCode: 'CRM000' }]);
    const [contact] = emulator.control.seed('ContactCollection', [{ FirstName: 'Wanda', LastName: 'Work', Email: 'wanda@home.example' }]);
    emulator.control.seed('ContactIsContactPersonForCollection', [
      { ParentObjectID: contact.ObjectID, ContactID: contact.ContactID, AccountID: account.AccountID, Email: 'w.work@workmail.example' },
    ]);
    await client.fetchCsrfToken();
    emulator.control.resetCounters();
    const result = await initialSearch(client, ['w.work@workmail.example']);
    expect(result.requests).toBe(2);
    expect(emulator.control.counters().total).toBe(2);
    expect(result.addresses[0].contacts).toEqual([
      expect.objectContaining({ matchedBy: 'WorkEmail', accountId: account.AccountID, contact: expect.objectContaining({ ContactID: contact.ContactID }) }),
    ]);
    expect(result.suggestion.mainAccount).toMatchObject({ partyId: account.AccountID });
  });

  it('flags an absurd number of matches as truncated instead of reading them all', async () => {
    const client = clientFor(emulator);
    emulator.control.seed(
      'ContactCollection',
      Array.from({ length: 8 }, (_, i) => ({ FirstName: `Shared${i}`, LastName: 'Mailbox', Email: 'sales@shared-search.example' })),
    );
    const result = await initialSearch(client, ['sales@shared-search.example'], { perAddressLimit: 3 });
    expect(result.truncated).toContain('Contact');
    expect(result.addresses[0].contacts).toHaveLength(3);
  });

  it('follows server paging below the row limit', async () => {
    const client = clientFor(paged);
    paged.control.seed(
      'LeadCollection',
      Array.from({ length: 7 }, (_, i) => ({ Name: `Same person ${i}`, ContactEMail: 'same.person@paged.example' })),
    );
    const result = await initialSearch(client, ['same.person@paged.example']);
    expect(result.addresses[0].leads).toHaveLength(7);
    expect(result.truncated).toEqual([]);
    expect(result.requests).toBe(2);
  });

  it('skips inputs that are not addresses and makes no request for none', async () => {
    const client = clientFor(emulator);
    emulator.control.resetCounters();
    const result = await initialSearch(client, ['not an address', '']);
    expect(result).toMatchObject({ addresses: [], ignored: ['not an address', ''], requests: 0 });
    expect(total(emulator)).toBe(0);
  });
});

describe('related-item search', () => {
  it('finds opportunities and tickets by name fragment and by ID in one request each', async () => {
    const client = clientFor(emulator);
    const [opportunity] = emulator.control.seed('OpportunityCollection', [
      { Name: 'Turbine retrofit 2025', ProspectPartyID: '1000001', MainEmployeeResponsiblePartyID: '8000000011' },
      { Name: 'Cooling upgrade', ProspectPartyID: '1000001', MainEmployeeResponsiblePartyID: '8000000011' },
    ]);
    const [ticket] = emulator.control.seed('ServiceRequestCollection', [{ Name: 'Pump leaking at plant 3' }, { Name: 'Invoice question' }]);
    emulator.control.resetCounters();
    const byName = await searchOpportunities(client, 'retrofit');
    expect(byName.map((o) => o.Name)).toEqual(['Turbine retrofit 2025']);
    expect(emulator.control.counters()['POST $batch']).toBe(1);
    const byId = await searchOpportunities(client, String(opportunity.ID));
    expect(byId[0].ObjectID).toBe(opportunity.ObjectID);
    const tickets = await searchTickets(client, 'leaking');
    expect(tickets.map((t) => t.ID)).toEqual([ticket.ID]);
    await expect(searchTickets(client, '  ')).resolves.toEqual([]);
  });
});
